"""The tracking server from the app: host, port, Start/Stop, its address and what it recorded;
and rotating the workspace's signing key.

The server runs in its own thread (:class:`app.services.tracking.TrackingControl`); every
status change, including an open recorded on a request thread, reaches this widget only
through ``context.background.post`` (STYLE 7). Starting and stopping run on a worker too.
The server stops when the panel goes (its window closed, another workspace opened).
"""

from __future__ import annotations

import shiboken6
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFormLayout, QLabel, QLineEdit, QSpinBox, QWidget

from app.services.tracking import (
    DEFAULT_HOST,
    DEFAULT_PORT,
    TrackingControl,
    TrackingStatus,
    rotate_tracking_key,
)
from app.ui.context import AppContext
from app.ui.pages.settings_fields import inline
from app.ui.pages.widgets import button


def _count(number: int, noun: str) -> str:
    return f"{number:,} {noun}{'' if number == 1 else 's'}"


def describe(status: TrackingStatus) -> str:
    if status.error:
        return status.error
    if not status.running:
        return "Not running. Links in messages point at the public base URL."
    recorded = ", ".join(
        [_count(status.opens, "open"), _count(status.clicks, "click")]
        + ([_count(status.unsubscribes, "unsubscribe")] if status.unsubscribes else [])
    )
    return f"Running at {status.url} · {recorded} recorded since it started"


class TrackingPanel(QWidget):
    """Rows for the Tracking card's form (signing key, server host, port and Start/Stop) and
    the server's status line (``state``), which the page places under the form."""

    status_changed = Signal(object)
    """A :class:`TrackingStatus`, on the GUI thread."""

    def __init__(self, context: AppContext, form: QFormLayout, parent: QWidget | None = None):
        super().__init__(parent)
        self.context = context
        self.control = TrackingControl(
            context.workspace,
            listener=lambda status: context.background.post(self._show, status),
            clock=context.clock,
        )
        self.status = TrackingStatus()
        control = self.control  # not self: the panel is gone when this runs
        self.destroyed.connect(lambda *_: control.stop())

        self.rotate_button = button("Rotate key")
        self.key_note = QLabel("Links signed before keep working for 30 days.")
        self.key_note.setObjectName("placeholderText")
        self.rotate_button.clicked.connect(self.rotate_key)
        form.addRow("Signing key", inline(self.rotate_button, self.key_note))

        self.host = QLineEdit(DEFAULT_HOST)
        self.host.setMaximumWidth(180)
        self.port = QSpinBox()
        self.port.setRange(0, 65535)
        self.port.setSpecialValueText("any free port")
        self.port.setValue(DEFAULT_PORT)
        self.port.setMinimumWidth(120)
        self.start_button = button("Start tracking server", primary=True)
        self.start_button.clicked.connect(self.toggle)
        form.addRow("Server host", inline(self.host, QLabel("port"), self.port))
        self.state = QLabel(describe(self.status))
        self.state.setObjectName("trackingState")
        self.state.setWordWrap(True)
        self.state.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        form.addRow("", inline(self.start_button))
        # ``state`` (what the server does) goes under the form, across the card: the page
        # places it

    def toggle(self) -> None:
        """Start the server on the host and port given, or stop it when it runs."""
        self.start_button.setEnabled(False)
        if self.status.running:
            self.context.background.submit(self.control.stop, _ignore, self._failed)
        else:
            host, port = self.host.text(), self.port.value()
            self.context.background.submit(
                lambda: self.control.start(host, port), _ignore, self._failed
            )

    def stop_server(self) -> None:
        """Stop the server now (the window calls this when it closes)."""
        self.control.stop()

    def rotate_key(self) -> None:
        workspace, now = self.context.workspace, self.context.now()
        self.rotate_button.setEnabled(False)

        def rotated(key_id: str) -> None:
            self.rotate_button.setEnabled(True)
            self.key_note.setText(f"Now signing with key {key_id}; older links work 30 days.")

        def failed(error: BaseException) -> None:
            self.rotate_button.setEnabled(True)
            self.key_note.setText(f"Could not rotate the key: {error}")

        self.context.background.submit(lambda: rotate_tracking_key(workspace, now), rotated, failed)

    def _show(self, status: TrackingStatus) -> None:
        if not shiboken6.isValid(self.state):  # the page was closed before the news came
            return
        self.status = status
        self.state.setText(describe(status))
        self.state.setProperty("state", "error" if status.error else "running" if status.running
                               else "stopped")  # fmt: skip
        self.state.style().unpolish(self.state)
        self.state.style().polish(self.state)
        self.start_button.setText("Stop" if status.running else "Start tracking server")
        self.start_button.setObjectName("secondaryButton" if status.running else "primaryButton")
        self.start_button.style().unpolish(self.start_button)
        self.start_button.style().polish(self.start_button)
        self.start_button.setEnabled(True)
        self.host.setEnabled(not status.running)
        self.port.setEnabled(not status.running)
        self.status_changed.emit(status)

    def _failed(self, error: BaseException) -> None:
        self._show(TrackingStatus(error=f"The tracking server failed: {error}"))


def _ignore(_: object) -> None:
    return None
