"""How the canvas looks: colours per node category, fonts, the node card's geometry, the grid.

One place for the numbers that the items, the scene, the arrange geometry and the palette share,
so that a port is drawn exactly where an edge starts and where auto-arrange expects it.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtGui import QColor, QFont

from app.domain.journey import Node


@dataclass(frozen=True)
class CategoryLook:
    accent: QColor
    soft: QColor


CATEGORY_LOOKS: dict[str, CategoryLook] = {
    "start": CategoryLook(QColor("#1a7f37"), QColor("#e3f4e8")),
    "action": CategoryLook(QColor("#1a56db"), QColor("#e5edfd")),
    "flow": CategoryLook(QColor("#7c3aed"), QColor("#efe8fd")),
}

CANVAS_BACKGROUND = QColor("#f6f7f9")
GRID_DOT = QColor("#d5d9df")
CARD_FILL = QColor("#ffffff")
CARD_BORDER = QColor("#d0d6de")
SELECTION = QColor("#1a56db")
TEXT = QColor("#1f2328")
TEXT_MUTED = QColor("#59636e")
EDGE = QColor("#8c96a3")
EDGE_HOVER = QColor("#4b5563")
REFUSED = QColor("#d1242f")
ERROR = QColor("#d1242f")
WARNING = QColor("#bf8700")

GRID = 20.0
"""Snap step of node positions, and the spacing of the background dots (every other step)."""

CARD_WIDTH = 196.0
CARD_PADDING = 10.0
HEADER_HEIGHT = 80.0
"""The card without its port rows: a title row (icon tile and title) and two summary lines."""
TITLE_ROW = 28.0
SUMMARY_TOP = CARD_PADDING + TITLE_ROW + 4
SUMMARY_LINE = 15.0
SUMMARY_LINES = 2
PORT_ROW = 22.0
PORTS_PADDING = 6.0
CARD_RADIUS = 10.0
ICON_SIZE = 18.0
ICON_TILE = 28.0
PORT_RADIUS = 5.0
SHOW_DETAIL_ABOVE = 0.4
"""Below this zoom a card is drawn as a plain tile: text would be unreadable anyway."""


def title_font() -> QFont:
    font = QFont()
    font.setPixelSize(13)
    font.setWeight(QFont.Weight.DemiBold)
    return font


def summary_font() -> QFont:
    font = QFont()
    font.setPixelSize(12)
    return font


def port_font() -> QFont:
    font = QFont()
    font.setPixelSize(11)
    font.setWeight(QFont.Weight.Medium)
    return font


IN_PORT_Y = CARD_PADDING + TITLE_ROW / 2
"""Ways in, and the single way out, sit level with the title."""


def card_height(port_count: int) -> float:
    """Cards with several ways out get a row per way out under the header."""
    if port_count < 2:
        return HEADER_HEIGHT
    return HEADER_HEIGHT + port_count * PORT_ROW + PORTS_PADDING


def out_port_y(ports: tuple[str, ...], port: str) -> float:
    """Where a way out sits, from the card's top; an unknown port leaves from the header."""
    if len(ports) < 2 or port not in ports:
        return IN_PORT_Y
    return HEADER_HEIGHT + PORT_ROW * ports.index(port) + PORT_ROW / 2 + 2


class CardGeometry:
    """The card geometry for :func:`app.domain.arrange.arrange`."""

    def height(self, node: Node) -> float:
        return card_height(len(node.ports()))

    def out_port_y(self, node: Node, port: str) -> float:
        return out_port_y(node.ports(), port)

    def in_port_y(self, node: Node) -> float:
        return IN_PORT_Y


def snap(value: float) -> float:
    return round(value / GRID) * GRID
