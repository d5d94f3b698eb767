"""Contacts in the store: finding them by identity, writing many at once, the attribute catalogue.

The rules every bulk write of contacts keeps (the CSV import now; the app later):

- ``email`` is stored trimmed and lower-cased, so lookups compare it exactly; ``email`` and
  ``external_id`` are each unique;
- writes are set-based: one executemany ``INSERT`` and one executemany ``UPDATE`` per batch,
  through SQLAlchemy Core, without per-row objects; the same statements run on SQLite and
  PostgreSQL;
- a key's type in the attribute catalogue, once set, does not change here.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Connection, bindparam, insert, select, update
from sqlalchemy.sql.elements import ColumnElement

from app.store.csv_values import ColumnType
from app.store.schema import attribute_catalogue, contacts

LOOKUP_CHUNK = 5_000
"""Values per ``IN (…)`` lookup: well under SQLite's and PostgreSQL's parameter limits."""


@dataclass(frozen=True)
class ExistingContact:
    """What a bulk upsert needs to know of a contact already in the workspace."""

    id: int
    external_id: str | None
    email: str | None
    kind: str
    created_at: datetime
    attributes: dict[str, Any]


class CatalogueConflict(Exception):
    """An attribute is catalogued with another type than the one being written."""


def find_contacts(
    connection: Connection, *, external_ids: Collection[str] = (), emails: Collection[str] = ()
) -> tuple[dict[str, ExistingContact], dict[str, ExistingContact]]:
    """Contacts having any of ``external_ids`` or ``emails`` (lower-cased): by each key."""
    by_external_id: dict[str, ExistingContact] = {}
    by_email: dict[str, ExistingContact] = {}
    for column, values in ((contacts.c.external_id, external_ids), (contacts.c.email, emails)):
        for found in _lookup(connection, column, values):
            if found.external_id is not None:
                by_external_id[found.external_id] = found
            if found.email is not None:
                by_email[found.email] = found
    return by_external_id, by_email


def _lookup(
    connection: Connection, column: ColumnElement[Any], values: Collection[str]
) -> Iterator[ExistingContact]:
    wanted = list(values)
    query = select(
        contacts.c.id,
        contacts.c.external_id,
        contacts.c.email,
        contacts.c.kind,
        contacts.c.created_at,
        contacts.c.attributes,
    )
    for start in range(0, len(wanted), LOOKUP_CHUNK):
        chunk = wanted[start : start + LOOKUP_CHUNK]
        for row in connection.execute(query.where(column.in_(chunk))):
            yield ExistingContact(
                row.id, row.external_id, row.email, row.kind, row.created_at, row.attributes or {}
            )


def contact_ids_by_email(connection: Connection, emails: Collection[str]) -> dict[str, int]:
    """The id of each contact whose (lower-cased) email is in ``emails``."""
    wanted = list(emails)
    found: dict[str, int] = {}
    for start in range(0, len(wanted), LOOKUP_CHUNK):
        query = select(contacts.c.email, contacts.c.id).where(
            contacts.c.email.in_(wanted[start : start + LOOKUP_CHUNK])
        )
        found.update({row.email: row.id for row in connection.execute(query)})
    return found


def insert_contacts(connection: Connection, rows: Sequence[Mapping[str, object]]) -> None:
    """Insert contacts; every row has the same keys (column names)."""
    if rows:
        connection.execute(insert(contacts), list(rows))


def update_contacts(connection: Connection, rows: Sequence[Mapping[str, object]]) -> None:
    """Update contacts by ``id``; every row has ``id`` and the same other keys (column names)."""
    if not rows:
        return
    keys = [key for key in rows[0] if key != "id"]
    statement = (
        update(contacts)
        .where(contacts.c.id == bindparam("b_id"))
        .values({key: bindparam(f"b_{key}", type_=contacts.c[key].type) for key in keys})
    )
    connection.execute(statement, [{f"b_{key}": row[key] for key in row} for row in rows])


def read_catalogue(connection: Connection) -> dict[str, ColumnType]:
    """Every catalogued attribute key and its type."""
    rows = connection.execute(select(attribute_catalogue.c.key, attribute_catalogue.c.type))
    return {row.key: cast(ColumnType, row.type) for row in rows}


def catalogue_attributes(connection: Connection, types: Mapping[str, ColumnType]) -> None:
    """Catalogue keys not yet catalogued; :class:`CatalogueConflict` if one has another type."""
    known = read_catalogue(connection)
    for key, column_type in types.items():
        if key in known and known[key] != column_type:
            raise CatalogueConflict(
                f"attribute {key!r} is catalogued as {known[key]}, not {column_type}"
            )
    new = [{"key": key, "type": kind} for key, kind in types.items() if key not in known]
    if new:
        connection.execute(insert(attribute_catalogue), new)
