"""The Segments page on real widgets, offscreen, over a real demo workspace: building a segment
through the builder's widgets, the live count, stale counts, undo/redo, refusals, read-only."""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtWidgets import QComboBox, QDateTimeEdit, QLineEdit, QToolButton
from pytestqt.qtbot import QtBot

from app.domain.segment import SegmentDocument
from app.services import segments as service
from app.services.documents import read_journey
from app.services.journeys import publish
from app.store.workspace import Workspace
from app.ui.context import AppContext
from app.ui.segments import SegmentsPage
from app.ui.segments.groups import GroupFrame
from app.ui.segments.rows import AttributeRow, BehaviorRow, ConditionFrame
from tests.ui.conftest import NOW

SAMPLES = Path(__file__).resolve().parents[2] / "resources" / "samples"
LAPSED = SAMPLES / "no-purchase-60-days.segment.json"
WAIT_MS = 10_000


def open_page(qtbot: QtBot, context: AppContext, **functions: Any) -> SegmentsPage:
    page = SegmentsPage(context, **functions)
    qtbot.addWidget(page)
    page.resize(1280, 860)
    page.show()
    qtbot.waitUntil(lambda: page.choices is not None and bool(page.rows), timeout=WAIT_MS)
    return page


def row(page: SegmentsPage, *path: int) -> ConditionFrame:
    context = page.builder.context
    assert context is not None
    return context.rows[path]


def pick(box: QComboBox, data: object) -> None:
    """Choose an entry as a user does: the index changes, then ``activated``."""
    index = box.findData(data)
    assert index >= 0, f"{data!r} is not offered"
    box.setCurrentIndex(index)
    box.activated.emit(index)


def type_into(qtbot: QtBot, line: QLineEdit, text: str) -> None:
    line.setFocus()
    line.selectAll()
    qtbot.keyClicks(line, text)


def add(page: SegmentsPage, entry: str, *parent: int) -> None:
    group = row(page, *parent)
    assert isinstance(group, GroupFrame)
    group.add_actions[entry].trigger()


def build_lapsed(qtbot: QtBot, page: SegmentsPage) -> None:
    """“Purchased before, not in the last 60 days”, named as the sample, through the widgets."""
    page.list.new_button.click()
    type_into(qtbot, page.builder.name_edit, "No purchase in 60 days")
    type_into(
        qtbot,
        page.builder.description_edit,
        "Customers who have bought before but not in the last 60 days.",
    )
    add(page, "Behaviour (events)")
    add(page, "Behaviour (events)")
    second = row(page, 1)
    assert isinstance(second, BehaviorRow)
    pick(second.count_box, "none")
    second = row(page, 1)
    assert isinstance(second, BehaviorRow)
    pick(second.window_box, "within")
    second = row(page, 1)
    assert isinstance(second, BehaviorRow)
    duration = second.window_editor
    assert isinstance(duration, QLineEdit)
    type_into(qtbot, duration, "60d")


def add_countries(qtbot: QtBot, page: SegmentsPage, text: str) -> None:
    add(page, "Contact field")
    country = row(page, len(page.builder.draft["definition"]["all"]) - 1)
    assert isinstance(country, AttributeRow)
    assert country.field_box.currentData() == "country"
    assert country.op_box.currentData() == "in"
    line = country.value_editor.findChild(QLineEdit)
    assert line is not None
    type_into(qtbot, line, text)


def sample_with_countries(countries: list[str]) -> str:
    data = json.loads(LAPSED.read_text())
    data["definition"]["all"].append(
        {"attribute": {"field": "country", "op": "in", "value": countries}}
    )
    return SegmentDocument.model_validate(data).to_json()


def test_building_the_sample_through_the_widgets_gives_exactly_its_json(
    qtbot: QtBot, demo_context: AppContext
) -> None:
    page = open_page(qtbot, demo_context)
    build_lapsed(qtbot, page)
    document = page.builder.document()
    assert document is not None
    assert document.to_json() == LAPSED.read_text()
    add_countries(qtbot, page, "DE, AT")
    document = page.builder.document()
    assert document is not None
    assert document.to_json() == sample_with_countries(["DE", "AT"])


