"""Pointer modes of the canvas: each drag the user can start is one small object.

The view picks a mode when a button goes down (middle button or space + left: :class:`Pan`;
left on a way out: :class:`ConnectDrag`; left elsewhere: :class:`SelectOrMove`, which leaves
selection, rubber band and moving cards to Qt and reports the moves when the button comes up).
A mode turns the drag into one intent for the view to emit; it never edits the document.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QGraphicsView, QToolTip

from app.domain.journey import Position
from app.ui.designer.items import EdgeItem, NodeItem, PortItem

if TYPE_CHECKING:
    from app.ui.designer.view import JourneyView

ConnectionCheck = Callable[[str, str, str], str | None]
"""(source, way out, target) → None when allowed, else the reason it is refused."""


class Interaction:
    """One drag, from button down to button up."""

    def __init__(self, view: JourneyView) -> None:
        self.view = view

    def press(self, event: QMouseEvent) -> None:
        pass

    def move(self, event: QMouseEvent) -> None:
        pass

    def release(self, event: QMouseEvent) -> None:
        pass


class Pan(Interaction):
    """Drag the canvas under the pointer (middle button, or space and left button)."""

    def press(self, event: QMouseEvent) -> None:
        self._last = event.position().toPoint()
        self.view.viewport().setCursor(Qt.CursorShape.ClosedHandCursor)

    def move(self, event: QMouseEvent) -> None:
        point = event.position().toPoint()
        delta = point - self._last
        self._last = point
        bars = self.view.horizontalScrollBar(), self.view.verticalScrollBar()
        bars[0].setValue(bars[0].value() - delta.x())
        bars[1].setValue(bars[1].value() - delta.y())

    def release(self, event: QMouseEvent) -> None:
        self.view.restore_cursor()


class SelectOrMove(Interaction):
    """Qt's own click-select, rubber band and card dragging; a drag that moved cards is
    reported once, on release, as the cards' new positions (one undo step)."""

    def press(self, event: QMouseEvent) -> None:
        QGraphicsView.mousePressEvent(self.view, event)
        self._before = self._positions()

    def move(self, event: QMouseEvent) -> None:
        QGraphicsView.mouseMoveEvent(self.view, event)

    def release(self, event: QMouseEvent) -> None:
        QGraphicsView.mouseReleaseEvent(self.view, event)
        after = self._positions()
        moved = {
            node_id: position
            for node_id, position in after.items()
            if self._before.get(node_id, position) != position
        }
        if moved:
            self.view.nodes_moved.emit(moved)

    def _positions(self) -> dict[str, Position]:
        return {
            item.node_id: (item.pos().x(), item.pos().y())
            for item in self.view.scene().selectedItems()
            if isinstance(item, NodeItem)
        }


class ConnectDrag(Interaction):
    """Drag from a way out to a card: a dashed curve follows the pointer, red where refused."""

    def __init__(self, view: JourneyView, port: PortItem, check: ConnectionCheck | None) -> None:
        super().__init__(view)
        self.port = port
        self.check = check
        self.line = EdgeItem()
        self.reason: str | None = None

    def press(self, event: QMouseEvent) -> None:
        self.view.scene().addItem(self.line)
        self._follow(event.position().toPoint())

    def move(self, event: QMouseEvent) -> None:
        self._follow(event.position().toPoint())

    def release(self, event: QMouseEvent) -> None:
        target = self._target(event.position().toPoint())
        self.view.scene().removeItem(self.line)
        self.view.set_hint("")
        if target is not None:
            self.view.connect_requested.emit(self.port.node.node_id, self.port.name, target.node_id)

    def _follow(self, point: QPoint) -> None:
        start = self.port.node.out_port_scene_pos(self.port.name)
        target = self._target(point)
        if target is None:
            end = self.view.mapToScene(point)
            self.line.set_endpoints(start, QPointF(end.x() + 6, end.y()))
            self.reason = None
        else:
            self.line.set_endpoints(start, target.in_port_scene_pos())
            source = self.port.node.node_id
            self.reason = self.check(source, self.port.name, target.node_id) if self.check else None
        self.line.set_refused(self.reason is not None)
        self.view.set_hint(self.reason or "")
        if self.reason:
            QToolTip.showText(self.view.viewport().mapToGlobal(point), self.reason, self.view)
        else:
            QToolTip.hideText()

    def _target(self, point: QPoint) -> NodeItem | None:
        for item in self.view.items(point):
            if isinstance(item, PortItem):
                return item.node
            if isinstance(item, NodeItem):
                return item
        return None
