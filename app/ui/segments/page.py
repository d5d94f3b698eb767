"""The Segments page: the list of segments, the builder with its live count, and the overlap of
the audiences of running journeys.

Wires the parts and talks to :mod:`app.services.segments`, always off the GUI thread through
``context.background``: the list's rows, then each segment's member count one after another
(so a live count never waits behind many), the builder's choices (attributes, event types,
values present per field), saves and deletes. A segment used by a live or paused journey opens
read-only, with Duplicate.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QMessageBox, QSplitter, QTabWidget, QVBoxLayout, QWidget

from app.domain.segment_edits import draft_of, new_draft
from app.services import segments as service
from app.ui.context import AppContext
from app.ui.segments.builder import SegmentBuilder
from app.ui.segments.live_count import CountFunction, LiveCount, SampleFunction
from app.ui.segments.overlap import OverlapView
from app.ui.segments.segment_list import SegmentList
from app.ui.segments.work import run_in_background

STYLE = Path(__file__).with_name("segments.qss")


def read_only_reason(journeys: list[str]) -> str:
    listed = ", ".join(f"“{journey}”" for journey in journeys)
    return (
        f"Used by running journeys: {listed}. It cannot change while they run, so that they "
        "keep meaning what they meant when they went live. Duplicate it to edit a copy."
    )


class SegmentsPage(QWidget):
    def __init__(
        self,
        context: AppContext,
        parent: QWidget | None = None,
        *,
        count: CountFunction | None = None,
        sample: SampleFunction = service.sample_members,
    ) -> None:
        """``count`` defaults to a :class:`~app.services.segments.LiveCounter` of the
        workspace (tests pass their own)."""
        super().__init__(parent)
        self.setObjectName("page")
        self.setStyleSheet(STYLE.read_text(encoding="utf-8"))
        self.context = context
        self.rows: dict[str, service.SegmentOverview] = {}
        self.values: dict[str, list[str]] = {}
        self._asked_values: set[str] = set()
        self._counting: list[str] = []
        self.choices: service.BuilderChoices | None = None
        self.list = SegmentList()
        self.builder = SegmentBuilder(context.now)
        self.counter = service.LiveCounter(context.workspace)
        counter = self.counter
        self.live = LiveCount(
            context,
            count or (lambda _ws, document, at: counter.count(document, at)),
            sample,
            complete=None if count else counter.complete,
        )
        self.destroyed.connect(lambda *_: counter.close())
        self.overlap = OverlapView()
        self._build()
        self._wire()
        self.builder.load(new_draft(), None)
        self.reload()
        self._load_choices()

    # -- layout and wiring ----------------------------------------------------------------

    def _build(self) -> None:
        title = QLabel("Segments")
        title.setObjectName("pageTitle")
        split = QSplitter(Qt.Orientation.Horizontal)
        split.setObjectName("segmentsSplitter")
        editing = QSplitter(Qt.Orientation.Vertical)
        editing.setObjectName("builderSplitter")
        editing.addWidget(self.builder)
        editing.addWidget(self.live)
        editing.setStretchFactor(0, 1)
        editing.setSizes([600, 200])
        editing.setChildrenCollapsible(False)
        split.addWidget(self.list)
        split.addWidget(editing)
        split.setStretchFactor(1, 1)
        split.setSizes([410, 690])
        split.setChildrenCollapsible(False)
        self.tabs = QTabWidget()
        self.tabs.setObjectName("segmentsTabs")
        self.tabs.addTab(split, "Segments")
        self.tabs.addTab(self.overlap, "Journey overlap")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 16, 24, 12)
        layout.setSpacing(10)
        layout.addWidget(title)
        layout.addWidget(self.tabs, 1)

    def _wire(self) -> None:
        self.list.selected.connect(self.open_segment)
        self.list.new_requested.connect(self.new_segment)
        self.list.duplicate_requested.connect(self.duplicate)
        self.list.delete_requested.connect(self.delete_current)
        self.builder.changed.connect(lambda: self.live.schedule(self.builder.document()))
        self.builder.save_requested.connect(self.save)
        self.builder.duplicate_requested.connect(self.duplicate)
        self.overlap.refresh_requested.connect(self.load_overlap)
        self.tabs.currentChanged.connect(
            lambda index: self.load_overlap() if self.tabs.widget(index) is self.overlap else None
        )

    def _submit(
        self,
        work: Callable[[], Any],
        on_done: Callable[[Any], None],
        on_error: Callable[[BaseException], None] | None = None,
    ) -> None:
        run_in_background(self.context.background, work, on_done, on_error or self._report_error)

    def _report_error(self, error: BaseException) -> None:
        self.builder.set_message(str(error), error=True)

    # -- the list -------------------------------------------------------------------------

    def reload(self, select: str | None = None) -> None:
        """Fetch the rows again, then count each segment's members one after another."""
        workspace = self.context.workspace
        self._submit(
            lambda: service.segment_overview(workspace),
            lambda rows: self._rows_arrived(rows, select),
        )

    def _rows_arrived(self, rows: list[service.SegmentOverview], select: str | None) -> None:
        self.rows = {row.name: row for row in rows}
        self.list.show_segments(rows, select or self.builder.original_name)
        self._refresh_builder_choices()
        starting = not self._counting
        self._counting = [row.name for row in rows]
        if starting:
            self._count_next()

    def _count_next(self) -> None:
        if not self._counting:
            return
        name = self._counting[0]
        row = self.rows.get(name)
        if row is None:
            self._counting.pop(0)
            self._count_next()
            return
        workspace, at, document = self.context.workspace, self.context.now(), row.document

        def done(value: Any) -> None:
            self.list.set_members(name, f"{value:,}" if isinstance(value, int) else "?")
            if self._counting and self._counting[0] == name:
                self._counting.pop(0)
            self._count_next()

        self._submit(lambda: service.count_document(workspace, document, at), done, done)

    # -- the builder ----------------------------------------------------------------------

    def _load_choices(self) -> None:
        workspace = self.context.workspace
        self._submit(lambda: service.builder_choices(workspace), self._choices_arrived)

    def _choices_arrived(self, choices: service.BuilderChoices) -> None:
        self.choices = choices
        self._refresh_builder_choices()

    def _refresh_builder_choices(self) -> None:
        choices = self.choices
        if choices is None:
            return
        self.builder.set_choices(
            choices.attributes, choices.event_types, sorted(self.rows), self.present_values
        )

    def present_values(self, field: str) -> list[str] | None:
        """The values present in ``field``, or None while they are fetched (asked once)."""
        if field in self.values:
            return self.values[field]
        if field not in self._asked_values:
            self._asked_values.add(field)
            workspace = self.context.workspace

            def arrived(values: list[str]) -> None:
                self.values[field] = values

            self._submit(lambda: service.present_values(workspace, field), arrived)
        return None

    def open_segment(self, name: str) -> None:
        if name == self.builder.original_name and not self.builder.read_only:
            return
        if not self.confirm_discard():
            self.list.select(self.builder.original_name or "")
            return
        row = self.rows[name]
        reason = read_only_reason(row.journeys) if row.read_only else None
        self.builder.load(draft_of(row.document), name, reason)
        self.builder.set_message("")

    def new_segment(self) -> None:
        if not self.confirm_discard():
            return
        self.list.table.clearSelection()
        self.builder.load(new_draft(self._free_name("New segment")), None)

    def duplicate(self) -> None:
        """A copy of the segment in the builder, under a free name, not saved yet."""
        if not self.confirm_discard():
            return
        draft = copy.deepcopy(self.builder.draft)
        source = str(draft.get("name") or "Segment")
        draft["name"] = self._free_name(f"{source} (copy)")
        self.list.table.clearSelection()
        self.builder.load(draft, None)
        self.builder.set_message(f"A copy of “{source}”: save it to keep it.")

    def _free_name(self, wanted: str) -> str:
        name, number = wanted, 2
        while name in self.rows:
            name = f"{wanted} {number}"
            number += 1
        return name

    def confirm_discard(self) -> bool:
        """May unsaved changes in the builder be dropped? (asks only when there are some)"""
        if self.builder.undo_stack.isClean() or self.builder.read_only:
            return True
        return self.ask(
            "Discard changes?",
            f"“{self.builder.draft.get('name')}” has changes that are not saved. Discard them?",
        )

    def ask(self, title: str, question: str) -> bool:
        answer = QMessageBox.question(self, title, question)
        return answer == QMessageBox.StandardButton.Yes

    def save(self) -> None:
        document = self.builder.document()
        if document is None:
            self.builder.set_message(
                "Not saved: " + "; ".join(str(problem) for problem in self.builder.problems)
                if any(problem.path is None for problem in self.builder.problems)
                else "Not saved: fix the conditions marked in red first.",
                error=True,
            )
            return
        workspace, now, original = (
            self.context.workspace,
            self.context.now(),
            self.builder.original_name,
        )

        self._submit(
            lambda: service.save_edited(workspace, document, original, now),
            self._saved,
            self._save_refused,
        )

    def _saved(self, saved: service.SavedSegment) -> None:
        self.builder.original_name = saved.name
        self.builder.undo_stack.setClean()
        words = {"created": "Saved", "updated": "Saved", "unchanged": "Nothing changed"}
        self.builder.set_message(f"{words[saved.outcome]}: “{saved.name}”.")
        self.reload(select=saved.name)

    def _save_refused(self, error: BaseException) -> None:
        self.builder.set_message(f"Not saved: {error}", error=True)

    def delete_current(self) -> None:
        name = self.list.current_name() or self.builder.original_name
        if name is None:
            self.builder.set_message("Pick a saved segment to delete.", error=True)
            return
        if not self.ask("Delete segment?", f"Delete the segment “{name}”? This cannot be undone."):
            return
        workspace = self.context.workspace

        def deleted(_none: object) -> None:
            self.builder.load(new_draft(self._free_name("New segment")), None)
            self.builder.set_message(f"Deleted “{name}”.")
            self.reload()

        def refused(error: BaseException) -> None:
            self.builder.set_message(f"Not deleted: {error}", error=True)

        self._submit(lambda: service.delete_segment(workspace, name), deleted, refused)

    # -- overlap --------------------------------------------------------------------------

    def load_overlap(self) -> None:
        workspace, at = self.context.workspace, self.context.now()
        self.overlap.show_loading()
        run_in_background(
            self.context.background,
            lambda: service.journey_overlap(workspace, at),
            self.overlap.show_overlap,
            self.overlap.show_error,
            latest="segments.overlap",
        )
