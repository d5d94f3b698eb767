"""A read-only table model over rows (dicts) from a service, described by its columns.

The Tasks and Messages tables share it: a :class:`Column` names a heading, the row key and how
the value reads; a row may be marked (overdue tasks) through ``row_state``, which the model
turns into a background and text colour.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor

Row = dict[str, Any]
Index = QModelIndex | QPersistentModelIndex


@dataclass(frozen=True)
class RowLook:
    """How a marked row reads: a background for the whole row, and a text colour either for
    every cell or only for the columns that say why (``Column.explains``)."""

    background: str | None
    text: str
    text_everywhere: bool


ROW_LOOKS: dict[str, RowLook] = {
    "overdue": RowLook("#fff4f2", "#b42318", text_everywhere=False),
    "done": RowLook(None, "#6e7781", text_everywhere=True),
}
"""Row state → its look, from the light theme's palette."""


def moment(value: datetime | None) -> str:
    """A stored UTC time as the tables show it: ``2026-12-03 09:00``."""
    return "" if value is None else value.strftime("%Y-%m-%d %H:%M")


def day_and_time(value: datetime | None) -> str:
    """A stored UTC time in little room: ``06 Dec 11:00`` (the tooltip has the year)."""
    return "" if value is None else value.strftime("%d %b %H:%M")


def text(value: object) -> str:
    return "" if value is None else str(value)


@dataclass(frozen=True)
class Column:
    title: str
    key: str
    show: Callable[[Any], str] = text
    tooltip_key: str | None = None
    """Another key of the row whose value is the cell's tooltip (a task's description)."""
    align_center: bool = False
    sample: str = ""
    """A typical long value: the column starts wide enough for it (and its heading)."""
    whole_row: bool = False
    """``show`` takes the whole row (a cell made of several values) instead of one value."""
    explains: bool = False
    """The column that says why a row is marked (a task's due time): it takes the mark's
    text colour."""

    def cell(self, row: Row) -> str:
        return self.show(row) if self.whole_row else self.show(row.get(self.key))


class RowsModel(QAbstractTableModel):
    """Rows shown through :class:`Column` descriptions; replaced whole by :meth:`set_rows`."""

    def __init__(
        self,
        columns: Sequence[Column],
        row_state: Callable[[Row], str | None] | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.columns = list(columns)
        self.row_state = row_state or (lambda _row: None)
        self._rows: list[Row] = []

    @property
    def rows(self) -> list[Row]:
        return self._rows

    def set_rows(self, rows: list[Row]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def row(self, index: int) -> Row:
        return self._rows[index]

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.columns)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.columns[section].title
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        row, column = self._rows[index.row()], self.columns[index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            return column.cell(row)
        if role == Qt.ItemDataRole.ToolTipRole:
            tip = row.get(column.tooltip_key) if column.tooltip_key else None
            if isinstance(tip, datetime):
                return moment(tip) + " UTC"
            return tip or column.cell(row) or None
        if role == Qt.ItemDataRole.TextAlignmentRole and column.align_center:
            return Qt.AlignmentFlag.AlignCenter
        look = ROW_LOOKS.get(self.row_state(row) or "")
        if look is None:
            return None
        if role == Qt.ItemDataRole.BackgroundRole and look.background:
            return QBrush(QColor(look.background))
        if role == Qt.ItemDataRole.ForegroundRole and (look.text_everywhere or column.explains):
            return QBrush(QColor(look.text))
        return None
