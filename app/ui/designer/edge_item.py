"""The edge item: a connection drawn as a cubic Bézier from a way out to a card's way in.

Dumb like every item: it draws the curve between the two points it was last given
(:meth:`EdgeItem.set_endpoints`) and knows nothing of the journey. Without a key it is the
dashed curve that follows the pointer while connecting.
"""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import (
    QBrush,
    QColor,
    QPainter,
    QPainterPath,
    QPainterPathStroker,
    QPen,
    QPolygonF,
)
from PySide6.QtWidgets import (
    QGraphicsItem,
    QGraphicsSceneHoverEvent,
    QStyleOptionGraphicsItem,
    QWidget,
)

from app.ui.designer import look

EdgeKey = tuple[str, str, str, int]
"""An edge on the canvas: (source node, way out, target node, how many such came before)."""


def curve_reach(dx: float, dy: float) -> float:
    """How far an edge's Bézier handles reach out of its ports: half the way across, a bit more
    for a tall step, and a wide loop for an edge that runs backwards (right to left)."""
    if dx < 0:
        return 60 + min(-dx, 400) / 4 + min(abs(dy), 200) / 8
    return max(24.0, min(dx / 2 + min(abs(dy), 200) * 0.15, 160.0))


def cosmetic(colour: QColor, width: float) -> QPen:
    pen = QPen(colour, width)
    pen.setCosmetic(True)
    return pen


class EdgeItem(QGraphicsItem):
    """A connection drawn as a cubic Bézier from a way out to a card's way in, with an arrow."""

    def __init__(self, key: EdgeKey | None = None) -> None:
        super().__init__()
        self.key = key
        self._path = QPainterPath()
        self._arrow = QPolygonF()
        self._hovered = False
        self._refused = False
        self._pending = key is None
        if key is not None:
            self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIsSelectable)
            self.setAcceptHoverEvents(True)
        self.setZValue(0 if key is not None else 2)

    def set_endpoints(self, start: QPointF, end: QPointF) -> None:
        self.prepareGeometryChange()
        tip = QPointF(end.x() - look.PORT_RADIUS - 1, end.y())
        reach = curve_reach(tip.x() - start.x(), tip.y() - start.y())
        path = QPainterPath(start)
        base = QPointF(tip.x() - 8, tip.y())
        path.cubicTo(
            QPointF(start.x() + reach, start.y()), QPointF(base.x() - reach, base.y()), base
        )
        self._path = path
        self._arrow = QPolygonF(
            [tip, QPointF(tip.x() - 9, tip.y() - 5), QPointF(tip.x() - 9, tip.y() + 5)]
        )
        self.update()

    def set_refused(self, refused: bool) -> None:
        if refused != self._refused:
            self._refused = refused
            self.update()

    def path(self) -> QPainterPath:
        return self._path

    def boundingRect(self) -> QRectF:
        return self._path.boundingRect().united(self._arrow.boundingRect()).adjusted(-6, -6, 6, 6)

    def shape(self) -> QPainterPath:
        stroker = QPainterPathStroker()
        stroker.setWidth(12)
        return stroker.createStroke(self._path)

    def paint(
        self, painter: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None
    ) -> None:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        if self._refused:
            colour = look.REFUSED
        elif self.isSelected():
            colour = look.SELECTION
        elif self._hovered or self._pending:
            colour = look.EDGE_HOVER
        else:
            colour = look.EDGE
        detail = option.levelOfDetailFromTransform(painter.worldTransform())
        if detail < look.SHOW_DETAIL_ABOVE:
            pen = cosmetic(colour, 1.2)  # stays visible however far out the view is zoomed
        else:
            pen = QPen(colour, 2.5 if self.isSelected() else 2)
        pen.setCapStyle(Qt.PenCapStyle.RoundCap)
        if self._pending:
            pen.setStyle(Qt.PenStyle.DashLine)
        painter.setPen(pen)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawPath(self._path)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QBrush(colour))
        painter.drawPolygon(self._arrow)

    def hoverEnterEvent(self, event: QGraphicsSceneHoverEvent) -> None:
        self._hovered = True
        self.update()

    def hoverLeaveEvent(self, event: QGraphicsSceneHoverEvent) -> None:
        self._hovered = False
        self.update()
