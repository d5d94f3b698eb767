"""The designer on real widgets, offscreen: drops, drags between ports, moves, deletes, undo/redo,
refusals, copy/paste, zoom and fit, badges and the issues panel."""

from __future__ import annotations

from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QWheelEvent
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from app.domain.edits import disconnect, set_config_field
from app.domain.registry import palette
from app.ui.designer import look
from app.ui.designer.editor import DesignerWidget
from tests.ui.designer_helpers import at, click, drag, drop, make_designer, sample


def undo_redo_round_trip(designer: DesignerWidget, before: str) -> None:
    """Undo restores ``before`` exactly; redo restores the edited document exactly."""
    after = designer.document.to_json()
    designer.undo_stack.undo()
    assert designer.document.to_json() == before
    designer.undo_stack.redo()
    assert designer.document.to_json() == after


def card_centre(designer: DesignerWidget, node_id: str) -> QPoint:
    return at(designer, designer.scene.nodes[node_id].sceneBoundingRect().center())


def title_point(designer: DesignerWidget, node_id: str) -> QPoint:
    card = designer.scene.nodes[node_id]
    return at(designer, card.mapToScene(QPointF(look.CARD_WIDTH / 2, look.IN_PORT_Y)))


def test_palette_offers_actions_and_flow_from_the_registry(qtbot: QtBot) -> None:
    designer = make_designer(qtbot)
    groups = {
        title: [entries.item(row).text() for row in range(entries.count())]
        for title, entries in designer.palette.lists.items()
    }
    assert groups == {
        "Actions": [spec.title for spec in palette("action")],
        "Flow": [spec.title for spec in palette("flow")],
    }
    assert groups["Actions"] == ["Email", "SMS", "Push", "Task"]
    assert groups["Flow"] == ["Wait", "Branch", "Split", "A/B test", "Exit"]


def test_a_drop_from_the_palette_creates_the_node_where_it_is_dropped(qtbot: QtBot) -> None:
    designer = make_designer(qtbot)
    before = designer.document.to_json()
    point = at(designer, QPointF(400, 300))
    drop(designer, designer.palette.mime_data_for("Email"), point)
    added = designer.document.nodes[-1]
    assert added.kind == "send_email"
    card = designer.scene.nodes[added.id]
    assert card.sceneBoundingRect().contains(designer.view.mapToScene(point))
    assert added.position == (card.pos().x(), card.pos().y())
    assert added.position[0] % look.GRID == 0 and added.position[1] % look.GRID == 0
    assert designer.scene.selected_node_ids() == [added.id]
    undo_redo_round_trip(designer, before)


def test_every_palette_entry_drops_its_kind(qtbot: QtBot) -> None:
    designer = make_designer(qtbot)
    for number, spec in enumerate([*palette("action"), *palette("flow")]):
        drop(
            designer,
            designer.palette.mime_data_for(spec.title),
            at(designer, QPointF(0, 300 + 100 * number)),
        )
        assert designer.document.nodes[-1].kind == spec.key
        assert designer.scene.nodes[designer.document.nodes[-1].id].title == spec.title


def test_dragging_from_a_way_out_to_a_node_connects_them(qtbot: QtBot) -> None:
    document = sample()
    disconnect(document, "sms", "next", "exit-sms").apply(document)
    designer = make_designer(qtbot, document)
    before = designer.document.to_json()
    port = at(designer, designer.scene.nodes["sms"].out_port_scene_pos("next"))
    target = card_centre(designer, "exit-offer")
    drag(designer, [port, port + QPoint(30, 5), target])
    assert designer.document.edges[-1].model_dump(by_alias=True, exclude_none=True) == {
        "from": "sms",
        "to": "exit-offer",
    }
    assert ("sms", "next", "exit-offer", 0) in designer.scene.edges
    undo_redo_round_trip(designer, before)


