"""Importing contacts and events from CSV (DESIGN §2): two passes over the file, one transaction.

The file is streamed twice and never held in memory:

1. **Check** (no writes): every record is parsed; bad ones are collected with their line number
   and reason (one entry per record, its reasons joined by ``; ``); the type of each custom
   column is inferred from the non-empty cells of the valid records. A column whose key is in
   the attribute catalogue keeps the catalogued type: its cells that do not parse as that type
   are row errors (the workspace's type wins, so existing comparisons keep their meaning).
   With ``strict``, any bad record ends the import here.
2. **Write**: inside one ``workspace.writer()`` transaction the valid records are written in
   batches of set-based statements. Records only the database can judge (an unknown contact, an
   email that belongs to another contact) are rejected here; with ``strict`` the transaction is
   rolled back and nothing is written.

A **column mapping** (the import wizard's) may replace the file's header: one name per column of
the file, read as if the header said it (a built-in field, or a custom key), or ``None`` to skip
that column; the file's own header row is still line 1 and is not imported. A mapping of
another length than the header, or one naming the same field twice, is refused before anything
is written.

Blank lines (and rows of empty cells) are skipped and not counted. ``progress`` is called every
:data:`PROGRESS_EVERY` records of each pass and at the end of each; ``cancelled`` is asked as
often, and when it answers True, :class:`ImportCancelled` is raised and nothing is written.
A file that cannot be read at all raises :class:`ImportRefused` before anything is written; so
does a file that changed between the passes (the write transaction is rolled back). The
workspace's one writer is held for the whole write pass.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import BinaryIO, Literal

from sqlalchemy import Connection

from app.store.contacts import read_catalogue
from app.store.csv_contacts import ContactRows
from app.store.csv_events import EventRows
from app.store.csv_rows import (
    Columns,
    CustomColumn,
    PendingRow,
    RowError,
    RowTarget,
    normalise_name,
    read_columns,
)
from app.store.csv_source import CsvSource, ImportRefused
from app.store.csv_values import ColumnType, TypeInference, parse_typed
from app.store.workspace import Workspace

__all__ = [
    "ImportCancelled",
    "ImportProgress",
    "ImportRefused",
    "ImportReport",
    "RowError",
    "import_contacts",
    "import_events",
]

BATCH_SIZE = 10_000
PROGRESS_EVERY = 1_000


class ImportCancelled(Exception):
    """The import was cancelled; nothing was written."""


@dataclass(frozen=True)
class ImportProgress:
    """How far an import is: ``rows_total`` is known once the check pass has counted them."""

    phase: Literal["checking", "writing"]
    rows_done: int
    rows_total: int | None


@dataclass(frozen=True)
class ImportReport:
    imported: int
    """New contacts, or events."""
    updated: int
    """Existing contacts updated (0 for events)."""
    rejected: tuple[RowError, ...]
    """Bad rows in line order; with ``strict`` and any of them, nothing was imported."""
    column_types: dict[str, ColumnType] = field(default_factory=dict)
    """The type of each custom column: catalogued, declared in the header, or inferred."""
    ignored_columns: tuple[str, ...] = ()

    def to_json(self) -> dict[str, object]:
        """The ``--json`` document: exactly imported, updated and rejected."""
        return {
            "imported": self.imported,
            "updated": self.updated,
            "rejected": [row.to_json() for row in self.rejected],
        }


Progress = Callable[[ImportProgress], None]
Cancelled = Callable[[], bool]
ColumnMapping = Sequence[str | None]
"""Per column of the file, the name to read it under (a field or custom key), or None: skip."""


def import_contacts(
    workspace: Workspace,
    source: BinaryIO,
    *,
    strict: bool = False,
    progress: Progress | None = None,
    cancelled: Cancelled | None = None,
    batch_size: int = BATCH_SIZE,
    mapping: ColumnMapping | None = None,
) -> ImportReport:
    """Upsert contacts from a seekable binary CSV stream (rules: :mod:`app.store.csv_contacts`)."""
    with workspace.reader() as connection:
        catalogue = read_catalogue(connection)
    importer = _Importer(ContactRows(), strict, progress, cancelled, batch_size, mapping)
    return importer.run(workspace, CsvSource(source), catalogue)


def import_events(
    workspace: Workspace,
    source: BinaryIO,
    *,
    strict: bool = False,
    progress: Progress | None = None,
    cancelled: Cancelled | None = None,
    batch_size: int = BATCH_SIZE,
    mapping: ColumnMapping | None = None,
) -> ImportReport:
    """Append events from a seekable binary CSV stream (rules: :mod:`app.store.csv_events`)."""
    importer = _Importer(EventRows(), strict, progress, cancelled, batch_size, mapping)
    return importer.run(workspace, CsvSource(source), {})


class _StrictRollback(Exception):
    def __init__(self, rejected: list[RowError]) -> None:
        super().__init__("rows rejected in strict mode")
        self.rejected = rejected


@dataclass
class _Importer:
    target: RowTarget
    strict: bool
    progress: Progress | None
    cancelled: Cancelled | None
    batch_size: int
    mapping: ColumnMapping | None = None

    def run(
        self, workspace: Workspace, source: CsvSource, catalogue: Mapping[str, ColumnType]
    ) -> ImportReport:
        if self.mapping is None:
            columns = read_columns(source.header(), self.target, catalogue)
        else:
            columns = _mapped_columns(source.header(), self.mapping, self.target, catalogue)
        rejected, types, rows, valid = self._check(source, columns)
        report_types = {key: kind for key, kind in types.items() if kind is not None}
        if valid == 0 or (self.strict and rejected):
            return ImportReport(0, 0, _in_order(rejected), report_types, columns.ignored)
        try:
            with workspace.writer() as connection:
                self.target.prepare(connection, types)
                imported, updated, refused = self._write(
                    connection, source, columns, types, rejected, rows
                )
                if self.strict and refused:
                    raise _StrictRollback(refused)
        except _StrictRollback as rollback:
            return ImportReport(
                0, 0, _in_order(rejected, rollback.rejected), report_types, columns.ignored
            )
        return ImportReport(
            imported, updated, _in_order(rejected, refused), report_types, columns.ignored
        )

    def _check(
        self, source: CsvSource, columns: Columns
    ) -> tuple[dict[int, str], dict[str, ColumnType | None], int, int]:
        """Pass 1: the bad lines and why, each custom key's type, rows seen, rows valid."""
        fixed = {column.key: column.fixed for column in columns.custom if column.fixed}
        inferred = {c.key: TypeInference() for c in columns.custom if c.fixed is None}
        rejected: dict[int, str] = {}
        valid = 0
        rows = 0
        for rows, (line, pending, errors, free) in enumerate(self._rows(source, columns, fixed), 1):
            self._tick("checking", rows, None)
            if pending is not None and not errors:
                duplicate = self.target.claim(pending.values, line)
                if duplicate is not None:
                    errors.append(duplicate)
            if errors:
                rejected[line] = "; ".join(errors)
                continue
            valid += 1
            for key, text in free:
                inferred[key].add(text)
        self._tick("checking", rows, None, force=True)
        types: dict[str, ColumnType | None] = {key: t.type for key, t in inferred.items()}
        types.update(fixed)
        return rejected, types, rows, valid

    def _write(
        self,
        connection: Connection,
        source: CsvSource,
        columns: Columns,
        types: Mapping[str, ColumnType | None],
        rejected: Mapping[int, str],
        total: int,
    ) -> tuple[int, int, list[RowError]]:
        """Pass 2: write the valid rows in batches; the rows the database refused."""
        imported = updated = done = 0
        refused: list[RowError] = []
        batch: list[PendingRow] = []

        def flush() -> None:
            nonlocal imported, updated
            result = self.target.write(connection, batch)
            imported += result.inserted
            updated += result.updated
            refused.extend(result.rejected)
            batch.clear()

        for done, (line, pending, errors, free) in enumerate(self._rows(source, columns, types), 1):
            self._tick("writing", done, total)
            if line in rejected:
                continue
            if pending is None or errors or free:
                raise ImportRefused("the file changed while it was being imported")
            batch.append(pending)
            if len(batch) >= self.batch_size:
                flush()
        if done != total:
            raise ImportRefused("the file changed while it was being imported")
        if batch:
            flush()
        self._tick("writing", done, total, force=True)
        return imported, updated, refused

    def _rows(
        self, source: CsvSource, columns: Columns, types: Mapping[str, ColumnType | None]
    ) -> Iterator[tuple[int, PendingRow | None, list[str], list[tuple[str, str]]]]:
        """Every non-blank record: line, the row, its errors, and custom cells left untyped."""
        custom = [(column, types.get(column.key)) for column in columns.custom]
        for line, raw in source.records():
            if isinstance(raw, str):
                yield line, None, [raw], []
                continue
            cells = [cell.strip() for cell in raw]
            if not any(cells):
                continue
            if len(cells) != columns.width:
                count = f"{len(cells)} cells where the header has {columns.width} columns"
                yield line, None, [f"wrong column count: {count}"], []
                continue
            values, errors = self.target.parse(cells, columns.fields)
            pending = PendingRow(line, values)
            free: list[tuple[str, str]] = []
            cleared: list[str] = []
            for column, column_type in custom:
                text = cells[column.index]
                if not text:
                    cleared.append(column.key)
                elif column_type is None:
                    free.append((column.key, text))
                else:
                    try:
                        pending.custom[column.key] = parse_typed(column_type, text)
                    except ValueError as error:
                        errors.append(_custom_problem(column, error))
            pending.cleared = tuple(cleared)
            yield line, pending, errors, free

    def _tick(
        self,
        phase: Literal["checking", "writing"],
        done: int,
        total: int | None,
        force: bool = False,
    ) -> None:
        if done % PROGRESS_EVERY and not force:
            return
        if self.cancelled is not None and self.cancelled():
            raise ImportCancelled("the import was cancelled; nothing was imported")
        if self.progress is not None:
            self.progress(ImportProgress(phase, done, total))