def test_the_live_count_matches_segment_count_for_the_same_definition(
    qtbot: QtBot, demo_context: AppContext
) -> None:
    page = open_page(qtbot, demo_context)
    build_lapsed(qtbot, page)
    add_countries(qtbot, page, "DE, AT")
    page.builder.name_edit.selectAll()
    type_into(qtbot, page.builder.name_edit, "Lapsed 60 days")
    with qtbot.waitSignal(page.live.count_shown, timeout=WAIT_MS) as shown:
        pass
    page.builder.save_button.click()
    qtbot.waitUntil(lambda: "Lapsed 60 days" in page.rows, timeout=WAIT_MS)
    expected = service.count_members(demo_context.workspace, "Lapsed 60 days", NOW)
    assert shown.args == [expected]
    assert page.live.number.text() == f"{expected:,}"
    assert (
        0 < expected < service.count_members(demo_context.workspace, "No purchase in 60 days", NOW)
    )
    countries = {page.live.sample.item(i, 2).text() for i in range(page.live.sample.rowCount())}
    assert countries <= {"DE", "AT"} and page.live.sample.rowCount() == min(expected, 20)
    qtbot.waitUntil(lambda: page.list.members_text("Lapsed 60 days") == f"{expected:,}")


class SlowFirstCount:
    """Counts as the service does, but the first definition's count waits until released."""

    def __init__(self) -> None:
        self.release = threading.Event()
        self.first_done = threading.Event()
        self.calls: list[list[object]] = []

    def __call__(self, workspace: Workspace, document: SegmentDocument, at: Any) -> int:
        value = service.count_document(workspace, document, at)
        countries = document.model_dump(mode="json")["definition"]["all"][-1]["attribute"]
        self.calls.append(countries["value"])
        if len(self.calls) == 1:
            self.release.wait(WAIT_MS / 1000)
            self.first_done.set()
        return value


def test_an_older_count_that_arrives_late_is_never_shown_over_a_newer_one(
    qtbot: QtBot, demo_context: AppContext
) -> None:
    slow = SlowFirstCount()
    page = open_page(qtbot, demo_context, count=slow)
    build_lapsed(qtbot, page)
    add_countries(qtbot, page, "DE")
    qtbot.waitUntil(lambda: len(slow.calls) == 1, timeout=WAIT_MS)  # "DE" is being counted
    shown: list[int] = []
    page.live.count_shown.connect(shown.append)
    country = row(page, 2)
    assert isinstance(country, AttributeRow)
    line = country.value_editor.findChild(QLineEdit)
    assert line is not None
    line.end(False)
    qtbot.keyClicks(line, ", AT, FR")  # quick typing: one count, for the last text
    qtbot.waitUntil(lambda: bool(shown), timeout=WAIT_MS)
    newest = service.count_document(
        demo_context.workspace,
        SegmentDocument.model_validate_json(sample_with_countries(["DE", "AT", "FR"])),
        NOW,
    )
    assert slow.calls == [["DE"], ["DE", "AT", "FR"]]
    slow.release.set()
    assert slow.first_done.wait(WAIT_MS / 1000)
    qtbot.wait(300)  # the late result has had every chance to arrive
    assert shown == [newest]
    assert page.live.number.text() == f"{newest:,}"


def test_a_count_in_flight_is_dropped_when_the_definition_turns_invalid(
    qtbot: QtBot, demo_context: AppContext
) -> None:
    slow = SlowFirstCount()
    page = open_page(qtbot, demo_context, count=slow)
    build_lapsed(qtbot, page)
    add_countries(qtbot, page, "DE")
    qtbot.waitUntil(lambda: len(slow.calls) == 1, timeout=WAIT_MS)
    country = row(page, 2)
    assert isinstance(country, AttributeRow)
    line = country.value_editor.findChild(QLineEdit)
    assert line is not None
    line.selectAll()
    qtbot.keyClick(line, "\b")  # an empty list: invalid, nothing to count
    shown: list[int] = []
    page.live.count_shown.connect(shown.append)
    slow.release.set()
    assert slow.first_done.wait(WAIT_MS / 1000)
    qtbot.wait(300)
    assert shown == []
    assert not page.live.number.isEnabled()
    assert "marked in red" in page.live.status.text()


def test_undo_and_redo_step_through_the_builder_edits(
    qtbot: QtBot, demo_context: AppContext
) -> None:
    page = open_page(qtbot, demo_context)
    page.list.new_button.click()
    empty = json.dumps(page.builder.draft)
    build_lapsed(qtbot, page)
    add_countries(qtbot, page, "DE, AT")
    built = json.dumps(page.builder.draft)
    stack = page.builder.undo_stack
    steps = stack.count()
    assert steps == 9  # name, description, 3 adds, count, window, duration and countries typed
    page.builder.undo_button.click()
    assert page.builder.draft["definition"]["all"][-1]["attribute"]["value"] == []
    while stack.canUndo():
        page.builder.undo_button.click()
    assert json.dumps(page.builder.draft) == empty
    assert page.builder.name_edit.text() == json.loads(empty)["name"]
    assert set(page.builder.context.rows) == {()}  # type: ignore[union-attr]
    while stack.canRedo():
        page.builder.redo_button.click()
    assert json.dumps(page.builder.draft) == built
    duration = row(page, 1)
    assert isinstance(duration, BehaviorRow)
    assert isinstance(duration.window_editor, QLineEdit)
    assert duration.window_editor.text() == "60d"