def test_a_branch_way_out_connects_with_its_port_name(qtbot: QtBot) -> None:
    document = sample()
    disconnect(document, "opened", "no", "sms").apply(document)
    designer = make_designer(qtbot, document)
    port = at(designer, designer.scene.nodes["opened"].out_port_scene_pos("no"))
    drag(designer, [port, title_point(designer, "exit-sms")])
    assert designer.document.to_data()["edges"][-1] == {
        "from": "opened",
        "port": "no",
        "to": "exit-sms",
    }


def test_a_refused_connection_leaves_the_journey_unchanged_and_says_why(qtbot: QtBot) -> None:
    designer = make_designer(qtbot)
    before = designer.document.to_json()
    messages: list[str] = []
    designer.message.connect(lambda text, _ms: messages.append(text))
    port = at(designer, designer.scene.nodes["reminder"].out_port_scene_pos("next"))
    drag(designer, [port, card_centre(designer, "offer")])
    assert designer.document.to_json() == before
    assert designer.undo_stack.count() == 0
    assert messages[-1].startswith("Not connected:")
    assert "already leads to Wait 5 days" in messages[-1]


def test_while_dragging_a_refused_target_is_named_before_the_button_comes_up(qtbot: QtBot) -> None:
    document = sample()
    disconnect(document, "sms", "next", "exit-sms").apply(document)
    designer = make_designer(qtbot, document)
    hints: list[str] = []
    designer.message.connect(lambda text, _ms: hints.append(text))
    port = at(designer, designer.scene.nodes["sms"].out_port_scene_pos("next"))
    drag(designer, [port, card_centre(designer, "reminder"), card_centre(designer, "reminder")])
    assert any("would make a loop" in hint for hint in hints)
    assert all(
        edge.target != "reminder" or edge.source == "start" for edge in designer.document.edges
    )


def test_moving_several_nodes_by_mouse_is_one_undo_step(qtbot: QtBot) -> None:
    designer = make_designer(qtbot)
    before = designer.document.to_json()
    designer.scene.select_nodes(["offer", "sms"])
    start = title_point(designer, "offer")
    drag(designer, [start, start + QPoint(30, 20), start + QPoint(63, 41)])
    assert designer.undo_stack.count() == 1
    offer, sms = designer.document.node("offer"), designer.document.node("sms")
    assert offer is not None and sms is not None
    assert offer.position == (1020.0, -80.0)  # moved by (60, 40) after snapping to the grid
    assert sms.position == (1020.0, 160.0)
    edge = designer.scene.edges[("opened", "yes", "offer", 0)]
    assert edge.path().pointAtPercent(1).x() < designer.scene.nodes["offer"].in_port_scene_pos().x()
    undo_redo_round_trip(designer, before)
    assert designer.scene.nodes["offer"].pos() == QPointF(1020, -80)


def test_a_click_without_moving_changes_nothing(qtbot: QtBot) -> None:
    designer = make_designer(qtbot)
    click(designer, title_point(designer, "offer"))
    assert designer.scene.selected_node_ids() == ["offer"]
    assert designer.undo_stack.count() == 0


def test_rubber_band_selects_the_cards_it_touches(qtbot: QtBot) -> None:
    designer = make_designer(qtbot)
    corner = at(designer, QPointF(920, -160))
    drag(designer, [corner, corner + QPoint(50, 50), at(designer, QPointF(1180, 260))])
    assert sorted(designer.scene.selected_node_ids()) == ["offer", "sms"]


def test_deleting_a_branch_removes_its_edges_and_undo_restores_them_in_order(qtbot: QtBot) -> None:
    designer = make_designer(qtbot)
    before = designer.document.to_json()
    click(designer, title_point(designer, "opened"))
    qtbot.keyClick(designer.view, Qt.Key.Key_Delete)
    assert designer.document.node("opened") is None
    assert all("opened" not in (e.source, e.target) for e in designer.document.edges)
    assert "opened" not in designer.scene.nodes
    assert not any("opened" in (key[0], key[2]) for key in designer.scene.edges)
    undo_redo_round_trip(designer, before)
    designer.undo_stack.undo()
    assert len(designer.scene.edges) == len(designer.document.edges)