def _mapped_columns(
    header: Sequence[str],
    mapping: ColumnMapping,
    target: RowTarget,
    catalogue: Mapping[str, ColumnType],
) -> Columns:
    """The file's columns read under ``mapping``'s names, skipped ones left out (ignored)."""
    if len(mapping) != len(header):
        raise ImportRefused(
            f"the column mapping has {len(mapping)} entries but the file's header has "
            f"{len(header)} columns; choose the mapping again for this file"
        )
    kept = [index for index, name in enumerate(mapping) if name is not None]
    names = [(mapping[index] or "").strip() for index in kept]
    for index, name in zip(kept, names, strict=True):
        if not name:
            raise ImportRefused(f"column {index + 1} ({header[index]!r}) is mapped to no name")
    seen: dict[str, int] = {}
    for index, name in zip(kept, names, strict=True):
        same = normalise_name(name) if normalise_name(name) in target.builtins else name
        if same in seen:
            raise ImportRefused(
                f"columns {seen[same] + 1} ({header[seen[same]]!r}) and {index + 1} "
                f"({header[index]!r}) are both mapped to {name!r}"
            )
        seen[same] = index
    read = read_columns(names, target, catalogue)
    place = dict(enumerate(kept))
    skipped = tuple(header[index] for index, name in enumerate(mapping) if name is None)
    return Columns(
        width=len(header),
        fields={field: place[index] for field, index in read.fields.items()},
        custom=tuple(replace(column, index=place[column.index]) for column in read.custom),
        ignored=read.ignored + skipped,
    )


def _custom_problem(column: CustomColumn, error: ValueError) -> str:
    if column.catalogued:
        return f"{column.key}: {error} (catalogued as {column.fixed} in this workspace)"
    return f"{column.key}: {error} (declared {column.fixed} in the header)"


def _in_order(rejected: Mapping[int, str], more: Sequence[RowError] = ()) -> tuple[RowError, ...]:
    rows = [RowError(line, reason) for line, reason in rejected.items()]
    return tuple(sorted([*rows, *more], key=lambda row: row.line))