def test_nested_groups_and_not_through_the_widgets(qtbot: QtBot, demo_context: AppContext) -> None:
    page = open_page(qtbot, demo_context)
    page.list.new_button.click()
    add(page, "Group (all / any)")
    add(page, "Contact field", 0)
    add(page, "Membership of a segment", 0)
    membership = row(page, 0, 1)
    pick(membership.findChild(QComboBox, "segmentChoice"), "Employees")
    row(page, 0, 1).findChild(QToolButton, "notButton").click()
    assert page.builder.draft["definition"] == {
        "all": [
            {
                "any": [
                    {"attribute": {"field": "country", "op": "in", "value": []}},
                    {"not": {"segment": "Employees"}},
                ]
            }
        ]
    }
    inside_not = row(page, 0, 1, 0)
    inside_not.findChild(QToolButton, "notButton").click()  # takes not away
    assert page.builder.draft["definition"]["all"][0]["any"][1] == {"segment": "Employees"}


def test_save_refuses_an_invalid_definition_with_the_reason_at_the_condition(
    qtbot: QtBot, demo_context: AppContext
) -> None:
    page = open_page(qtbot, demo_context)
    build_lapsed(qtbot, page)
    type_into(qtbot, page.builder.name_edit, "Lapsed nowhere")
    add(page, "Contact field")  # country is one of: nothing chosen yet
    page.builder.save_button.click()
    problem = row(page, 2).problem
    assert problem.isVisibleTo(page) and problem.text() == "'in' takes a non-empty list of values"
    assert "Not saved" in page.builder.message.text()
    assert row(page, 0).problem.isHidden()
    qtbot.wait(200)
    names = [item.name for item in service.list_segments(demo_context.workspace)]
    assert "Lapsed nowhere" not in names


def test_a_new_segment_with_a_taken_name_is_refused(qtbot: QtBot, demo_context: AppContext) -> None:
    page = open_page(qtbot, demo_context)
    page.list.new_button.click()
    type_into(qtbot, page.builder.name_edit, "Employees")
    page.builder.save_button.click()
    qtbot.waitUntil(lambda: "Not saved" in page.builder.message.text(), timeout=WAIT_MS)
    assert "already named “Employees”" in page.builder.message.text()


def go_live(context: AppContext, name: str) -> None:
    result = publish(context.workspace, read_journey(SAMPLES / f"{name}.journey.json"), NOW)
    assert result.published, result.findings