def test_a_selected_edge_is_deleted_alone(qtbot: QtBot) -> None:
    designer = make_designer(qtbot)
    before = designer.document.to_json()
    designer.scene.edges[("opened", "no", "sms", 0)].setSelected(True)
    designer.actions_by_name["delete"].trigger()
    assert [(e.source, e.source_port) for e in designer.document.edges].count(("opened", "no")) == 0
    assert designer.document.node("sms") is not None
    undo_redo_round_trip(designer, before)


def test_copy_and_paste_adds_copies_with_new_ids(qtbot: QtBot) -> None:
    designer = make_designer(qtbot)
    before = designer.document.to_json()
    designer.scene.select_nodes(["reminder", "wait-5d"])
    designer.setFocus()
    designer.actions_by_name["copy"].trigger()
    designer.actions_by_name["paste"].trigger()
    new_ids = designer.scene.selected_node_ids()
    QApplication.clipboard().clear()  # Qt must not own clipboard data when the process exits
    assert sorted(new_ids) == ["email-1", "wait-1"]
    assert ("email-1", "next", "wait-1", 0) in designer.scene.edges
    assert designer.undo_stack.count() == 1
    undo_redo_round_trip(designer, before)


def test_keyboard_undo_and_redo(qtbot: QtBot) -> None:
    designer = make_designer(qtbot)
    before = designer.document.to_json()
    designer.controller.add_node("wait", QPointF(0, 300))
    after = designer.document.to_json()
    designer.view.setFocus()
    qtbot.keyClick(designer.view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert designer.document.to_json() == before
    shift_ctrl = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier
    qtbot.keyClick(designer.view, Qt.Key.Key_Z, shift_ctrl)
    assert designer.document.to_json() == after


def test_arrange_is_one_undo_step_and_cards_do_not_overlap(qtbot: QtBot) -> None:
    designer = make_designer(qtbot, sample("high-value-follow-up"))
    before = designer.document.to_json()
    designer.actions_by_name["arrange"].trigger()
    assert designer.undo_stack.count() == 1
    assert designer.undo_stack.undoText() == "Arrange"
    cards = list(designer.scene.nodes.values())
    for index, card in enumerate(cards):
        for other in cards[index + 1 :]:
            assert (
                not card.sceneBoundingRect()
                .adjusted(3, 11, -14, -5)
                .intersects(other.sceneBoundingRect().adjusted(3, 11, -14, -5))
            ), (card.node_id, other.node_id)
    undo_redo_round_trip(designer, before)


def test_wheel_zooms_and_ctrl_0_fits_the_journey(qtbot: QtBot) -> None:
    designer = make_designer(qtbot)
    viewport = designer.view.viewport()
    centre = QPointF(viewport.rect().center())
    wheel = QWheelEvent(
        centre,
        QPointF(viewport.mapToGlobal(centre.toPoint())),
        QPoint(0, 0),
        QPoint(0, 240),
        Qt.MouseButton.NoButton,
        Qt.KeyboardModifier.NoModifier,
        Qt.ScrollPhase.NoScrollPhase,
        False,
    )
    QApplication.sendEvent(viewport, wheel)
    assert designer.view.zoom() > 1.2
    designer.view.setFocus()
    qtbot.keyClick(designer.view, Qt.Key.Key_0, Qt.KeyboardModifier.ControlModifier)
    visible = designer.view.mapToScene(viewport.rect()).boundingRect()
    assert visible.contains(designer.scene.cards_rect())
    assert designer.view.zoom() <= 1.0


def test_middle_button_pans_the_canvas(qtbot: QtBot) -> None:
    designer = make_designer(qtbot)
    centre = designer.view.visible_centre()
    start = QPoint(600, 400)
    drag(designer, [start, start + QPoint(-100, -50)], Qt.MouseButton.MiddleButton)
    moved = designer.view.visible_centre() - centre
    assert (round(moved.x()), round(moved.y())) == (100, 50)
    assert designer.undo_stack.count() == 0


def test_badges_and_issues_follow_the_journey(qtbot: QtBot) -> None:
    designer = make_designer(qtbot)
    assert designer.scene.nodes["reminder"].issue_counts == (0, 0)
    node_id = designer.controller.add_node("send_email", QPointF(0, 400))
    assert node_id is not None
    qtbot.waitUntil(lambda: designer.scene.nodes[node_id].issue_counts[0] > 0, timeout=2000)
    rows = [designer.issues.list.item(i) for i in range(designer.issues.list.count())]
    assert any(node_id == row.data(Qt.ItemDataRole.UserRole) for row in rows)
    assert "error" in designer.issues.counts.text()
    designer.undo_stack.undo()
    qtbot.waitUntil(lambda: designer.issues.counts.text() == "No issues", timeout=2000)


def test_double_click_on_an_issue_selects_and_centres_the_node(qtbot: QtBot) -> None:
    designer = make_designer(qtbot)
    node_id = designer.controller.add_node("send_sms", QPointF(2000, 900))
    assert node_id is not None
    designer.scene.clearSelection()
    designer.validation.run_now()
    rows = [designer.issues.list.item(i) for i in range(designer.issues.list.count())]
    row = next(r for r in rows if r.data(Qt.ItemDataRole.UserRole) == node_id)
    designer.issues.list.scrollToItem(row)
    rect = designer.issues.list.visualItemRect(row)
    viewport = designer.issues.list.viewport()
    qtbot.mouseClick(viewport, Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.mouseDClick(viewport, Qt.MouseButton.LeftButton, pos=rect.center())
    assert designer.scene.selected_node_ids() == [node_id]
    card_centre_scene = designer.scene.nodes[node_id].sceneBoundingRect().center()
    offset = designer.view.visible_centre() - card_centre_scene
    assert abs(offset.x()) < 2 and abs(offset.y()) < 2


def test_typing_into_one_config_field_is_one_undo_step(qtbot: QtBot) -> None:
    designer = make_designer(qtbot)
    before = designer.document.to_json()
    for text in ("6d", "60d", "6d"):
        designer.controller.push(set_config_field(designer.document, "wait-5d", "duration", text))
    assert designer.undo_stack.count() == 1
    assert designer.scene.nodes["wait-5d"].summary == "Wait 6 days"
    undo_redo_round_trip(designer, before)


def test_double_clicking_a_palette_entry_adds_it_in_the_middle_of_the_canvas(qtbot: QtBot) -> None:
    designer = make_designer(qtbot)
    entries = designer.palette.lists["Flow"]
    item = designer.palette.entry("Exit")
    rect = entries.visualItemRect(item)
    qtbot.mouseClick(entries.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.mouseDClick(entries.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    added = designer.document.nodes[-1]
    assert added.kind == "exit"
    card = designer.scene.nodes[added.id].sceneBoundingRect()
    assert card.adjusted(-look.GRID, -look.GRID, look.GRID, look.GRID).contains(
        designer.view.visible_centre()
    )


def test_space_and_left_drag_pans_instead_of_selecting(qtbot: QtBot) -> None:
    designer = make_designer(qtbot)
    centre = designer.view.visible_centre()
    designer.view.setFocus()
    qtbot.keyPress(designer.view, Qt.Key.Key_Space)
    start = title_point(designer, "offer")
    drag(designer, [start, start + QPoint(-40, 0)])
    qtbot.keyRelease(designer.view, Qt.Key.Key_Space)
    moved = designer.view.visible_centre() - centre
    assert round(moved.x()) == 40
    assert designer.undo_stack.count() == 0
    assert designer.scene.selected_node_ids() == []
