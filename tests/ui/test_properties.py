"""The properties panel on real widgets: forms generated per node kind, edits reaching the
document as undoable steps, errors next to their fields, the journey settings form."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPointF, Qt
from PySide6.QtWidgets import QCheckBox, QLineEdit
from pytestqt.qtbot import QtBot

from app.domain.edits import connect, disconnect, replace_config
from app.domain.registry import REGISTRY
from app.ui.designer.editor import DesignerWidget
from app.ui.designer.properties.condition import BranchConditionEditor
from app.ui.designer.properties.condition_tree import ConditionTreeEditor
from app.ui.designer.properties.fields import (
    ChoiceEditor,
    NameEditor,
    TemplateEditor,
    TextEditor,
)
from app.ui.designer.properties.lists import ModelListEditor
from app.ui.designer.properties.moments import DurationEditor
from app.ui.designer.properties.node_form import STEP_NAME, NodeForm
from app.ui.designer.properties.settings_form import OptionalGroup, SettingsForm
from app.ui.designer.properties.sources import DesignerSources
from tests.ui.designer_helpers import make_designer, sample

WAIT_MODES = {
    "duration": {"mode": "duration", "duration": "5d"},
    "until": {"mode": "until", "at": "2026-12-24T09:00:00Z"},
    "time_of_day": {"mode": "time_of_day", "time": "09:00", "days": ["mon", "fri"]},
    "until_attribute": {"mode": "until_attribute", "field": "attributes.renewal", "offset": "-1d"},
}


def node_form(designer: DesignerWidget, node_id: str) -> NodeForm:
    designer.scene.select_nodes([node_id])
    form = designer.properties.form
    assert isinstance(form, NodeForm) and form.node_id == node_id
    return form


def settings_form(designer: DesignerWidget) -> SettingsForm:
    designer.scene.clearSelection()
    form = designer.properties.form
    assert isinstance(form, SettingsForm)
    return form


def line_of(editor: object) -> QLineEdit:
    assert isinstance(editor, TextEditor | TemplateEditor | DurationEditor)
    line = editor.line
    assert line is not None
    return line


def config(designer: DesignerWidget, node_id: str) -> dict[str, object]:
    node = designer.document.node(node_id)
    assert node is not None
    return node.config or {}


def ways_out(designer: DesignerWidget, node_id: str) -> list[tuple[str, str]]:
    return [(e.source_port, e.target) for e in designer.document.edges if e.source == node_id]


def retype(qtbot: QtBot, line: QLineEdit, text: str) -> None:
    """Select what the field holds and type ``text`` over it, key by key."""
    line.setFocus()
    line.selectAll()
    qtbot.keyClick(line, Qt.Key.Key_Backspace)
    qtbot.keyClicks(line, text)


@pytest.mark.parametrize("kind", sorted(set(REGISTRY) - {"start"}))
def test_every_node_kind_gets_a_form_with_a_row_per_config_field(qtbot: QtBot, kind: str) -> None:
    designer = make_designer(qtbot)
    node_id = designer.controller.add_node(kind, QPointF(0, 400))
    assert node_id is not None
    form = node_form(designer, node_id)
    spec = REGISTRY[kind]
    assert STEP_NAME in form.rows
    assert set(form.rows) - {STEP_NAME, "mode"} == {name for name, _info in form.fields()}
    if spec.has_config and form.switch is None:
        assert {name for name, _ in form.fields()} == set(spec.config_type.model_fields)
    for template in spec.templates:
        assert isinstance(form.rows[template.name].editor, TemplateEditor)


@pytest.mark.parametrize("mode", WAIT_MODES)
def test_each_wait_mode_shows_its_own_fields(qtbot: QtBot, mode: str) -> None:
    document = sample()
    replace_config(document, "wait-5d", "mode", WAIT_MODES[mode]).apply(document)
    designer = make_designer(qtbot, document)
    form = node_form(designer, "wait-5d")
    shown = set(form.rows) - {STEP_NAME, "mode"}
    assert shown == {name for name in form.models[mode].model_fields if name != "mode"}
    mode_editor = form.rows["mode"].editor
    assert isinstance(mode_editor, ChoiceEditor) and mode_editor.value() == mode


def test_typing_a_subject_reaches_the_document_as_one_undo_step(qtbot: QtBot) -> None:
    designer = make_designer(qtbot)
    before = designer.document.to_json()
    form = node_form(designer, "reminder")
    line = line_of(form.rows["subject"].editor)
    retype(qtbot, line, "Come back")
    assert config(designer, "reminder")["subject"] == "Come back"
    assert designer.undo_stack.count() == 1
    assert designer.scene.nodes["reminder"].summary == "Email: Come back"
    designer.undo_stack.undo()
    assert designer.document.to_json() == before
    assert line.text().startswith("We miss you")  # the form follows the undo
    designer.undo_stack.redo()
    assert line.text() == "Come back"


def test_renaming_a_node_in_its_form_renames_its_card(qtbot: QtBot) -> None:
    designer = make_designer(qtbot)
    form = node_form(designer, "sms")
    retype(qtbot, line_of(form.rows[STEP_NAME].editor), "Text them")
    assert designer.scene.nodes["sms"].title == "Text them"
    assert designer.undo_stack.count() == 1


def test_the_variable_picker_inserts_a_placeholder_at_the_cursor(qtbot: QtBot) -> None:
    designer = make_designer(qtbot, None)
    designer.set_sources(DesignerSources(attribute_keys=lambda: ["loyalty_tier"]))
    form = node_form(designer, "reminder")
    editor = form.rows["subject"].editor
    assert isinstance(editor, TemplateEditor)
    variables = [action.text() for action in editor.variables.menu().actions()]
    assert variables[:2] == ["external_id", "kind"]
    assert {"attributes.loyalty_tier", "journey.name", "unsubscribe_url", "view_url"} <= set(
        variables
    )
    line = line_of(editor)
    line.setText("Hi ")
    line.setCursorPosition(3)
    editor.insert_variable("first_name")
    assert config(designer, "reminder")["subject"] == "Hi {{ first_name }}"


def test_a_duration_that_is_not_one_is_named_next_to_the_field_and_not_stored(
    qtbot: QtBot,
) -> None:
    designer = make_designer(qtbot)
    before = designer.document.to_json()
    form = node_form(designer, "wait-5d")
    row = form.rows["duration"]
    retype(qtbot, line_of(row.editor), "5 days")
    assert "not a duration" in row.error.text() and not row.error.isHidden()
    assert designer.document.to_json() == before
    retype(qtbot, line_of(row.editor), "7d")
    assert row.error.isHidden()
    assert config(designer, "wait-5d")["duration"] == "7d"
    assert designer.scene.nodes["wait-5d"].summary == "Wait 7 days"


def test_validation_findings_show_next_to_their_field(qtbot: QtBot) -> None:
    designer = make_designer(qtbot)
    form = node_form(designer, "reminder")
    retype(qtbot, line_of(form.rows["from_email"].editor), "nobody")
    designer.validation.run_now()
    row = form.rows["from_email"]
    assert not row.error.isHidden() and "nobody" in row.error.text()
    assert form.rows["subject"].error.isHidden()
    designer.undo_stack.undo()
    designer.validation.run_now()
    assert row.error.isHidden()


def test_renaming_a_variant_in_the_table_moves_its_edge_and_undo_moves_it_back(
    qtbot: QtBot,
) -> None:
    designer = make_designer(qtbot, sample("welcome-series"))
    form = node_form(designer, "subject-test")
    variants = form.rows["variants"].editor
    assert isinstance(variants, ModelListEditor) and len(variants.rows) == 2
    retype(qtbot, line_of(variants.rows[1].editors["name"]), "Short")
    assert set(ways_out(designer, "subject-test")) == {("A", "welcome-a"), ("Short", "welcome-b")}
    assert designer.undo_stack.count() == 1
    assert ("subject-test", "Short", "welcome-b", 0) in designer.scene.edges
    designer.undo_stack.undo()
    assert set(ways_out(designer, "subject-test")) == {("A", "welcome-a"), ("B", "welcome-b")}
    assert line_of(variants.rows[1].editors["name"]).text() == "B"


def test_variants_are_added_and_removed_and_their_total_is_shown(qtbot: QtBot) -> None:
    designer = make_designer(qtbot, sample("welcome-series"))
    form = node_form(designer, "subject-test")
    variants = form.rows["variants"].editor
    assert isinstance(variants, ModelListEditor)
    assert variants.total.text() == "Total 100%"
    variants.add.click()
    assert [v["name"] for v in config(designer, "subject-test")["variants"]] == [  # type: ignore[union-attr, index]
        "A",
        "B",
        "Variant 3",
    ]
    assert len(variants.rows) == 3
    weight = variants.rows[2].editors["weight"]
    weight.spin.setValue(20)  # type: ignore[attr-defined]
    assert variants.total.text() == "Total 120% (needs 100%)"
    assert designer.undo_stack.count() == 2  # adding is a step; typing its weight another
    variants.rows[0].remove.click()
    names = [v["name"] for v in config(designer, "subject-test")["variants"]]  # type: ignore[union-attr, index]
    assert names == ["B", "Variant 3"]
    assert variants.total.text() == "Total 70% (needs 100%)"
    ways = [
        (e.source_port, e.target) for e in designer.document.edges if e.source == "subject-test"
    ]
    assert ways == [("B", "welcome-b")]  # variant A's edge went with it
    designer.undo_stack.undo()
    assert ("subject-test", "A", "welcome-a", 0) in designer.scene.edges
    assert len(variants.rows) == 3


def test_choosing_another_wait_mode_is_one_step_with_its_fields_filled(qtbot: QtBot) -> None:
    designer = make_designer(qtbot)
    form = node_form(designer, "wait-5d")
    chooser = form.rows["mode"].editor
    assert isinstance(chooser, ChoiceEditor)
    chooser.combo.setCurrentIndex(chooser.combo.findData("time_of_day"))
    chooser.combo.activated.emit(chooser.combo.currentIndex())
    assert config(designer, "wait-5d") == {"mode": "time_of_day", "time": "09:00"}
    rebuilt = designer.properties.form
    assert isinstance(rebuilt, NodeForm) and {"time", "days", "timezone"} <= set(rebuilt.rows)
    designer.undo_stack.undo()
    assert config(designer, "wait-5d") == {"mode": "duration", "duration": "5d"}
    rebuilt = designer.properties.form
    assert isinstance(rebuilt, NodeForm) and "duration" in rebuilt.rows


def test_a_branch_offers_only_the_messages_before_it_and_their_channels_interactions(
    qtbot: QtBot,
) -> None:
    document = sample()
    designer = make_designer(qtbot, document)
    branch = designer.controller.add_node("branch", QPointF(1600, 300))
    assert branch is not None
    designer.controller.push(disconnect(designer.document, "sms", "next", "exit-sms"))
    designer.controller.push(connect(designer.document, "sms", "next", branch))
    form = node_form(designer, branch)
    editor = form.rows["condition"].editor
    assert isinstance(editor, BranchConditionEditor)
    offered = [editor.sender_box.itemText(i) for i in range(1, editor.sender_box.count())]
    assert offered == ["Reminder email", "SMS reminder"]  # not the offer: it is on another path
    editor.sender_box.setCurrentIndex(editor.sender_box.findData("sms"))
    editor.sender_box.activated.emit(editor.sender_box.currentIndex())
    interactions = [editor.interaction.itemData(i) for i in range(editor.interaction.count())]
    assert interactions == ["delivered", "clicked"]
    assert config(designer, branch)["condition"] == {
        "interaction": {"node": "sms", "interaction": "delivered"}
    }
    editor.sender_box.setCurrentIndex(editor.sender_box.findData("reminder"))
    editor.sender_box.activated.emit(editor.sender_box.currentIndex())
    interactions = [editor.interaction.itemData(i) for i in range(editor.interaction.count())]
    assert interactions == ["delivered", "opened", "clicked", "bounced"]


def test_a_branch_on_contact_data_is_edited_as_a_condition_tree(qtbot: QtBot) -> None:
    designer = make_designer(qtbot)
    form = node_form(designer, "opened")
    editor = form.rows["condition"].editor
    assert isinstance(editor, BranchConditionEditor)
    editor.mode.setCurrentIndex(editor.mode.findData("condition"))
    editor.mode.activated.emit(editor.mode.currentIndex())
    assert config(designer, "opened")["condition"] == {"all": []}
    steps = designer.undo_stack.count()
    editor.tree.add((), {"attribute": {"field": "country", "op": "in", "value": []}})
    frame = editor.tree.frame((0,))
    assert frame is not None and "non-empty list" in frame.problem.text()
    assert not frame.problem.isHidden()
    # not storable yet (the file could not be read back): said at the field, nothing stored
    assert "non-empty list" in form.rows["condition"].error.text()
    assert config(designer, "opened")["condition"] == {"all": []}
    editor.tree.replace(
        (0,), {"attribute": {"field": "country", "op": "in", "value": ["DE"]}}, "Values", "v"
    )
    editor.tree.replace(
        (0,), {"attribute": {"field": "country", "op": "in", "value": ["DE", "AT"]}}, "Values", "v"
    )
    assert config(designer, "opened")["condition"] == {
        "all": [{"attribute": {"field": "country", "op": "in", "value": ["DE", "AT"]}}]
    }
    assert designer.undo_stack.count() == steps + 1  # typing values merges into one step
    assert editor.tree.frame((0,)).problem.isHidden()  # type: ignore[union-attr]
    assert form.rows["condition"].error.isHidden()
    assert designer.scene.nodes["opened"].summary == "country in DE, AT?"
    designer.undo_stack.undo()
    assert config(designer, "opened")["condition"] == {"all": []}
    assert editor.tree.frame((0,)) is None  # the form follows the undo


def test_a_split_case_condition_is_a_condition_tree(qtbot: QtBot) -> None:
    designer = make_designer(qtbot, sample("high-value-follow-up"))
    form = node_form(designer, "region")
    cases = form.rows["cases"].editor
    assert isinstance(cases, ModelListEditor)
    tree = cases.rows[0].editors["condition"]
    assert isinstance(tree, ConditionTreeEditor)
    assert tree.value() == {
        "attribute": {"field": "country", "op": "in", "value": ["DE", "AT", "CH"]}
    }
    tree.negate(())
    condition = config(designer, "region")["cases"][0]["condition"]  # type: ignore[index]
    assert condition == {
        "not": {"attribute": {"field": "country", "op": "in", "value": ["DE", "AT", "CH"]}}
    }
    designer.undo_stack.undo()
    assert config(designer, "region")["cases"][0]["condition"] == tree.value()  # type: ignore[index]
    assert not tree.combine.isHidden()
    tree.combine.click()  # a single condition goes into a group, to add others beside it
    condition = config(designer, "region")["cases"][0]["condition"]  # type: ignore[index]
    assert condition == {
        "all": [{"attribute": {"field": "country", "op": "in", "value": ["DE", "AT", "CH"]}}]
    }
    assert tree.combine.isHidden()


def test_the_settings_form_edits_settings_as_undoable_steps(qtbot: QtBot) -> None:
    designer = make_designer(qtbot)
    designer.set_sources(DesignerSources(segment_names=lambda: ["Employees", "VIP"]))
    before = designer.document.to_json()
    form = settings_form(designer)
    entry = form.rows["entry_segment"].editor
    assert isinstance(entry, NameEditor)
    assert [entry.combo.itemText(i) for i in range(entry.combo.count())] == [
        "Employees",
        "No purchase in 60 days",
        "VIP",
    ]
    entry.combo.setCurrentIndex(entry.combo.findText("VIP"))
    entry.combo.activated.emit(entry.combo.currentIndex())
    assert designer.document.settings.entry_segment == "VIP"
    assert designer.scene.nodes["start"].summary == "Members of “VIP”"
    goal = form.rows["goal"].editor
    assert isinstance(goal, OptionalGroup)
    goal.on.setChecked(False)
    assert designer.document.settings.goal is None
    cap = form.rows["frequency_cap"].editor
    assert isinstance(cap, OptionalGroup)
    retype(qtbot, line_of(cap.editors["per"]), "2d")
    assert designer.document.to_data()["settings"]["frequency_cap"] == {
        "max_messages": 3,
        "per": "2d",
    }
    assert designer.undo_stack.count() == 3
    for _ in range(3):
        designer.undo_stack.undo()
    assert designer.document.to_json() == before
    assert goal.on.isChecked() and entry.value() == "No purchase in 60 days"


def test_a_setting_that_does_not_fit_is_named_and_the_journey_name_merges_typing(
    qtbot: QtBot,
) -> None:
    designer = make_designer(qtbot)
    form = settings_form(designer)
    row = form.rows["re_entry_after"]
    retype(qtbot, line_of(row.editor), "soon")
    assert not row.error.isHidden() and "not a duration" in row.error.text()
    assert designer.document.settings.re_entry_after is None
    retype(qtbot, line_of(form.rows["name"].editor), "Win-back")
    assert designer.document.name == "Win-back"
    assert designer.undo_stack.count() == 1
    retype(qtbot, line_of(form.rows["name"].editor), " ")
    assert "needs a name" in form.rows["name"].error.text()
    assert designer.document.name == "Win-back"


def test_settings_findings_show_next_to_the_settings_fields(qtbot: QtBot) -> None:
    designer = make_designer(qtbot)
    form = settings_form(designer)
    re_entry = form.rows["re_entry"].editor
    assert isinstance(re_entry, ChoiceEditor)
    re_entry.combo.setCurrentIndex(re_entry.combo.findData("after_exit"))
    re_entry.combo.activated.emit(re_entry.combo.currentIndex())
    designer.validation.run_now()
    row = form.rows["re_entry_after"]
    assert not row.error.isHidden() and "how long after leaving" in row.error.text()


def test_selecting_several_nodes_says_so_and_nothing_shows_the_settings(qtbot: QtBot) -> None:
    designer = make_designer(qtbot)
    designer.scene.select_nodes(["sms", "offer"])
    assert designer.properties.heading.text() == "Several nodes"
    designer.scene.clearSelection()
    assert isinstance(designer.properties.form, SettingsForm)
    designer.scene.select_nodes(["exit-sms"])
    form = designer.properties.form
    assert isinstance(form, NodeForm) and set(form.rows) == {STEP_NAME}
    assert not any(isinstance(w, QCheckBox) for w in form.findChildren(QCheckBox))


def test_typing_an_html_body_is_one_undo_step_and_the_area_follows_undo(qtbot: QtBot) -> None:
    designer = make_designer(qtbot)
    form = node_form(designer, "offer")
    editor = form.rows["body_html"].editor
    assert isinstance(editor, TemplateEditor) and editor.area is not None
    area = editor.area
    before = area.toPlainText()
    area.setFocus()
    area.moveCursor(area.textCursor().MoveOperation.End)
    qtbot.keyClicks(area, "<p>Bye</p>")
    assert str(config(designer, "offer")["body_html"]).endswith("<p>Bye</p>")
    assert designer.undo_stack.count() == 1
    designer.undo_stack.undo()
    assert area.toPlainText() == before


def test_the_settings_form_follows_undo_and_redo(qtbot: QtBot) -> None:
    designer = make_designer(qtbot)
    form = settings_form(designer)
    name = line_of(form.rows["name"].editor)
    retype(qtbot, name, "Win-back")
    designer.undo_stack.undo()
    assert name.text() == "Re-engagement"
    designer.undo_stack.redo()
    assert name.text() == "Win-back"


def test_activating_a_settings_issue_shows_the_settings_form(qtbot: QtBot) -> None:
    designer = make_designer(qtbot)
    designer.controller.set_setting("entry_segment", None)
    designer.validation.run_now()
    designer.scene.select_nodes(["sms"])
    rows = [designer.issues.list.item(i) for i in range(designer.issues.list.count())]
    settings_row = next(item for item in rows if "Choose the segment" in item.text())
    designer.issues.list.itemActivated.emit(settings_row)
    form = designer.properties.form
    assert isinstance(form, SettingsForm)
    assert "Choose the segment" in form.rows["entry_segment"].error.text()


def test_an_sms_text_shows_its_length_and_segments_as_it_is_typed(qtbot: QtBot) -> None:
    designer = make_designer(qtbot)
    form = node_form(designer, "sms")
    row = form.rows["text"]
    assert "GSM-7 · 1 SMS" in row.hint.text() and not row.hint.isHidden()
    editor = row.editor
    assert isinstance(editor, TemplateEditor) and editor.area is not None
    editor.area.setPlainText("ł" * 71)
    assert row.hint.text().startswith("As written: 71 characters · UCS-2 · 2 SMS")
