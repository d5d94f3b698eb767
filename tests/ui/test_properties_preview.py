"""The message preview: contacts found in a real demo workspace, messages rendered with the
product's templates for them, template errors shown in place, SMS length and segments."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QLabel, QPlainTextEdit
from pytestqt.qtbot import QtBot

from app.domain.edits import set_config_field
from app.services.preview import render_message, search_contacts, sms_length
from app.ui.context import AppContext
from app.ui.designer.editor import DesignerWidget
from app.ui.designer.properties.preview import MessagePreviewPane, SandboxedBrowser
from app.ui.designer.properties.sources import workspace_sources
from tests.ui.designer_helpers import make_designer, sample


@pytest.mark.parametrize(
    ("text", "encoding", "segments"),
    [
        ("", "GSM-7", 0),
        ("a" * 160, "GSM-7", 1),
        ("a" * 161, "GSM-7", 2),
        ("a" * 306, "GSM-7", 2),
        ("a" * 307, "GSM-7", 3),
        ("€" * 80, "GSM-7", 1),  # two septets each: 160
        ("€" * 81, "GSM-7", 2),
        ("ü" * 160, "GSM-7", 1),  # in the GSM alphabet
        ("ł" * 70, "UCS-2", 1),
        ("ł" * 71, "UCS-2", 2),
        ("ł" * 134, "UCS-2", 2),
        ("ł" * 135, "UCS-2", 3),
        ("😀" * 35, "UCS-2", 1),  # two UTF-16 units each
    ],
)
def test_sms_length_counts_segments_per_encoding(text: str, encoding: str, segments: int) -> None:
    length = sms_length(text)
    assert (length.encoding, length.segments, length.characters) == (encoding, segments, len(text))


def test_contacts_are_found_by_name_or_email_in_any_case(demo_context: AppContext) -> None:
    everyone = search_contacts(demo_context.workspace, "")
    assert len(everyone) == 20
    first = everyone[0]
    assert first.email is not None
    by_name = search_contacts(demo_context.workspace, first.name.split()[0].upper())
    assert first in by_name
    assert all(first.name.split()[0].lower() in c.label.lower() for c in by_name)
    assert search_contacts(demo_context.workspace, first.email) == [first]
    assert search_contacts(demo_context.workspace, "100%_nobody") == []


def preview_of(qtbot: QtBot, designer: DesignerWidget, node_id: str) -> MessagePreviewPane:
    designer.scene.select_nodes([node_id])
    assert designer.properties.tabs.isTabVisible(1)
    designer.properties.tabs.setCurrentIndex(1)
    pane = designer.properties.preview
    qtbot.waitUntil(lambda: pane.contacts.count() > 0 and bool(pane.parts), timeout=5000)
    return pane


def text_of(pane: MessagePreviewPane, field: str) -> str:
    view = pane.part(field)
    assert view is not None
    content = view.content
    if isinstance(content, QLabel):
        return content.text()
    if isinstance(content, QPlainTextEdit):
        return content.toPlainText()
    assert isinstance(content, SandboxedBrowser)
    return content.toPlainText()


def test_the_preview_renders_a_demo_contacts_personalised_email(
    qtbot: QtBot, demo_context: AppContext
) -> None:
    designer = make_designer(qtbot)
    designer.set_sources(workspace_sources(demo_context))
    pane = preview_of(qtbot, designer, "reminder")
    contact = search_contacts(demo_context.workspace, "")[2]
    first_name = contact.name.split()[0]
    pane.search.setText(contact.email or "")
    pane.find_contacts()
    qtbot.waitUntil(lambda: pane.contacts.count() == 1, timeout=5000)
    assert pane.contacts.currentText() == contact.label
    qtbot.waitUntil(lambda: text_of(pane, "subject") == f"We miss you, {first_name}", timeout=5000)
    assert f"Hi {first_name}," in text_of(pane, "body_html")
    assert f"Hi {first_name}," in text_of(pane, "body_text")
    browser = pane.part("body_html").content  # type: ignore[union-attr]
    assert isinstance(browser, SandboxedBrowser)
    assert not browser.openLinks() and not browser.openExternalLinks()
    assert pane.status.text() == ""


def test_a_template_error_is_shown_in_place_of_its_part(
    qtbot: QtBot, demo_context: AppContext
) -> None:
    designer = make_designer(qtbot)
    designer.set_sources(workspace_sources(demo_context))
    pane = preview_of(qtbot, designer, "reminder")
    designer.controller.push(
        set_config_field(designer.document, "reminder", "subject", "Hi {{ first_name | nosuch }}")
    )
    qtbot.waitUntil(lambda: "1 template error" in pane.status.text(), timeout=5000)
    subject = pane.part("subject")
    assert subject is not None
    assert subject.content.isHidden() and not subject.error.isHidden()
    assert "Template error" in subject.error.text() and "nosuch" in subject.error.text()
    body = pane.part("body_html")
    assert body is not None and body.error.isHidden()


def test_an_sms_preview_shows_its_length_and_segments(qtbot: QtBot) -> None:
    designer = make_designer(qtbot)  # no workspace: rendered without contact data
    pane = preview_of(qtbot, designer, "sms")
    text = text_of(pane, "text")
    assert text.startswith("Contoso: Hi there, we miss you!")
    expected = sms_length(text)
    assert pane.sms.text() == f"{len(text)} characters · GSM-7 · {expected.segments} SMS"
    assert not pane.sms.isHidden()


def test_preview_without_a_contact_renders_defaults_and_links_lead_nowhere() -> None:
    node = sample().node("offer")
    assert node is not None
    preview = render_message(node, "Re-engagement", None)
    assert preview.errors == []
    body = preview.part("body_html")
    assert body is not None and "https://preview.invalid/unsubscribe" in body.text


def test_only_message_nodes_have_a_preview(qtbot: QtBot) -> None:
    designer = make_designer(qtbot)
    for node_id, shown in (
        ("reminder", True),
        ("sms", True),
        ("wait-5d", False),
        ("opened", False),
    ):
        designer.scene.select_nodes([node_id])
        assert designer.properties.tabs.isTabVisible(1) is shown


def test_with_the_workspace_as_source_unknown_segments_are_errors(
    qtbot: QtBot, demo_context: AppContext
) -> None:
    designer = make_designer(qtbot)
    designer.set_sources(workspace_sources(demo_context))
    assert not [f for f in designer.validation.findings if f.code == "segment.unknown"]
    designer.controller.set_setting("entry_segment", "Nobody by this name")
    designer.validation.run_now()
    unknown = [f for f in designer.validation.findings if f.code == "segment.unknown"]
    assert [f.field for f in unknown] == ["entry_segment"]
    designer.scene.clearSelection()
    row = designer.properties.form.rows["entry_segment"]  # type: ignore[union-attr]
    assert "does not exist" in row.error.text() and not row.error.isHidden()
