"""Contacts from a CSV file: the columns, the checks of one row, the upsert of a batch.

Rules (DESIGN §2), kept here:

- **Columns**: the built-in fields (``external_id``, ``kind``, ``email``, ``phone``,
  ``first_name`` … ``created_at``); ``id`` and ``updated_at`` are set by the workspace and
  ignored; every other column is a custom attribute. The header needs ``email`` or
  ``external_id``.
- **Identity**: a row is keyed by its ``external_id`` cell when that is non-empty, else by its
  email (trimmed, lower-cased); a row with neither is rejected. An ``external_id`` not yet in the
  workspace whose email belongs to a contact without one links that contact; an email that
  belongs to another contact rejects the row (nothing is overwritten silently).
- **Duplicates**: the first valid row with an email or external_id wins; a later row repeating
  it is rejected (“duplicate email … (first on line 3)”), as is a later row that reaches a
  contact this import already updated. Nothing in the file is silently dropped.
- **Updates**: the file is the truth for the columns it has: an empty cell clears that field
  or attribute, except ``email``, ``external_id``, ``kind`` and ``created_at``, which an empty
  cell leaves as they are (new contacts get kind ``contact`` and ``created_at`` now). Columns
  the file does not have are left untouched. An empty opt-in cell is unknown (NULL), which the
  product reads as no consent.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, String

from app.domain.base import is_timezone
from app.domain.conditions import CONTACT_FIELDS
from app.store.contacts import (
    CatalogueConflict,
    ExistingContact,
    catalogue_attributes,
    find_contacts,
    insert_contacts,
    update_contacts,
)
from app.store.csv_rows import BatchResult, PendingRow, RowError
from app.store.csv_source import ImportRefused
from app.store.csv_values import ColumnType, parse_boolean, parse_datetime, parse_email
from app.store.schema import CONTACT_KINDS, contacts

KEPT_WHEN_EMPTY = ("email", "external_id", "kind", "created_at")
"""Fields an empty cell does not clear on update."""


def _parse_kind(text: str) -> str:
    kind = text.lower()
    if kind not in CONTACT_KINDS:
        raise ValueError(f"unknown kind {text!r} ({' or '.join(CONTACT_KINDS)})")
    return kind


def _parse_timezone(text: str) -> str:
    if not is_timezone(text):
        raise ValueError(f"unknown IANA timezone {text!r} (e.g. Europe/Berlin, UTC)")
    return text


def _text(field: str) -> Callable[[str], object]:
    column_type = contacts.c[field].type
    limit = column_type.length if isinstance(column_type, String) else None

    def parse(text: str) -> object:
        if limit is not None and len(text) > limit:
            raise ValueError(f"{field} is longer than {limit} characters")
        return text

    return parse


def _labelled(field: str, parse: Callable[[str], object]) -> Callable[[str], object]:
    def parse_field(text: str) -> object:
        try:
            return parse(text)
        except ValueError as error:
            raise ValueError(f"{field}: {error}") from None

    return parse_field


def _field_parsers() -> dict[str, Callable[[str], object]]:
    parsers: dict[str, Callable[[str], object]] = {}
    for field, kind in CONTACT_FIELDS.items():
        if field == "updated_at":
            continue
        if kind == "boolean":
            parsers[field] = _labelled(field, parse_boolean)
        elif kind == "datetime":
            parsers[field] = _labelled(field, parse_datetime)
        else:
            parsers[field] = _text(field)
    parsers.update(email=parse_email, kind=_parse_kind, timezone=_parse_timezone)
    return parsers


_PARSERS = _field_parsers()
"""How each importable built-in field is read from its (trimmed, non-empty) cell."""


class ContactRows:
    """The contact side of the importer (a :class:`~app.store.csv_rows.RowTarget`)."""

    builtins = frozenset(_PARSERS)
    ignored = frozenset({"id", "updated_at"})

    def __init__(self) -> None:
        self._emails: dict[str, int] = {}
        self._external_ids: dict[str, int] = {}
        self._updated: dict[int, int] = {}
        self._has_custom = False

    def missing(self, fields: Mapping[str, int]) -> str | None:
        if "email" in fields or "external_id" in fields:
            return None
        return "missing required column 'email' (or 'external_id')"

    def parse(
        self, cells: Sequence[str], fields: Mapping[str, int]
    ) -> tuple[dict[str, object], list[str]]:
        values: dict[str, object] = {}
        errors: list[str] = []
        for field, index in fields.items():
            text = cells[index]
            if not text:
                values[field] = None
                continue
            try:
                values[field] = _PARSERS[field](text)
            except ValueError as error:
                values[field] = None
                errors.append(str(error))
        if not values.get("email") and not values.get("external_id") and not errors:
            errors.append("no email or external_id")
        return values, errors

    def claim(self, values: Mapping[str, object], line: int) -> str | None:
        external_id, email = values.get("external_id"), values.get("email")
        if isinstance(external_id, str) and external_id in self._external_ids:
            first = self._external_ids[external_id]
            return f"duplicate external_id {external_id!r} (first on line {first})"
        if isinstance(email, str) and email in self._emails:
            return f"duplicate email {email!r} (first on line {self._emails[email]})"
        if isinstance(external_id, str):
            self._external_ids[external_id] = line
        if isinstance(email, str):
            self._emails[email] = line
        return None

    def prepare(self, connection: Connection, types: Mapping[str, ColumnType | None]) -> None:
        self._has_custom = bool(types)
        try:
            catalogue_attributes(connection, {k: t for k, t in types.items() if t is not None})
        except CatalogueConflict as conflict:
            raise ImportRefused(
                f"the attribute catalogue changed during the import ({conflict}); "
                "nothing was imported, run the import again"
            ) from None

    def write(self, connection: Connection, batch: Sequence[PendingRow]) -> BatchResult:
        by_external_id, by_email = find_contacts(
            connection,
            external_ids=[
                str(r.values["external_id"]) for r in batch if r.values.get("external_id")
            ],
            emails=[str(r.values["email"]) for r in batch if r.values.get("email")],
        )
        now = datetime.now(UTC)
        result = BatchResult()
        inserts: list[dict[str, object]] = []
        updates: list[dict[str, object]] = []
        for row in batch:
            existing, problem = _match(row.values, by_external_id, by_email)
            if existing is not None and existing.id in self._updated:
                problem = f"the same contact as line {self._updated[existing.id]}"
            if problem is not None:
                result.rejected.append(RowError(row.line, problem))
            elif existing is None:
                inserts.append(self._new(row, now))
            else:
                self._updated[existing.id] = row.line
                updates.append(self._changed(row, existing, now))
        insert_contacts(connection, inserts)
        update_contacts(connection, updates)
        result.inserted, result.updated = len(inserts), len(updates)
        return result

    def _new(self, row: PendingRow, now: datetime) -> dict[str, object]:
        values = dict(row.values)
        values["kind"] = values.get("kind") or "contact"
        values["created_at"] = values.get("created_at") or now
        values["updated_at"] = now
        values["attributes"] = dict(row.custom)
        return values

    def _changed(
        self, row: PendingRow, existing: ExistingContact, now: datetime
    ) -> dict[str, object]:
        values: dict[str, object] = {"id": existing.id, **row.values}
        for field in KEPT_WHEN_EMPTY:
            if field in values and values[field] is None:
                values[field] = getattr(existing, field)
        values["updated_at"] = now
        if self._has_custom:
            attributes: dict[str, Any] = {
                key: value for key, value in existing.attributes.items() if key not in row.cleared
            }
            attributes.update(row.custom)
            values["attributes"] = attributes
        return values


def _match(
    values: Mapping[str, object],
    by_external_id: Mapping[str, ExistingContact],
    by_email: Mapping[str, ExistingContact],
) -> tuple[ExistingContact | None, str | None]:
    """The contact a row updates (None: a new one), or why the row cannot be written."""
    external_id, email = values.get("external_id"), values.get("email")
    holder = by_email.get(email) if isinstance(email, str) else None
    if not isinstance(external_id, str):
        return holder, None
    existing = by_external_id.get(external_id)
    if existing is None:
        if holder is None or holder.external_id is None:
            return holder, None
        return (
            None,
            f"email {email!r} belongs to the contact with external_id {holder.external_id!r}",
        )
    if holder is not None and holder.id != existing.id:
        owner = f"external_id {holder.external_id!r}" if holder.external_id else "no external_id"
        return None, f"email {email!r} belongs to another contact (with {owner})"
    return existing, None
