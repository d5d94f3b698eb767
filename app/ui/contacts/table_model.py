"""The contacts table's model: rows read from SQL a block at a time, never all at once.

:class:`ContactsTableModel` shows :func:`app.services.contacts.count_contacts` rows, but holds
only the blocks of :data:`BLOCK` rows the view has asked for, in a cache of at most
:data:`CACHED_BLOCKS`. A row whose block is not there yet shows a placeholder; the view asking
for it wants the block, and wanted blocks are read through ``context.background`` (at most
:data:`IN_FLIGHT` at a time, the most recently wanted first, only the :data:`WANTED_KEPT` most
recent, and only near what the view shows (:meth:`view_shows`): rows scrolled past quickly are
never read). So scrolling to
row 900,000 reads the block there and nothing in between, and the GUI thread never waits on SQL.

The first block is read beside the count and shown as soon as it arrives, so a search whose
count needs a full scan shows its first rows before the count is known.

A block right after a cached one is read by keyset (the previous block's last sort key), which
is an index probe at any depth where an index serves the sort; a jump is read with ``OFFSET``
from the nearer end of the list (the model knows the count).

Sorting (:meth:`sort`, from header clicks) and the search text (:meth:`set_search`) make a new
:class:`~app.services.contacts.ContactQuery`: the cache is dropped, the count is read again,
and results of the old query that arrive late are dropped (a generation number); its reads
still queued for a worker return without touching the database (a :class:`threading.Event`,
as the import's Cancel).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtGui import QColor

from app.services.contacts import (
    COLUMNS,
    ContactQuery,
    ContactRow,
    contact_page,
    count_contacts,
)
from app.ui.context import AppContext

BLOCK = 200
"""Rows per read."""
CACHED_BLOCKS = 60
"""Blocks kept (12,000 rows); the least recently used go first."""
IN_FLIGHT = 2
"""Reads running at once (the background pool has two workers)."""
WANTED_KEPT = 6
"""Blocks waiting to be read; older wishes are forgotten (the view asks again if it still
shows them)."""
PLACEHOLDER = "…"

_Index = QModelIndex | QPersistentModelIndex


class ContactsTableModel(QAbstractTableModel):
    """Contacts of the workspace matching the current query, lazily read in blocks."""

    count_changed = Signal(int)
    """The number of contacts the query matches, once it is known."""
    failed = Signal(str)
    """A read failed; the message says why."""

    def __init__(self, context: AppContext, parent: Any = None) -> None:
        super().__init__(parent)
        self._context = context
        self._query = ContactQuery()
        self._generation = 0
        self._superseded = threading.Event()
        """Set when the query changes: its reads not yet started return at once."""
        self._count: int | None = None
        self._shown = 0
        """Rows the view has been told of: the count, or the first block while it is counted."""
        self._blocks: OrderedDict[int, list[ContactRow]] = OrderedDict()
        self._wanted: list[int] = []
        self._reading: set[int] = set()
        self.blocks_read = 0
        """Blocks read from SQL since the model was made (all queries)."""
        self.rows_read = 0
        """Rows read from SQL since the model was made (all queries)."""

    # -- the query ------------------------------------------------------------------------

    @property
    def query(self) -> ContactQuery:
        return self._query

    @property
    def count(self) -> int | None:
        """The number of rows of the query, or None while it is being counted."""
        return self._count

    def set_query(self, query: ContactQuery) -> None:
        """Show ``query``'s contacts: drop the rows held, count again, read as the view asks.

        The first block is read at once, beside the count: its rows show as soon as they
        arrive (a search's count may take a full scan; its first page rarely does)."""
        self.beginResetModel()
        self._query = query
        self._generation += 1
        self._superseded.set()  # reads of the old query still waiting for a worker: skipped
        self._superseded = threading.Event()
        self._count = None
        self._shown = 0
        self._blocks.clear()
        self._wanted.clear()
        self._reading.clear()
        self.endResetModel()
        generation, superseded = self._generation, self._superseded
        workspace = self._context.workspace
        self._context.background.submit_latest(
            f"contacts-count-{id(self)}",
            lambda: None if superseded.is_set() else count_contacts(workspace, query),
            lambda count: self._counted(generation, count),
            self._failed,
        )
        self._want(0)

    def refresh(self) -> None:
        """Read the current query again (after an import, say)."""
        self.set_query(self._query)

    def set_search(self, text: str) -> None:
        if text.strip() != self._query.search.strip():
            self.set_query(ContactQuery(text.strip(), self._query.sort, self._query.descending))

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Sort by a column (in SQL); a column outside the table is the order contacts were
        added in."""
        key = COLUMNS[column].key if 0 <= column < len(COLUMNS) else None
        descending = order == Qt.SortOrder.DescendingOrder and key is not None
        if (key, descending) != (self._query.sort, self._query.descending):
            self.set_query(ContactQuery(self._query.search, key, descending))

    # -- rows -----------------------------------------------------------------------------

    def row_at(self, row: int) -> ContactRow | None:
        """The contact at ``row`` if its block has been read (it is not asked for)."""
        block = self._blocks.get(row // BLOCK)
        if block is None or row % BLOCK >= len(block):
            return None
        return block[row % BLOCK]

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008 (Qt's signature)
        return 0 if parent.isValid() else self._shown

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section].title
        if orientation == Qt.Orientation.Vertical and role == Qt.ItemDataRole.DisplayRole:
            return f"{section + 1:,}"
        return None

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        if role not in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ForegroundRole):
            return None
        contact = self.row_at(index.row())
        if contact is None:
            if role == Qt.ItemDataRole.ForegroundRole:
                return QColor("#a0a7b0")
            self._want(index.row() // BLOCK)
            return PLACEHOLDER if index.column() == 0 else None
        if role == Qt.ItemDataRole.ForegroundRole:
            return None
        value = contact.value(COLUMNS[index.column()].key)
        if value is None:
            return ""
        if COLUMNS[index.column()].key == "created_at":
            return f"{value:%Y-%m-%d}"
        return str(value)

    def view_shows(self, first: int, last: int) -> None:
        """The view now shows rows ``first`` … ``last``: forget wishes for blocks away from
        them (a drag across the list leaves none behind to read)."""
        low, high = first // BLOCK - 1, last // BLOCK + 1
        self._wanted = [block for block in self._wanted if low <= block <= high]

    # -- reading blocks -------------------------------------------------------------------

    def _want(self, block: int) -> None:
        if block in self._blocks:
            self._blocks.move_to_end(block)
            return
        if block in self._reading:
            return
        if block in self._wanted:
            self._wanted.remove(block)
        self._wanted.append(block)
        del self._wanted[:-WANTED_KEPT]
        self._read_next()

    def _read_next(self) -> None:
        while self._wanted and len(self._reading) < IN_FLIGHT:
            block = self._wanted.pop()
            self._reading.add(block)
            self._read(block)

    def _read(self, block: int) -> None:
        workspace, query, generation = self._context.workspace, self._query, self._generation
        previous = self._blocks.get(block - 1)
        after = previous[-1].sort_key if previous and len(previous) == BLOCK else None
        total, superseded = self._count, self._superseded

        def work() -> list[ContactRow]:
            if superseded.is_set():  # the workers are shared: do not spend them on old pages
                return []
            return contact_page(workspace, query, block * BLOCK, BLOCK, after=after, total=total)

        self._context.background.submit(
            work,
            lambda rows: self._arrived(generation, block, rows),
            lambda error: self._read_failed(generation, block, error),
        )

    def _arrived(self, generation: int, block: int, rows: list[ContactRow]) -> None:
        if generation != self._generation:
            return
        self._reading.discard(block)
        self.blocks_read += 1
        self.rows_read += len(rows)
        self._blocks[block] = rows
        while len(self._blocks) > CACHED_BLOCKS:
            self._blocks.popitem(last=False)
        if block == 0 and self._count is None and len(rows) > self._shown:
            self._grow(len(rows))  # shown before the count arrives
        first = block * BLOCK
        last = min(first + len(rows), self._shown) - 1
        if last >= first:
            self.dataChanged.emit(self.index(first, 0), self.index(last, len(COLUMNS) - 1))
        self._read_next()

    def _read_failed(self, generation: int, block: int, error: BaseException) -> None:
        if generation == self._generation:
            self._reading.discard(block)
            self._failed(error)

    def _counted(self, generation: int, count: int | None) -> None:
        if generation != self._generation or count is None:
            return
        self._count = count
        if count > self._shown:
            self._grow(count)
        elif count < self._shown:  # contacts went away between the two reads
            self.beginRemoveRows(QModelIndex(), count, self._shown - 1)
            self._shown = count
            self.endRemoveRows()
        self.count_changed.emit(count)

    def _grow(self, rows: int) -> None:
        self.beginInsertRows(QModelIndex(), self._shown, rows - 1)
        self._shown = rows
        self.endInsertRows()

    def _failed(self, error: BaseException) -> None:
        self.failed.emit(f"The contacts could not be read: {error}")
