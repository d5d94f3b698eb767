"""The canvas's graphics items: node cards and their ports (edges: :mod:`.edge_item`).

Items are dumb: they draw what their setters were given (``set_title``, ``set_summary``,
``set_ports``, ``set_issues``, ``set_stats``, ``set_endpoints``) and know only their own geometry
(where a port sits). They never hold the journey document, never change it, and never look
anything up; the scene mirrors the document into them (:mod:`app.ui.designer.scene`).

Invariants: text is measured and elided in the setters, not in ``paint``; below the level of
detail :data:`~app.ui.designer.look.SHOW_DETAIL_ABOVE` a card is one filled rounded rectangle.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetricsF,
    QPainter,
    QPainterPath,
    QPen,
    QTextLayout,
    QTextOption,
)
from PySide6.QtWidgets import (
    QGraphicsItem,
    QGraphicsSceneHoverEvent,
    QStyleOptionGraphicsItem,
    QWidget,
)

from app.ui.designer import look
from app.ui.designer.edge_item import EdgeItem, EdgeKey, cosmetic
from app.ui.designer.icons import paint_icon

__all__ = ["EdgeItem", "EdgeKey", "NodeItem", "PortItem", "wrapped"]

TITLE_LEFT = look.CARD_PADDING + look.ICON_TILE + 8
TITLE_WIDTH = look.CARD_WIDTH - TITLE_LEFT - look.CARD_PADDING
SUMMARY_WIDTH = look.CARD_WIDTH - 2 * look.CARD_PADDING
STATS_GAP = 6
STATS_LINE = 16
STATS_PADDING = 3
STATS_FILL = QColor("#eef2ff")
STATS_TEXT = QColor("#3730a3")
_TEMPLATE_TAG = re.compile(r"\{\{[^}]*\}\}")
"""A ``{{ variable }}`` in a summary: kept on one line when the summary wraps."""


class PortItem(QGraphicsItem):
    """A dot on a card's edge: a way out (``name``) on the right, or the way in on the left."""

    def __init__(self, parent: NodeItem, name: str, *, is_input: bool = False) -> None:
        super().__init__(parent)
        self.name = name
        self.is_input = is_input
        self._accent = QColor(look.EDGE)
        self._connected = False
        self._hovered = False
        self.setAcceptHoverEvents(not is_input)
        if not is_input:
            self.setCursor(Qt.CursorShape.CrossCursor)
            self.setToolTip("Drag to a node to connect")

    @property
    def node(self) -> NodeItem:
        parent = self.parentItem()
        assert isinstance(parent, NodeItem)
        return parent

    def set_accent(self, accent: QColor) -> None:
        self._accent = QColor(accent)
        self.update()

    def set_connected(self, connected: bool) -> None:
        if connected != self._connected:
            self._connected = connected
            self.update()

    def boundingRect(self) -> QRectF:
        radius = look.PORT_RADIUS + 4
        return QRectF(-radius, -radius, 2 * radius, 2 * radius)

    def shape(self) -> QPainterPath:
        path = QPainterPath()
        radius = look.PORT_RADIUS + 4  # easier to grab than it looks
        path.addEllipse(QPointF(0, 0), radius, radius)
        return path

    def paint(
        self, painter: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None
    ) -> None:
        radius = look.PORT_RADIUS + (1.5 if self._hovered else 0)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(QPen(self._accent, 1.6))
        filled = self._connected or self._hovered
        painter.setBrush(self._accent if filled else look.CARD_FILL)
        painter.drawEllipse(QPointF(0, 0), radius, radius)

    def hoverEnterEvent(self, event: QGraphicsSceneHoverEvent) -> None:
        self._hovered = True
        self.update()

    def hoverLeaveEvent(self, event: QGraphicsSceneHoverEvent) -> None:
        self._hovered = False
        self.update()


