"""Events from a CSV file: the columns, the checks of one row, the insert of a batch.

Rules (DESIGN §2), kept here:

- **Columns**: ``email`` (names the contact), ``type`` and ``occurred_at`` are required;
  ``message_id`` is optional; ``id`` is ignored; every other column is a property, typed per
  column like contact attributes (inferred or declared in the header; there is no catalogue
  of properties) and left out of ``properties`` where the cell is empty.
- **Contacts**: an email that no contact has is a row error (“unknown contact …”); events never
  create contacts.
- ``message_id`` is stored in its column and, as for the engine's own interaction events, in
  ``properties`` too.
- Events are appended: importing the same file twice records its events twice.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from sqlalchemy import Connection, insert

from app.store.contacts import contact_ids_by_email
from app.store.csv_rows import BatchResult, PendingRow, RowError
from app.store.csv_values import ColumnType, parse_datetime, parse_email
from app.store.schema import events

REQUIRED = ("email", "type", "occurred_at")
MAX_TYPE_LENGTH = 100
MAX_MESSAGE_ID_LENGTH = 64


class EventRows:
    """The event side of the importer (a :class:`~app.store.csv_rows.RowTarget`)."""

    builtins = frozenset({*REQUIRED, "message_id"})
    ignored = frozenset({"id"})

    def missing(self, fields: Mapping[str, int]) -> str | None:
        absent = [name for name in REQUIRED if name not in fields]
        if not absent:
            return None
        names = ", ".join(repr(name) for name in absent)
        return f"missing required column{'s' if len(absent) > 1 else ''} {names}"

    def parse(
        self, cells: Sequence[str], fields: Mapping[str, int]
    ) -> tuple[dict[str, object], list[str]]:
        errors: list[str] = []
        email = cells[fields["email"]]
        kind = cells[fields["type"]]
        occurred_at = cells[fields["occurred_at"]]
        message_id = cells[fields["message_id"]] if "message_id" in fields else ""
        values: dict[str, object] = {"email": None, "type": kind, "occurred_at": None}
        if not email:
            errors.append("no email")
        else:
            try:
                values["email"] = parse_email(email)
            except ValueError as error:
                errors.append(str(error))
        if not kind:
            errors.append("no event type")
        elif len(kind) > MAX_TYPE_LENGTH:
            errors.append(f"type is longer than {MAX_TYPE_LENGTH} characters")
        if not occurred_at:
            errors.append("no occurred_at")
        else:
            try:
                values["occurred_at"] = parse_datetime(occurred_at)
            except ValueError as error:
                errors.append(f"occurred_at: {error}")
        if len(message_id) > MAX_MESSAGE_ID_LENGTH:
            errors.append(f"message_id is longer than {MAX_MESSAGE_ID_LENGTH} characters")
        values["message_id"] = message_id or None
        return values, errors

    def claim(self, values: Mapping[str, object], line: int) -> str | None:
        return None

    def prepare(self, connection: Connection, types: Mapping[str, ColumnType | None]) -> None:
        return None

    def write(self, connection: Connection, batch: Sequence[PendingRow]) -> BatchResult:
        contact_ids = contact_ids_by_email(connection, {str(row.values["email"]) for row in batch})
        result = BatchResult()
        rows: list[dict[str, object]] = []
        for row in batch:
            email = str(row.values["email"])
            contact_id = contact_ids.get(email)
            if contact_id is None:
                result.rejected.append(RowError(row.line, f"unknown contact {email!r}"))
                continue
            message_id = row.values["message_id"]
            properties: dict[str, object] = dict(row.custom)
            if message_id is not None:
                properties["message_id"] = message_id
            rows.append(
                {
                    "contact_id": contact_id,
                    "type": row.values["type"],
                    "occurred_at": row.values["occurred_at"],
                    "properties": properties,
                    "message_id": message_id,
                }
            )
        if rows:
            connection.execute(insert(events), rows)
        result.inserted = len(rows)
        return result
