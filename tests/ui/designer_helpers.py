"""Helpers for driving the designer with real mouse and drop events, offscreen."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QEvent, QMimeData, QPoint, QPointF, Qt
from PySide6.QtGui import QDragEnterEvent, QDragMoveEvent, QDropEvent, QMouseEvent
from PySide6.QtWidgets import QApplication, QWidget
from pytestqt.qtbot import QtBot

from app.domain.journey import JourneyDocument
from app.domain.loading import load_journey
from app.ui.designer.editor import DesignerWidget

SAMPLES = Path(__file__).resolve().parents[2] / "resources" / "samples"


def sample(name: str = "re-engagement") -> JourneyDocument:
    return load_journey((SAMPLES / f"{name}.journey.json").read_bytes())


def make_designer(qtbot: QtBot, document: JourneyDocument | None = None) -> DesignerWidget:
    """A designer showing ``document`` at 100 % zoom, centred on the re-engagement sample."""
    designer = DesignerWidget(document or sample())
    qtbot.addWidget(designer)
    designer.resize(1400, 800)
    designer.show()
    qtbot.waitExposed(designer)
    designer.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is designer, timeout=2000)
    designer.view.resetTransform()
    designer.view.centerOn(QPointF(700, 40))
    return designer


def at(designer: DesignerWidget, scene_point: QPointF) -> QPoint:
    """The viewport point showing ``scene_point``."""
    return designer.view.mapFromScene(scene_point)


def _send(
    widget: QWidget,
    kind: QEvent.Type,
    point: QPoint,
    button: Qt.MouseButton,
    buttons: Qt.MouseButton,
    modifiers: Qt.KeyboardModifier,
) -> None:
    event = QMouseEvent(
        kind, QPointF(point), QPointF(widget.mapToGlobal(point)), button, buttons, modifiers
    )
    QApplication.sendEvent(widget, event)


def drag(
    designer: DesignerWidget,
    points: list[QPoint],
    button: Qt.MouseButton = Qt.MouseButton.LeftButton,
    modifiers: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier,
) -> None:
    """Press at the first point, move through the others with the button held, release."""
    viewport = designer.view.viewport()
    none = Qt.MouseButton.NoButton
    _send(viewport, QEvent.Type.MouseButtonPress, points[0], button, button, modifiers)
    for point in points[1:]:
        _send(viewport, QEvent.Type.MouseMove, point, none, button, modifiers)
    _send(viewport, QEvent.Type.MouseButtonRelease, points[-1], button, none, modifiers)


def click(
    designer: DesignerWidget,
    point: QPoint,
    modifiers: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier,
) -> None:
    drag(designer, [point], modifiers=modifiers)


def drop(designer: DesignerWidget, data: QMimeData, point: QPoint) -> None:
    """Drag ``data`` over the canvas and drop it at ``point``, as a drag from the palette does."""
    viewport = designer.view.viewport()
    args = (
        QPointF(point),
        Qt.DropAction.CopyAction,
        data,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    for event in (QDragEnterEvent(*args), QDragMoveEvent(*args), QDropEvent(*args)):
        QApplication.sendEvent(viewport, event)
