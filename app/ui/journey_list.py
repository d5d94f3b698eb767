"""The workspace's journeys as a table: name, status, version, entered, active, last change.

A dumb view (STYLE 5): it shows the :class:`~app.services.reports.JourneySummary` rows it is
given and says which journey is selected or activated; the page loads the rows (off the GUI
thread) and acts on the buttons.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QModelIndex, Qt, Signal
from PySide6.QtGui import QColor, QKeyEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QTableWidget,
    QTableWidgetItem,
    QWidget,
)

from app.services.reports import JourneySummary

COLUMNS = ("Name", "Status", "Version", "Entered", "Active", "Last changed")
STATUS_COLOURS = {
    "draft": "#64748b",
    "live": "#15803d",
    "paused": "#b45309",
    "stopped": "#b91c1c",
    "completed": "#1d4ed8",
}


class JourneyTable(QTableWidget):
    journey_activated = Signal(str)
    """A journey id, double-clicked or Enter pressed."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(0, len(COLUMNS), parent)
        self.setObjectName("journeyTable")
        self.setHorizontalHeaderLabels(COLUMNS)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setAlternatingRowColors(True)
        self.setShowGrid(False)
        self.setSortingEnabled(True)
        self.sortByColumn(0, Qt.SortOrder.AscendingOrder)
        self.verticalHeader().setVisible(False)
        self.verticalHeader().setDefaultSectionSize(34)
        header = self.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for column in range(1, len(COLUMNS)):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        self.doubleClicked.connect(self._activated)
        self._rows: list[JourneySummary] = []

    def set_journeys(self, rows: Sequence[JourneySummary]) -> None:
        """Show ``rows``, keeping the selected journey selected."""
        selected = self.selected_id()
        self.setSortingEnabled(False)
        self._rows = list(rows)
        self.setRowCount(len(rows))
        for row, journey in enumerate(rows):
            version = "—" if journey.current_version is None else f"v{journey.current_version}"
            changed = journey.updated_at.astimezone().strftime("%d %b %Y %H:%M")
            cells = (
                _text(journey.name, journey.id),
                _text(journey.status.capitalize(), journey.id),
                _number(journey.current_version or 0, version, journey.id),
                _number(journey.entered, f"{journey.entered:,}", journey.id),
                _number(journey.active, f"{journey.active:,}", journey.id),
                _text(changed, journey.id, sort=journey.updated_at.isoformat()),
            )
            cells[1].setForeground(QColor(STATUS_COLOURS.get(journey.status, "#334155")))
            for column, item in enumerate(cells):
                self.setItem(row, column, item)
        self.setSortingEnabled(True)
        if selected is not None:
            self.select_journey(selected)

    def journeys(self) -> list[JourneySummary]:
        return list(self._rows)

    def selected_id(self) -> str | None:
        items = self.selectedItems()
        return None if not items else str(items[0].data(Qt.ItemDataRole.UserRole))

    def selected(self) -> JourneySummary | None:
        chosen = self.selected_id()
        return next((row for row in self._rows if row.id == chosen), None)

    def select_journey(self, journey_id: str) -> None:
        for row in range(self.rowCount()):
            item = self.item(row, 0)
            if item is not None and item.data(Qt.ItemDataRole.UserRole) == journey_id:
                self.selectRow(row)
                return

    def keyPressEvent(self, event: QKeyEvent) -> None:  # Enter opens, like a double-click
        chosen = self.selected_id()
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and chosen is not None:
            self.journey_activated.emit(chosen)
            return
        super().keyPressEvent(event)

    def _activated(self, index: QModelIndex) -> None:
        item = self.item(index.row(), 0)
        if item is not None:
            self.journey_activated.emit(str(item.data(Qt.ItemDataRole.UserRole)))


class _SortableItem(QTableWidgetItem):
    def __lt__(self, other: QTableWidgetItem) -> bool:
        mine, theirs = (
            self.data(Qt.ItemDataRole.UserRole + 1),
            other.data(Qt.ItemDataRole.UserRole + 1),
        )
        if mine is not None and theirs is not None:
            return bool(mine < theirs)
        return super().__lt__(other)


def _text(text: str, journey_id: str, sort: str | None = None) -> QTableWidgetItem:
    item = _SortableItem(text)
    item.setData(Qt.ItemDataRole.UserRole, journey_id)
    item.setData(Qt.ItemDataRole.UserRole + 1, sort if sort is not None else text.lower())
    return item


def _number(value: int, text: str, journey_id: str) -> QTableWidgetItem:
    item = _SortableItem(text)
    item.setData(Qt.ItemDataRole.UserRole, journey_id)
    item.setData(Qt.ItemDataRole.UserRole + 1, value)
    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
    return item
