"""A live journey in the designer: read-only on real widgets (drops, connections, moves,
deletes, pastes and property edits refused; selecting, copying and the preview still work)."""

from __future__ import annotations

from PySide6.QtCore import QPoint, QPointF, Qt
from pytestqt.qtbot import QtBot

from app.ui.designer.controller import READ_ONLY
from app.ui.designer.editor import DesignerWidget
from app.ui.designer.properties.node_form import NodeForm
from tests.ui.designer_helpers import at, drag, drop, make_designer


def read_only_designer(qtbot: QtBot) -> DesignerWidget:
    designer = make_designer(qtbot)
    designer.set_read_only(True)
    return designer


def card_centre(designer: DesignerWidget, node_id: str) -> QPointF:
    return designer.scene.nodes[node_id].sceneBoundingRect().center()


def test_a_drop_from_the_palette_is_refused(qtbot: QtBot) -> None:
    designer = read_only_designer(qtbot)
    before = designer.document.to_json()
    drop(designer, designer.palette.mime_data_for("Email"), at(designer, QPointF(300, 400)))
    assert designer.document.to_json() == before
    assert designer.add_node_at("wait", QPointF(0, 500)) is None
    assert designer.document.to_json() == before
    assert not designer.palette.isEnabled()


def test_delete_cut_and_paste_are_refused_but_copy_works(qtbot: QtBot) -> None:
    designer = read_only_designer(qtbot)
    before = designer.document.to_json()
    designer.scene.select_nodes(["opened"])
    messages: list[str] = []
    designer.message.connect(lambda text, _ms: messages.append(text))
    designer.view.setFocus()
    qtbot.keyClick(designer.view, Qt.Key.Key_Delete)
    designer.delete_selection()
    designer.cut()
    assert designer.document.to_json() == before
    assert READ_ONLY in messages
    assert designer.copy()
    assert designer.paste() == []
    assert designer.document.to_json() == before
    for name in ("undo", "redo", "cut", "paste", "delete", "arrange"):
        assert not designer.actions_by_name[name].isEnabled()
    assert designer.actions_by_name["copy"].isEnabled()


def test_cards_do_not_move_and_ways_out_do_not_connect(qtbot: QtBot) -> None:
    designer = read_only_designer(qtbot)
    before = designer.document.to_json()
    start = at(designer, card_centre(designer, "sms"))
    card = designer.scene.nodes["sms"]
    was = card.pos()
    drag(designer, [start, start + QPoint(40, 40), start + QPoint(80, 80)])
    assert card.isSelected()  # selecting still works
    assert card.pos() == was
    assert designer.document.to_json() == before
    assert designer.controller.connect("offer", "next", "exit-sms") == READ_ONLY
    assert designer.controller.check_connection("sms", "next", "exit-offer") == READ_ONLY
    assert designer.document.to_json() == before
    assert designer.undo_stack.count() == 0


def test_property_forms_are_disabled_and_refuse_edits(qtbot: QtBot) -> None:
    designer = read_only_designer(qtbot)
    before = designer.document.to_json()
    designer.scene.select_nodes(["reminder"])
    form = designer.properties.form
    assert isinstance(form, NodeForm) and not form.isEnabled()
    assert designer.controller.set_config_field("reminder", "subject", "x") == READ_ONLY
    assert designer.controller.set_setting("timezone", "Europe/Berlin") == READ_ONLY
    assert designer.document.to_json() == before
    assert designer.properties.tabs.isTabVisible(1)  # the preview still works
    designer.scene.clearSelection()
    assert designer.properties.form is not None and not designer.properties.form.isEnabled()


def test_leaving_read_only_allows_editing_again(qtbot: QtBot) -> None:
    designer = read_only_designer(qtbot)
    designer.set_read_only(False)
    assert designer.palette.isEnabled()
    assert designer.add_node_at("wait", QPointF(0, 500)) is not None
    assert designer.actions_by_name["undo"].isEnabled()
    designer.scene.select_nodes(["reminder"])
    assert designer.properties.form is not None and designer.properties.form.isEnabled()
