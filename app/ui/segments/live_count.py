"""The live count beside the builder: how many contacts the definition being edited holds now,
and a sample of them (name, email, country).

Each change restarts a short debounce (:data:`DEBOUNCE_MS`); then the count and the sample are
computed on worker threads through ``context.background.submit_latest``, so the window never
waits. A result is shown only if it belongs to the newest definition: ``submit_latest`` drops
older results per key, and a generation number here also drops those that were in flight when
the definition became invalid. While a newer count is on its way the last number stays,
marked as updating.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
)

from app.domain.segment import SegmentDocument
from app.services.segments import SAMPLE_SIZE, MemberRow
from app.store.workspace import Workspace
from app.ui.context import AppContext
from app.ui.segments.work import run_in_background

DEBOUNCE_MS = 300
COUNT_KEY = "segments.live-count"
SAMPLE_KEY = "segments.live-sample"
STEADY = timedelta(seconds=60)

CountFunction = Callable[[Workspace, SegmentDocument, datetime], int]
SampleFunction = Callable[[Workspace, SegmentDocument, datetime, int], list[MemberRow]]
CompleteFunction = Callable[[SegmentDocument, datetime], None]


class LiveCount(QFrame):
    count_shown = Signal(int)
    """A count is on screen now (the newest definition's)."""
    sample_shown = Signal()

    def __init__(
        self,
        context: AppContext,
        count: CountFunction,
        sample: SampleFunction,
        parent: QFrame | None = None,
        complete: CompleteFunction | None = None,
    ) -> None:
        """``complete(document, at)``, when given, runs after each count is shown, off the GUI
        thread, to prepare the next counts (:meth:`~app.services.segments.LiveCounter.complete`).
        """
        super().__init__(parent)
        self.setObjectName("liveCount")
        self.context = context
        self.count_function = count
        self.sample_function = sample
        self.complete_function = complete
        self.document: SegmentDocument | None = None
        self.generation = 0
        self.shown_count: int | None = None
        self.at: datetime | None = None
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.setInterval(DEBOUNCE_MS)
        self.timer.timeout.connect(self.run_now)
        self._build()

    def _build(self) -> None:
        heading = QLabel("Members now")
        heading.setObjectName("panelHeading")
        self.number = QLabel("—")
        self.number.setObjectName("liveCountNumber")
        self.status = QLabel()
        self.status.setObjectName("liveCountStatus")
        self.status.setWordWrap(True)
        sample_heading = QLabel(f"A sample of members (up to {SAMPLE_SIZE})")
        sample_heading.setObjectName("paletteHeading")
        self.sample = QTableWidget(0, 3)
        self.sample.setObjectName("memberSample")
        self.sample.setHorizontalHeaderLabels(["Name", "Email", "Country"])
        self.sample.verticalHeader().hide()
        self.sample.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.sample.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.sample.setShowGrid(False)
        header = self.sample.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
        self.sample.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.sample.setTextElideMode(Qt.TextElideMode.ElideRight)
        figures = QVBoxLayout()
        figures.setSpacing(6)
        figures.addWidget(heading)
        figures.addWidget(self.number)
        figures.addWidget(self.status)
        figures.addStretch(1)
        self.status.setFixedWidth(210)
        samples = QVBoxLayout()
        samples.setSpacing(6)
        samples.addWidget(sample_heading)
        samples.addWidget(self.sample, 1)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(16, 12, 16, 12)
        layout.setSpacing(20)
        layout.addLayout(figures)
        layout.addLayout(samples, 1)

    # -- what the page calls --------------------------------------------------------------

    def schedule(self, document: SegmentDocument | None) -> None:
        """The definition changed: count ``document`` after the debounce (None: invalid)."""
        self.document = document
        self.generation += 1  # whatever is in flight is for an older definition now
        if document is None:
            self.timer.stop()
            self._show_invalid()
            return
        self.number.setEnabled(False)  # greyed until the new count arrives
        self.sample.setEnabled(False)
        self._set_status("Counting…" if self.shown_count is None else "Updating…")
        self.timer.start()

    def run_now(self) -> None:
        """Count the current definition at once (the debounce has passed)."""
        self.timer.stop()
        document = self.document
        if document is None:
            return
        generation = self.generation
        workspace = self.context.workspace
        at = self.steady_now()
        count, sample = self.count_function, self.sample_function
        run_in_background(
            self.context.background,
            lambda: count(workspace, document, at),
            lambda value: self._count_arrived(generation, value, at, document),
            lambda error: self._failed(generation, error),
            latest=COUNT_KEY,
        )
        run_in_background(
            self.context.background,
            lambda: sample(workspace, document, at, SAMPLE_SIZE),
            lambda rows: self._sample_arrived(generation, rows),
            lambda error: self._failed(generation, error),
            latest=SAMPLE_KEY,
        )

    def steady_now(self) -> datetime:
        """The moment counts are evaluated at: kept for :data:`STEADY` while editing, so that
        consecutive counts can build on each other (the status names the moment)."""
        now = self.context.now()
        if self.at is None or not timedelta(0) <= now - self.at <= STEADY:
            self.at = now
        return self.at

    # -- results --------------------------------------------------------------------------

    def _count_arrived(
        self, generation: int, value: int, at: datetime, document: SegmentDocument
    ) -> None:
        if generation != self.generation:
            return
        complete = self.complete_function
        if complete is not None:
            run_in_background(
                self.context.background,
                lambda: complete(document, at),
                lambda _done: None,
                lambda _error: None,  # only a preparation: the next count does without it
            )
        self.shown_count = value
        self.number.setText(f"{value:,}")
        self.number.setEnabled(True)
        self._set_status(f"Exact count at {at:%H:%M:%S} UTC, {at:%-d %b %Y}")
        self.count_shown.emit(value)

    def _sample_arrived(self, generation: int, rows: list[MemberRow]) -> None:
        if generation != self.generation:
            return
        self.sample.setRowCount(len(rows))
        for index, row in enumerate(rows):
            name = " ".join(part for part in (row.first_name, row.last_name) if part)
            for column, text in enumerate((name, row.email or "", row.country or "")):
                self.sample.setItem(index, column, QTableWidgetItem(text))
        self.sample.setEnabled(True)
        self.sample_shown.emit()

    def _failed(self, generation: int, error: BaseException) -> None:
        if generation != self.generation:
            return
        self.number.setText("—")
        self.shown_count = None
        self._set_status(f"Cannot count this definition: {error}")

    def _show_invalid(self) -> None:
        self.number.setEnabled(False)
        self.sample.setEnabled(False)
        self._set_status("Fix the conditions marked in red to see who is in the segment.")

    def _set_status(self, text: str) -> None:
        self.status.setText(text)
