"""What a CSV header and its records become: columns, pending rows, row errors, targets.

Shared by the contact and event importers (``csv_contacts``, ``csv_events``) and the importer
that drives them (``csv_import``). It owns the header rules:

- a built-in column is matched without regard to case, surrounding spaces, or ``-``/space
  instead of ``_`` (``First Name`` is ``first_name``); ``id`` (and other columns the store
  sets itself) is ignored;
- every other column is custom (an attribute or a property) under its trimmed name; the name
  may end in ``:integer``, ``:decimal``, ``:boolean``, ``:datetime`` or ``:text`` to declare its
  type instead of letting it be inferred (export writes this only where inference would guess
  differently, so that export → import keeps types); a key already in the attribute
  catalogue keeps its catalogued type whatever the header says;
- a blank or repeated column name, or a custom key longer than 100 characters, refuses the file.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from sqlalchemy import Connection

from app.store.csv_source import ImportRefused
from app.store.csv_values import COLUMN_TYPES, ColumnType, TypedValue

MAX_KEY_LENGTH = 100


@dataclass(frozen=True)
class RowError:
    """A rejected record: its line in the file (the header is line 1) and why."""

    line: int
    reason: str

    def to_json(self) -> dict[str, object]:
        return {"line": self.line, "reason": self.reason}


@dataclass(frozen=True)
class CustomColumn:
    index: int
    key: str
    fixed: ColumnType | None
    """The type the cells must have (catalogued, or declared in the header); None: inferred."""
    catalogued: bool = False


@dataclass(frozen=True)
class Columns:
    """The header read against a target: where each built-in field and custom key is."""

    width: int
    fields: dict[str, int]
    custom: tuple[CustomColumn, ...]
    ignored: tuple[str, ...]


@dataclass
class PendingRow:
    """A valid record on its way to the database."""

    line: int
    values: dict[str, object]
    """Built-in fields present in the file; None where the cell was empty."""
    custom: dict[str, TypedValue] = field(default_factory=dict)
    cleared: tuple[str, ...] = ()
    """Custom keys whose cells were empty."""


@dataclass
class BatchResult:
    inserted: int = 0
    updated: int = 0
    rejected: list[RowError] = field(default_factory=list)


class RowTarget(Protocol):
    """What one kind of import (contacts, events) adds to the shared two-pass importer."""

    builtins: frozenset[str]
    ignored: frozenset[str]

    def missing(self, fields: Mapping[str, int]) -> str | None:
        """Why the header lacks a required column, or None."""
        ...

    def parse(
        self, cells: Sequence[str], fields: Mapping[str, int]
    ) -> tuple[dict[str, object], list[str]]:
        """The built-in values of a record (its cells trimmed), and why it is bad (if it is)."""
        ...

    def claim(self, values: Mapping[str, object], line: int) -> str | None:
        """First pass: note a valid record's identity; the reason if another line has it."""
        ...

    def prepare(self, connection: Connection, types: Mapping[str, ColumnType | None]) -> None:
        """Second pass, inside the transaction, before the first batch."""
        ...

    def write(self, connection: Connection, batch: Sequence[PendingRow]) -> BatchResult:
        """Write one batch; rows the database refuses (unknown contact, …) come back rejected."""
        ...


def normalise_name(name: str) -> str:
    return name.strip().lower().replace(" ", "_").replace("-", "_")


def read_columns(
    header: Sequence[str], target: RowTarget, catalogue: Mapping[str, ColumnType]
) -> Columns:
    """Map a header onto ``target``'s fields and custom keys; :class:`ImportRefused` if unusable."""
    fields: dict[str, int] = {}
    custom: list[CustomColumn] = []
    ignored: list[str] = []
    seen: dict[tuple[bool, str], int] = {}
    reserved = target.builtins | target.ignored
    for index, name in enumerate(header):
        if not name:
            raise ImportRefused(f"column {index + 1} of the header has no name")
        builtin = normalise_name(name)
        key, declared = (builtin, None) if builtin in reserved else declared_type(name)
        identity = (builtin in reserved, key)  # a custom key may share a built-in's name
        if identity in seen:
            raise ImportRefused(
                f"column {key!r} appears twice in the header "
                f"(columns {seen[identity] + 1} and {index + 1})"
            )
        seen[identity] = index
        if builtin in target.ignored:
            ignored.append(name)
        elif builtin in target.builtins:
            fields[builtin] = index
        else:
            if len(key) > MAX_KEY_LENGTH:
                raise ImportRefused(f"column name {key[:40]!r}… is longer than {MAX_KEY_LENGTH}")
            known = catalogue.get(key)
            custom.append(CustomColumn(index, key, known or declared, known is not None))
    problem = target.missing(fields)
    if problem is not None:
        raise ImportRefused(problem + _separator_hint(header))
    return Columns(len(header), fields, tuple(custom), tuple(ignored))


def declared_type(name: str) -> tuple[str, ColumnType | None]:
    """``("zip", "text")`` for ``"zip:text"``; ``(name, None)`` when no type is declared."""
    key, colon, suffix = name.rpartition(":")
    suffix = suffix.strip().lower()
    if colon and key.strip():
        for column_type in COLUMN_TYPES:
            if suffix == column_type:
                return key.strip(), column_type
    return name, None


def _separator_hint(header: Sequence[str]) -> str:
    found = ", ".join(repr(name) for name in header[:8]) + (", …" if len(header) > 8 else "")
    hint = f"; the header has {found}"
    if len(header) == 1:
        for separator, label in ((";", "semicolons"), ("\t", "tabs"), ("|", "bars")):
            if separator in header[0]:
                hint += f" (it looks separated by {label}; columns must be separated by commas)"
                break
    return hint
