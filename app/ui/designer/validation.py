"""Validation as you edit: the validator runs a moment after the last change.

Edits come in bursts (a drag, typing); waiting :data:`DELAY_MS` after the last one runs the
validator once per burst. It is fast (a few ms for 500 nodes), so it runs on the GUI thread.
Segment and attribute names are checked once the designer knows the workspace's
(:meth:`LiveValidation.set_known`, from the designer's sources); until then they are not.
"""

from __future__ import annotations

from collections.abc import Callable, Collection

from PySide6.QtCore import QObject, QTimer, Signal

from app.domain.journey import JourneyDocument
from app.domain.validation import Finding, validate_journey

DELAY_MS = 150


class LiveValidation(QObject):
    findings_changed = Signal(list)

    def __init__(self, document: Callable[[], JourneyDocument], parent: QObject | None = None):
        super().__init__(parent)
        self._document = document
        self.findings: list[Finding] = []
        self.known_segments: Collection[str] | None = None
        self.known_attributes: Collection[str] | None = None
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(DELAY_MS)
        self._timer.timeout.connect(self.run_now)

    def schedule(self) -> None:
        """Validate once the edits have paused for a moment."""
        self._timer.start()

    def set_known(
        self, segments: Collection[str] | None, attributes: Collection[str] | None
    ) -> None:
        """Check segment and attribute names against these (None: do not check them)."""
        self.known_segments = None if segments is None else frozenset(segments)
        self.known_attributes = None if attributes is None else frozenset(attributes)

    def run_now(self) -> None:
        self._timer.stop()
        self.findings = validate_journey(
            self._document(),
            known_segments=self.known_segments,
            known_attributes=self.known_attributes,
        )
        self.findings_changed.emit(self.findings)
