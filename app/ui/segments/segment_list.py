"""The list of segments: name, members now, the journeys that use it, last refreshed; with
New, Duplicate and Delete.

It shows what it is given (:meth:`SegmentList.show_segments`, :meth:`set_members`) and emits
intents; the page loads the rows and counts off the GUI thread.
"""

from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
)

from app.services.segments import SegmentOverview

NAME, MEMBERS, JOURNEYS, REFRESHED = range(4)
COLUMNS = ["Segment", "Members", "Journeys", "Refreshed"]


def refreshed_text(moment: datetime | None) -> str:
    return "never" if moment is None else f"{moment:%-d %b %H:%M}"


class SegmentList(QFrame):
    selected = Signal(str)
    """A segment was picked (by name)."""
    new_requested = Signal()
    duplicate_requested = Signal()
    delete_requested = Signal()

    def __init__(self, parent: QFrame | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("segmentList")
        self.names: list[str] = []
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setObjectName("segmentTable")
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setShowGrid(False)
        self.table.setWordWrap(True)  # long names and journey lists take a second line
        self.table.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(NAME, QHeaderView.ResizeMode.Stretch)
        for column in (MEMBERS, REFRESHED):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(JOURNEYS, QHeaderView.ResizeMode.Interactive)
        header.resizeSection(JOURNEYS, 92)
        header.sectionResized.connect(lambda *_: self.table.resizeRowsToContents())
        self.table.itemSelectionChanged.connect(self._selection_changed)
        self.new_button = QPushButton("New")
        self.new_button.setObjectName("primaryButton")
        self.duplicate_button = QPushButton("Duplicate")
        self.delete_button = QPushButton("Delete")
        for button in (self.duplicate_button, self.delete_button):
            button.setObjectName("secondaryButton")
        self.new_button.clicked.connect(self.new_requested)
        self.duplicate_button.clicked.connect(self.duplicate_requested)
        self.delete_button.clicked.connect(self.delete_requested)
        buttons = QHBoxLayout()
        buttons.setSpacing(8)
        buttons.addWidget(self.new_button)
        buttons.addWidget(self.duplicate_button)
        buttons.addWidget(self.delete_button)
        buttons.addStretch(1)
        heading = QLabel("Segments")
        heading.setObjectName("panelHeading")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 12, 8, 12)
        layout.setSpacing(8)
        layout.addWidget(heading)
        layout.addLayout(buttons)
        layout.addWidget(self.table, 1)
        self._quiet = False

    def show_segments(self, rows: list[SegmentOverview], select: str | None) -> None:
        """Show ``rows`` (members stay as they were for names kept) and select ``select``."""
        kept = {name: self.members_text(name) for name in self.names}
        self._quiet = True
        self.table.setRowCount(len(rows))
        self.names = [row.name for row in rows]
        for index, row in enumerate(rows):
            journeys = ", ".join(row.journeys) or "—"
            texts = [row.name, kept.get(row.name, "…"), journeys, refreshed_text(row.refreshed_at)]
            for column, text in enumerate(texts):
                item = QTableWidgetItem(text)
                item.setToolTip(text)
                if column == MEMBERS:
                    item.setTextAlignment(
                        Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
                    )
                if column == JOURNEYS and row.journeys:
                    item.setToolTip(f"{text}: read-only while these journeys run")
                self.table.setItem(index, column, item)
        self.table.clearSelection()
        if select in self.names:
            self.table.selectRow(self.names.index(select))
        self._quiet = False

    def set_members(self, name: str, text: str) -> None:
        if name in self.names:
            item = self.table.item(self.names.index(name), MEMBERS)
            if item is not None:
                item.setText(text)

    def members_text(self, name: str) -> str:
        item = self.table.item(self.names.index(name), MEMBERS) if name in self.names else None
        return item.text() if item is not None else ""

    def current_name(self) -> str | None:
        rows = self.table.selectionModel().selectedRows()
        return self.names[rows[0].row()] if rows else None

    def select(self, name: str) -> None:
        if name in self.names:
            self.table.selectRow(self.names.index(name))

    def _selection_changed(self) -> None:
        name = self.current_name()
        if name is not None and not self._quiet:
            self.selected.emit(name)
