"""SVG icons from ``resources/icons``: tinted, cached pixmaps at the exact device size.

Icons are drawn from the SVG at the size they will occupy in device pixels (zoom × screen
scale), so they stay sharp at 100 %, 200 % and any canvas zoom. Line icons are drawn in one
colour (the SVG's strokes are black and get tinted); the severity icons keep their own colours.

Invariant: a missing icon file draws nothing and never raises (a packaging slip must not take the
canvas down); ``tests/ui`` checks every kind's icon exists.
"""

from __future__ import annotations

import math

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QIcon, QImage, QPainter, QPixmap
from PySide6.QtSvg import QSvgRenderer

from app.resources import resource_path

_RENDERERS: dict[str, QSvgRenderer] = {}
_PIXMAPS: dict[tuple[str, int, int], QPixmap] = {}
MAX_PIXELS = 256


def icon_file(name: str) -> str:
    return str(resource_path("icons", f"{name}.svg"))


def renderer(name: str) -> QSvgRenderer:
    found = _RENDERERS.get(name)
    if found is None:
        found = _RENDERERS[name] = QSvgRenderer(icon_file(name))
    return found


def icon_pixmap(name: str, pixels: int, tint: QColor | None = None) -> QPixmap:
    """The icon as a ``pixels``-square pixmap, tinted when ``tint`` is given."""
    pixels = max(1, min(pixels, MAX_PIXELS))
    key = (name, pixels, tint.rgba() if tint is not None else 0)
    found = _PIXMAPS.get(key)
    if found is not None:
        return found
    image = QImage(pixels, pixels, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.transparent)
    svg = renderer(name)
    if svg.isValid():
        painter = QPainter(image)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        svg.render(painter, QRectF(0, 0, pixels, pixels))
        if tint is not None:
            painter.setCompositionMode(QPainter.CompositionMode.CompositionMode_SourceIn)
            painter.fillRect(image.rect(), tint)
        painter.end()
    pixmap = _PIXMAPS[key] = QPixmap.fromImage(image)
    return pixmap


def paint_icon(painter: QPainter, name: str, rect: QRectF, tint: QColor | None = None) -> None:
    """Draw the icon into ``rect`` (item coordinates), sharp at the painter's current scale."""
    transform = painter.worldTransform()
    scale = math.hypot(transform.m11(), transform.m12())
    device = painter.device()
    ratio = device.devicePixelRatioF() if device is not None else 1.0
    pixels = math.ceil(rect.width() * scale * ratio)
    painter.drawPixmap(rect, icon_pixmap(name, pixels, tint), QRectF(0, 0, pixels, pixels))


def icon(name: str, tint: QColor | None = None, sizes: tuple[int, ...] = (16, 20, 24)) -> QIcon:
    """A QIcon for widgets, with pixmaps for 1× and 2× screens at each logical size."""
    result = QIcon()
    for size in sizes:
        for ratio in (1, 2):
            pixmap = QPixmap(icon_pixmap(name, size * ratio, tint))
            pixmap.setDevicePixelRatio(ratio)
            result.addPixmap(pixmap)
    return result
