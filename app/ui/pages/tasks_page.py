"""The Tasks page: sales follow-ups made by journeys, filtered, with "Mark done".

Rows come from :func:`app.services.tasks.list_tasks` on a worker (the newest request wins, so
typing in the search box never shows an older result over a newer one). An open task whose due
time has passed (by ``context.now()``) is highlighted as overdue; done tasks are greyed.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QTimer, Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import QLabel, QLineEdit, QWidget

from app.services.tasks import complete_tasks, list_tasks, task_assignees
from app.ui.context import AppContext
from app.ui.pages.rows_model import Column, Row, RowsModel, moment
from app.ui.pages.widgets import (
    button,
    choices,
    data_table,
    filter_bar,
    fit_columns,
    note,
    page_frame,
    set_choices,
)

SEARCH_DELAY_MS = 250
ALL_ASSIGNEES = ("Everyone", None)

COLUMNS = (
    Column("Title", "title", tooltip_key="description"),
    Column("Contact", "contact", sample="firstname.lastname@mail.example"),
    Column("Journey", "journey", sample="High-value follow-up"),
    Column("Assignee", "assignee", sample="Olivia Bennett"),
    Column("Due (UTC)", "due_at", moment, explains=True, sample="2026-12-03 09:00"),
    Column("Priority", "priority", str.capitalize, sample="Normal"),
    Column("Status", "status", lambda status: "Done" if status == "done" else "Open",
           sample="Open"),
)  # fmt: skip


class TasksPage(QWidget):
    loaded = Signal()
    """The table shows the result of the latest refresh."""

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        layout = page_frame(self, "Tasks")

        self.status_filter = choices([("Open", "open"), ("Done", "done"), ("All", None)])
        self.assignee_filter = choices([ALL_ASSIGNEES])
        self.assignee_filter.setMinimumWidth(160)
        self.search = QLineEdit()
        self.search.setPlaceholderText("Search title, contact or assignee")
        self.search.setClearButtonEnabled(True)
        self.search.setMinimumWidth(260)
        self.refresh_button = button("Refresh")
        self.done_button = button("Mark done", primary=True)
        self.done_button.setEnabled(False)
        bar = filter_bar(
            ("Status", self.status_filter),
            ("Assignee", self.assignee_filter),
            self.search,
        )
        bar.addWidget(self.refresh_button)
        bar.addWidget(self.done_button)
        layout.addLayout(bar)

        self.model = RowsModel(COLUMNS, self._state)
        self.table = data_table(self.model, stretch=0)
        fit_columns(self.table, COLUMNS, stretch=0)
        layout.addWidget(self.table, 1)
        self.summary = note("", "placeholderText")
        self.message = QLabel("")
        self.message.setObjectName("pageNote")
        layout.addWidget(self.summary)
        layout.addWidget(self.message)

        self._search_timer = QTimer(self, singleShot=True, interval=SEARCH_DELAY_MS)
        self._search_timer.timeout.connect(self.refresh)
        self.search.textChanged.connect(self._search_timer.start)
        self.status_filter.currentIndexChanged.connect(self.refresh)
        self.assignee_filter.currentIndexChanged.connect(self.refresh)
        self.refresh_button.clicked.connect(self.refresh)
        self.done_button.clicked.connect(self.mark_selected_done)
        self.table.selectionModel().selectionChanged.connect(self._selection_changed)
        self.refresh()

    # -- reading ------------------------------------------------------------------------

    def showEvent(self, event: QShowEvent) -> None:
        """Coming back to the page shows what the engine did meanwhile."""
        super().showEvent(event)
        if not event.spontaneous():  # navigated to, not a window restored
            self.refresh()

    def refresh(self) -> None:
        """Load the tasks the filters choose (and who has tasks, for the assignee filter)."""
        workspace = self.context.workspace
        status, assignee = self.status_filter.currentData(), self.assignee_filter.currentData()
        search = self.search.text()

        def work() -> tuple[list[Row], list[str]]:
            rows = list_tasks(workspace, status=status, assignee=assignee, search=search)
            return rows, task_assignees(workspace)

        self.context.background.submit_latest("tasks-page", work, self._show, self._failed)

    def _show(self, result: tuple[list[Row], list[str]]) -> None:
        rows, assignees = result
        set_choices(self.assignee_filter, [ALL_ASSIGNEES, *((name, name) for name in assignees)])
        self.model.set_rows(rows)
        overdue = sum(self._state(row) == "overdue" for row in rows)
        shown = f"{len(rows):,} task{'' if len(rows) == 1 else 's'}"
        self.summary.setText(f"{shown}, {overdue:,} overdue" if overdue else shown)
        self._selection_changed()
        self.loaded.emit()

    def _failed(self, error: BaseException) -> None:
        self.message.setText(f"Could not load the tasks: {error}")

    def _state(self, row: Row) -> str | None:
        if row["status"] == "done":
            return "done"
        due = row.get("due_at")
        return "overdue" if due is not None and due < self.context.now() else None

    # -- marking done ---------------------------------------------------------------------

    def selected_rows(self) -> list[Row]:
        chosen = self.table.selectionModel().selectedRows()
        return [self.model.row(index.row()) for index in sorted(chosen, key=lambda i: i.row())]

    def _selection_changed(self, *_: Any) -> None:
        self.done_button.setEnabled(any(row["status"] == "open" for row in self.selected_rows()))

    def mark_selected_done(self) -> None:
        ids = [row["id"] for row in self.selected_rows() if row["status"] == "open"]
        if not ids:
            return
        workspace, now = self.context.workspace, self.context.now()
        self.done_button.setEnabled(False)

        def done(count: int) -> None:
            self.message.setText(f"{count:,} task{'' if count == 1 else 's'} marked done.")
            self.refresh()

        def failed(error: BaseException) -> None:
            self.message.setText(f"Could not mark the tasks done: {error}")
            self._selection_changed()

        self.context.background.submit(lambda: complete_tasks(workspace, ids, now), done, failed)
