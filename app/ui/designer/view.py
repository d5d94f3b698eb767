"""The canvas view: zoom, pan, fit, drops from the palette, and the pointer modes.

The view emits intents and changes nothing itself: ``node_dropped(kind, scene point)``,
``connect_requested(source, way out, target)`` and ``nodes_moved({id: (x, y)})``. Which drag is
under way is one :class:`~app.ui.designer.interactions.Interaction` object.

Controls: wheel zooms around the pointer; Ctrl+0 (an action of the editor) fits the journey;
the middle button, or space held with the left button, pans; the left button on empty canvas
draws a rubber band. A read-only view (``read_only``) takes no drops and starts no connections;
selecting, panning and zooming still work.
"""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import (
    QDragEnterEvent,
    QDragMoveEvent,
    QDropEvent,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QWheelEvent,
)
from PySide6.QtWidgets import QGraphicsView, QWidget

from app.ui.designer.interactions import (
    ConnectDrag,
    ConnectionCheck,
    Interaction,
    Pan,
    SelectOrMove,
)
from app.ui.designer.items import PortItem
from app.ui.designer.palette import NODE_KIND_MIME
from app.ui.designer.scene import JourneyScene

MIN_ZOOM, MAX_ZOOM = 0.01, 2.5
FIT_MARGIN = 32.0
SCENE_MARGIN = 2000.0


class JourneyView(QGraphicsView):
    node_dropped = Signal(str, QPointF)
    connect_requested = Signal(str, str, str)
    nodes_moved = Signal(dict)
    hint_changed = Signal(str)
    zoom_changed = Signal(float)

    def __init__(self, scene: JourneyScene, parent: QWidget | None = None) -> None:
        super().__init__(scene, parent)
        self.setObjectName("canvas")
        self.journey_scene = scene
        self.connection_check: ConnectionCheck | None = None
        self.read_only = False
        self._interaction: Interaction | None = None
        self._space_held = False
        self.setRenderHints(
            QPainter.RenderHint.Antialiasing
            | QPainter.RenderHint.TextAntialiasing
            | QPainter.RenderHint.SmoothPixmapTransform
        )
        self.setDragMode(QGraphicsView.DragMode.RubberBandDrag)
        self.setRubberBandSelectionMode(Qt.ItemSelectionMode.IntersectsItemShape)
        self.setTransformationAnchor(QGraphicsView.ViewportAnchor.AnchorUnderMouse)
        self.setResizeAnchor(QGraphicsView.ViewportAnchor.AnchorViewCenter)
        self.setViewportUpdateMode(QGraphicsView.ViewportUpdateMode.SmartViewportUpdate)
        self.setFrameShape(QGraphicsView.Shape.NoFrame)
        self.setAcceptDrops(True)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)

    # -- zoom and fit ---------------------------------------------------------------------

    def zoom(self) -> float:
        return self.transform().m11()

    def set_zoom(self, zoom: float) -> None:
        zoom = min(max(zoom, MIN_ZOOM), MAX_ZOOM)
        factor = zoom / self.zoom()
        if abs(factor - 1) > 1e-6:
            self.scale(factor, factor)
            self.zoom_changed.emit(self.zoom())

    def zoom_by(self, factor: float) -> None:
        self.set_zoom(self.zoom() * factor)

    def zoom_in(self) -> None:
        self.zoom_by(1.25)

    def zoom_out(self) -> None:
        self.zoom_by(0.8)

    def fit_journey(self) -> None:
        """Show the whole journey, never larger than 100 %."""
        rect = self.journey_scene.cards_rect()
        if rect.isEmpty():
            self.resetTransform()
            self.centerOn(0, 0)
            return
        self.update_scene_rect()
        rect = rect.adjusted(-FIT_MARGIN, -FIT_MARGIN, FIT_MARGIN, FIT_MARGIN)
        self.fitInView(rect, Qt.AspectRatioMode.KeepAspectRatio)
        if self.zoom() > 1.0:
            self.resetTransform()
        self.centerOn(rect.center())
        self.zoom_changed.emit(self.zoom())

    def update_scene_rect(self) -> None:
        """Room to pan well past the journey's edges."""
        rect = self.journey_scene.cards_rect()
        if rect.isEmpty():
            rect = QRectF(0, 0, 1, 1)
        margin = SCENE_MARGIN
        self.setSceneRect(rect.adjusted(-margin, -margin, margin, margin))

    def centre_on_node(self, node_id: str) -> None:
        item = self.journey_scene.nodes.get(node_id)
        if item is not None:
            self.centerOn(item.sceneBoundingRect().center())

    def visible_centre(self) -> QPointF:
        return self.mapToScene(self.viewport().rect().center())

    def wheelEvent(self, event: QWheelEvent) -> None:
        steps = event.angleDelta().y() / 120
        if steps:
            self.zoom_by(1.15**steps)
        event.accept()

    # -- pointer --------------------------------------------------------------------------

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if self._interaction is not None:
            return
        button = event.button()
        left = button == Qt.MouseButton.LeftButton
        if button == Qt.MouseButton.MiddleButton or (left and self._space_held):
            self._interaction = Pan(self)
        elif (
            left
            and not self.read_only
            and isinstance(port := self._port_at(event), PortItem)
            and not port.is_input
        ):
            self._interaction = ConnectDrag(self, port, self.connection_check)
        elif left:
            self._interaction = SelectOrMove(self)
        else:
            super().mousePressEvent(event)
            return
        self._interaction.press(event)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if self._interaction is not None:
            self._interaction.move(event)
        else:
            super().mouseMoveEvent(event)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        interaction, self._interaction = self._interaction, None
        if interaction is not None:
            interaction.release(event)
        else:
            super().mouseReleaseEvent(event)

    def _port_at(self, event: QMouseEvent) -> PortItem | None:
        for item in self.items(event.position().toPoint()):
            if isinstance(item, PortItem):
                return item
        return None

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Space and not event.isAutoRepeat():
            self._space_held = True
            self.viewport().setCursor(Qt.CursorShape.OpenHandCursor)
            event.accept()
            return
        super().keyPressEvent(event)

    def keyReleaseEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Space and not event.isAutoRepeat():
            self._space_held = False
            self.restore_cursor()
            event.accept()
            return
        super().keyReleaseEvent(event)

    def restore_cursor(self) -> None:
        shape = Qt.CursorShape.OpenHandCursor if self._space_held else Qt.CursorShape.ArrowCursor
        self.viewport().setCursor(shape)

    def set_hint(self, text: str) -> None:
        self.hint_changed.emit(text)

    # -- drops from the palette -----------------------------------------------------------

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if event.mimeData().hasFormat(NODE_KIND_MIME) and not self.read_only:
            event.acceptProposedAction()
        else:
            event.ignore()

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:
        if event.mimeData().hasFormat(NODE_KIND_MIME) and not self.read_only:
            event.acceptProposedAction()
        else:
            event.ignore()

    def dropEvent(self, event: QDropEvent) -> None:
        data = event.mimeData()
        if not data.hasFormat(NODE_KIND_MIME) or self.read_only:
            event.ignore()
            return
        kind = bytes(data.data(NODE_KIND_MIME).data()).decode("utf-8")
        event.acceptProposedAction()
        self.node_dropped.emit(kind, self.mapToScene(event.position().toPoint()))