def test_a_segment_used_by_a_live_journey_opens_read_only_with_duplicate(
    qtbot: QtBot, demo_context: AppContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    go_live(demo_context, "re-engagement")
    page = open_page(qtbot, demo_context)
    name = "No purchase in 60 days"
    assert page.list.table.item(page.list.names.index(name), 2).text() == "Re-engagement"
    page.list.select(name)
    builder = page.builder
    assert builder.read_only and builder.banner.isVisibleTo(page)
    assert "“Re-engagement”" in builder.banner_text.text()
    assert not builder.save_button.isEnabled() and not builder.name_edit.isEnabled()
    assert not builder.tree_area.widget().isEnabled()
    before = json.dumps(builder.draft)
    builder.remove((0,))  # even an intent that gets through changes nothing
    assert json.dumps(builder.draft) == before
    monkeypatch.setattr(page, "ask", lambda *_: True)
    page.list.delete_button.click()
    qtbot.waitUntil(lambda: "Not deleted" in builder.message.text(), timeout=WAIT_MS)
    assert "live or paused journeys use it: “Re-engagement”" in builder.message.text()
    builder.banner_duplicate.click()
    assert not builder.read_only and builder.name_edit.text() == f"{name} (copy)"
    builder.save_button.click()
    qtbot.waitUntil(lambda: f"{name} (copy)" in page.rows, timeout=WAIT_MS)
    copy = service.count_members(demo_context.workspace, f"{name} (copy)", NOW)
    assert copy == service.count_members(demo_context.workspace, name, NOW)


def test_the_overlap_matrix_shows_contacts_in_both_entry_segments(
    qtbot: QtBot, demo_context: AppContext
) -> None:
    go_live(demo_context, "re-engagement")
    go_live(demo_context, "high-value-follow-up")
    page = open_page(qtbot, demo_context)
    page.tabs.setCurrentWidget(page.overlap)
    table = page.overlap.table
    qtbot.waitUntil(lambda: table.rowCount() == 2, timeout=WAIT_MS)
    expected = service.journey_overlap(demo_context.workspace, NOW)
    high, lapsed = expected.segments
    both = expected.counts[high, lapsed]
    assert table.item(0, 1).text().startswith(f"{both:,}\n")
    assert table.item(1, 0).text().startswith(f"{both:,}\n")
    assert table.item(0, 0).text().startswith(f"{expected.counts[high, high]:,}")
    labels = [table.verticalHeaderItem(i).text() for i in range(2)]
    assert labels == [f"{high}\n→ High-value follow-up", f"{lapsed}\n→ Re-engagement"]


def operators(attribute: AttributeRow) -> list[str]:
    return [attribute.op_box.itemData(i) for i in range(attribute.op_box.count())]


def test_operators_and_value_editors_follow_the_field_type(
    qtbot: QtBot, demo_context: AppContext
) -> None:
    page = open_page(qtbot, demo_context)
    page.list.new_button.click()
    add(page, "Contact field")
    attribute = row(page, 0)
    assert isinstance(attribute, AttributeRow)
    assert "contains" in operators(attribute) and "within_last" not in operators(attribute)
    pick(attribute.field_box, "created_at")
    attribute = row(page, 0)
    assert isinstance(attribute, AttributeRow)
    assert operators(attribute)[:4] == ["within_last", "more_than_ago", "before", "after"]
    duration = attribute.value_editor.findChild(QLineEdit)
    assert duration is not None and duration.text() == "30d"
    pick(attribute.op_box, "before")
    attribute = row(page, 0)
    assert isinstance(attribute, AttributeRow)
    assert (
        page.builder.draft["definition"]["all"][0]["attribute"]["value"] == "2026-12-01T00:00:00Z"
    )
    assert attribute.value_editor.findChild(QDateTimeEdit) is not None
    pick(attribute.field_box, "email_opt_in")
    attribute = row(page, 0)
    assert isinstance(attribute, AttributeRow)
    assert operators(attribute) == ["eq", "ne", "is_empty", "is_not_empty"]
    choice = attribute.value_editor.findChild(QComboBox)
    assert choice is not None
    pick(choice, False)
    assert page.builder.draft["definition"]["all"][0]["attribute"] == {
        "field": "email_opt_in",
        "op": "eq",
        "value": False,
    }
    pick(row(page, 0).field_box, "attributes.lifetime_value")  # type: ignore[attr-defined]
    attribute = row(page, 0)
    assert isinstance(attribute, AttributeRow)
    assert "gte" in operators(attribute) and "contains" not in operators(attribute)
    line = attribute.value_editor.findChild(QLineEdit)
    assert line is not None
    type_into(qtbot, line, "1,000")
    assert page.builder.draft["definition"]["all"][0]["attribute"]["value"] == 1000


def test_choices_are_the_values_and_event_types_present(
    qtbot: QtBot, demo_context: AppContext
) -> None:
    page = open_page(qtbot, demo_context)
    page.list.new_button.click()
    add(page, "Contact field")
    add(page, "Behaviour (events)")
    behaviour = row(page, 1)
    assert isinstance(behaviour, BehaviorRow)
    offered = [behaviour.event_box.itemText(i) for i in range(behaviour.event_box.count())]
    assert offered == service.builder_choices(demo_context.workspace).event_types
    assert {"purchase", "email_opened", "web_visit"} <= set(offered)
    attribute = row(page, 0)
    assert isinstance(attribute, AttributeRow)
    button = attribute.value_editor.findChild(QToolButton, "valueChoicesButton")
    assert button is not None
    menu = button.menu()
    menu.aboutToShow.emit()
    qtbot.waitUntil(lambda: "country" in page.values, timeout=WAIT_MS)
    menu.aboutToShow.emit()
    present = [action.text() for action in menu.actions()]
    assert present == service.present_values(demo_context.workspace, "country")
    germany = next(action for action in menu.actions() if action.text() == "DE")
    germany.setChecked(True)
    assert page.builder.draft["definition"]["all"][0]["attribute"]["value"] == ["DE"]