class NodeItem(QGraphicsItem):
    """A node card: icon tile, title, one-line summary, a row per way out, issue badges."""

    def __init__(self, node_id: str) -> None:
        super().__init__()
        self.node_id = node_id
        self.on_moved: Callable[[NodeItem], None] | None = None
        self.snapping = True
        self._placing = False
        self._icon = ""
        self._look = look.CATEGORY_LOOKS["action"]
        self._title = self._title_shown = ""
        self._summary = ""
        self._summary_lines: tuple[str, ...] = ()
        self._ports: tuple[str, ...] = ()
        self._port_labels: tuple[str, ...] = ()
        self._port_items: dict[str, PortItem] = {}
        self._in_port: PortItem | None = None
        self._errors = self._warnings = 0
        self._messages: tuple[str, ...] = ()
        self._stats = ""
        self._stats_shown: tuple[str, ...] = ()
        self._hovered = False
        self._height = look.HEADER_HEIGHT
        self.setFlags(
            QGraphicsItem.GraphicsItemFlag.ItemIsSelectable
            | QGraphicsItem.GraphicsItemFlag.ItemIsMovable
            | QGraphicsItem.GraphicsItemFlag.ItemSendsGeometryChanges
        )
        self.setAcceptHoverEvents(True)
        self.setZValue(1)

    # -- setters --------------------------------------------------------------------------

    def set_kind(self, icon: str, category: str, *, has_input: bool) -> None:
        self._icon = icon
        self._look = look.CATEGORY_LOOKS.get(category, look.CATEGORY_LOOKS["action"])
        if has_input and self._in_port is None:
            self._in_port = PortItem(self, "", is_input=True)
            self._in_port.setPos(0, look.IN_PORT_Y)
        elif not has_input and self._in_port is not None:
            self._drop_port(self._in_port)
            self._in_port = None
        for port in self._all_ports():
            port.set_accent(self._look.accent)
        self.update()

    def set_title(self, title: str) -> None:
        self._title = title
        metrics = QFontMetricsF(look.title_font())
        self._title_shown = metrics.elidedText(title, Qt.TextElideMode.ElideRight, TITLE_WIDTH)
        self._refresh_tooltip()

    def set_summary(self, summary: str) -> None:
        self._summary = summary
        together = _TEMPLATE_TAG.sub(lambda tag: tag[0].replace(" ", "\u00a0"), summary)
        self._summary_lines = wrapped(
            together, look.summary_font(), SUMMARY_WIDTH, look.SUMMARY_LINES
        )
        self._refresh_tooltip()
        self.update()

    def set_ports(self, ports: Sequence[tuple[str, str]], connected: set[str]) -> None:
        """The ways out, as (name, label) in display order; ``connected`` ones are filled."""
        names = tuple(name for name, _label in ports)
        if names != self._ports:
            self.prepareGeometryChange()
            for name in set(self._port_items) - set(names):
                self._drop_port(self._port_items.pop(name))
            for name in names:
                if name not in self._port_items:
                    self._port_items[name] = PortItem(self, name)
                    self._port_items[name].set_accent(self._look.accent)
            self._ports = names
            self._height = look.card_height(len(names))
            for name, port in self._port_items.items():
                port.setPos(look.CARD_WIDTH, look.out_port_y(names, name))
        metrics = QFontMetricsF(look.port_font())
        width = look.CARD_WIDTH - 24 - look.PORT_RADIUS
        self._port_labels = tuple(
            metrics.elidedText(label, Qt.TextElideMode.ElideRight, width) for _n, label in ports
        )
        for name, port in self._port_items.items():
            port.set_connected(name in connected)
        if self._in_port is not None:
            self._in_port.set_connected("" in connected)
        self.update()

    def set_issues(self, errors: int, warnings: int, messages: Sequence[str]) -> None:
        if (errors, warnings, tuple(messages)) == (self._errors, self._warnings, self._messages):
            return
        self._errors, self._warnings, self._messages = errors, warnings, tuple(messages)
        self._refresh_tooltip()
        self.update()

    def set_stats(self, text: str) -> None:
        """Lines of analytics under the card ("1,388 in · 240 here", one per ``\n``); ""
        shows none."""
        if text == self._stats:
            return
        self.prepareGeometryChange()
        self._stats = text
        metrics = QFontMetricsF(look.port_font())
        self._stats_shown = tuple(
            metrics.elidedText(line, Qt.TextElideMode.ElideRight, look.CARD_WIDTH - 16)
            for line in text.splitlines()
        )
        self._refresh_tooltip()
        self.update()

    def _stats_height(self) -> float:
        lines = len(self._stats_shown)
        return STATS_GAP + lines * STATS_LINE + 2 * STATS_PADDING if lines else 0

    def set_position(self, x: float, y: float) -> None:
        """Place the card exactly (no snapping): the document's position is the truth."""
        self._placing = True
        try:
            self.setPos(x, y)
        finally:
            self._placing = False

    # -- geometry -------------------------------------------------------------------------

    @property
    def height(self) -> float:
        return self._height

    @property
    def issue_counts(self) -> tuple[int, int]:
        return self._errors, self._warnings

    @property
    def title(self) -> str:
        return self._title

    @property
    def summary(self) -> str:
        return self._summary

    @property
    def stats(self) -> str:
        return self._stats

    def port(self, name: str) -> PortItem | None:
        return self._port_items.get(name)

    def out_port_scene_pos(self, port: str) -> QPointF:
        return self.mapToScene(QPointF(look.CARD_WIDTH, look.out_port_y(self._ports, port)))

    def in_port_scene_pos(self) -> QPointF:
        return self.mapToScene(QPointF(0, look.IN_PORT_Y))

    def card_rect(self) -> QRectF:
        return QRectF(0, 0, look.CARD_WIDTH, self._height)

    def boundingRect(self) -> QRectF:
        return QRectF(-3, -11, look.CARD_WIDTH + 14, self._height + 16 + self._stats_height())

    def shape(self) -> QPainterPath:
        path = QPainterPath()
        path.addRoundedRect(self.card_rect(), look.CARD_RADIUS, look.CARD_RADIUS)
        return path

    def itemChange(self, change: QGraphicsItem.GraphicsItemChange, value: Any) -> Any:
        if (
            change == QGraphicsItem.GraphicsItemChange.ItemPositionChange
            and self.snapping
            and not self._placing
            and isinstance(value, QPointF)
        ):
            return QPointF(look.snap(value.x()), look.snap(value.y()))
        if change == QGraphicsItem.GraphicsItemChange.ItemPositionHasChanged and self.on_moved:
            self.on_moved(self)
        return super().itemChange(change, value)

    # -- drawing --------------------------------------------------------------------------

    def paint(
        self, painter: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None
    ) -> None:
        detail = option.levelOfDetailFromTransform(painter.worldTransform())
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        card = self.card_rect()
        selected = self.isSelected()
        if detail < look.SHOW_DETAIL_ABOVE:
            painter.setPen(cosmetic(look.SELECTION if selected else self._look.accent, 1.5))
            painter.setBrush(self._look.soft)
            painter.drawRoundedRect(card, look.CARD_RADIUS, look.CARD_RADIUS)
            return
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor(15, 23, 42, 16))
        painter.drawRoundedRect(card.translated(0, 2), look.CARD_RADIUS, look.CARD_RADIUS)
        border = look.SELECTION if selected else look.EDGE_HOVER if self._hovered else None
        painter.setPen(QPen(border, 2) if border else QPen(look.CARD_BORDER, 1))
        painter.setBrush(look.CARD_FILL)
        painter.drawRoundedRect(card, look.CARD_RADIUS, look.CARD_RADIUS)
        self._paint_header(painter)
        if len(self._ports) > 1:
            self._paint_port_rows(painter)
        self._paint_badges(painter)
        if self._stats:
            self._paint_stats(painter)

    def _paint_stats(self, painter: QPainter) -> None:
        top = self._height + STATS_GAP
        strip = QRectF(0, top, look.CARD_WIDTH, self._stats_height() - STATS_GAP)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(STATS_FILL)
        painter.drawRoundedRect(strip, 9, 9)
        painter.setFont(look.port_font())
        painter.setPen(STATS_TEXT)
        for number, line in enumerate(self._stats_shown):
            row = QRectF(8, top + STATS_PADDING + number * STATS_LINE, look.CARD_WIDTH - 16, 16)
            painter.drawText(row, Qt.AlignmentFlag.AlignCenter, line)

    def _paint_header(self, painter: QPainter) -> None:
        pad = look.CARD_PADDING
        tile = QRectF(pad, pad, look.ICON_TILE, look.ICON_TILE)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(self._look.soft)
        painter.drawRoundedRect(tile, 7, 7)
        inset = (look.ICON_TILE - look.ICON_SIZE) / 2
        paint_icon(
            painter, self._icon, tile.adjusted(inset, inset, -inset, -inset), self._look.accent
        )
        painter.setFont(look.title_font())
        painter.setPen(look.TEXT)
        flags = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
        painter.drawText(
            QRectF(TITLE_LEFT, pad, TITLE_WIDTH, look.TITLE_ROW), flags, self._title_shown
        )
        painter.setFont(look.summary_font())
        painter.setPen(look.TEXT_MUTED)
        for number, line in enumerate(self._summary_lines):
            top = look.SUMMARY_TOP + number * look.SUMMARY_LINE
            painter.drawText(QRectF(pad, top, SUMMARY_WIDTH, look.SUMMARY_LINE), flags, line)

    def _paint_port_rows(self, painter: QPainter) -> None:
        painter.setPen(QPen(look.CARD_BORDER, 1))
        painter.drawLine(
            QPointF(1, look.HEADER_HEIGHT), QPointF(look.CARD_WIDTH - 1, look.HEADER_HEIGHT)
        )
        painter.setFont(look.port_font())
        painter.setPen(look.TEXT_MUTED)
        flags = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
        right = look.CARD_WIDTH - look.PORT_RADIUS - 8
        for name, label in zip(self._ports, self._port_labels, strict=True):
            middle = look.out_port_y(self._ports, name)
            painter.drawText(QRectF(12, middle - 9, right - 12, 18), flags, label)

    def _paint_badges(self, painter: QPainter) -> None:
        x = look.CARD_WIDTH - 4
        for count, colour in ((self._errors, look.ERROR), (self._warnings, look.WARNING)):
            if not count:
                continue
            text = str(count) if count < 10 else "9+"
            width = 18 if len(text) == 1 else 24
            badge = QRectF(x - width / 2, -9, width, 18)
            painter.setPen(QPen(look.CARD_FILL, 2))
            painter.setBrush(colour)
            painter.drawRoundedRect(badge, 9, 9)
            painter.setPen(QColor("#ffffff"))
            painter.setFont(look.port_font())
            painter.drawText(badge, Qt.AlignmentFlag.AlignCenter, text)
            x -= width + 2

    # -- hover and tooltips ---------------------------------------------------------------

    def hoverEnterEvent(self, event: QGraphicsSceneHoverEvent) -> None:
        self._hovered = True
        self.update()

    def hoverLeaveEvent(self, event: QGraphicsSceneHoverEvent) -> None:
        self._hovered = False
        self.update()

    def _refresh_tooltip(self) -> None:
        lines = [f"<b>{_escape(self._title)}</b>", _escape(self._summary)]
        lines += [f"• {_escape(message)}" for message in self._messages]
        lines += [_escape(line) for line in self._stats.splitlines()]
        self.setToolTip("<br>".join(line for line in lines if line))

    def _all_ports(self) -> list[PortItem]:
        ports = list(self._port_items.values())
        return [*ports, self._in_port] if self._in_port is not None else ports

    def _drop_port(self, port: PortItem) -> None:
        scene = self.scene()
        port.setParentItem(None)
        if scene is not None:
            scene.removeItem(port)


def wrapped(text: str, font: QFont, width: float, max_lines: int) -> tuple[str, ...]:
    """``text`` broken into at most ``max_lines`` lines of ``width``; the last one elided."""
    layout = QTextLayout(text, font)
    option = QTextOption()
    option.setWrapMode(QTextOption.WrapMode.WrapAtWordBoundaryOrAnywhere)
    layout.setTextOption(option)
    spans: list[tuple[int, int]] = []
    layout.beginLayout()
    while True:
        line = layout.createLine()
        if not line.isValid():
            break
        line.setLineWidth(width)
        spans.append((line.textStart(), line.textLength()))
    layout.endLayout()
    lines = [text[start : start + length].strip() for start, length in spans[:max_lines]]
    if len(spans) > max_lines:
        rest = text[spans[max_lines - 1][0] :]
        lines[-1] = QFontMetricsF(font).elidedText(rest, Qt.TextElideMode.ElideRight, width)
    return tuple(lines)


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
