"""Exporting contacts and events as CSV files that the importer reads back (DESIGN §2).

Invariant: export → import into a fresh workspace gives the same contacts (every built-in field
but ``id`` and ``updated_at``, every attribute with its type) and the same events (contact by
email, type, occurred_at, message_id, properties).

- Columns: the built-in ones in a fixed order, then one per attribute or property key, sorted.
  Date-times are ISO 8601 UTC with ``Z``; booleans ``true``/``false``; unknown values are empty.
- A custom column's header carries a type (``zip:text``) only where the importer would read it
  otherwise: when inference from the exported cells would pick another type than the catalogued
  one (or, uncatalogued, than the values' own), or when the key alone would be misread (it
  matches a built-in column or already ends in ``:<type>``).
- Events of contacts without an email cannot name their contact in the file: they are left out
  and counted in :attr:`ExportResult.skipped`.

Tables are streamed twice (keys and types, then rows) inside the reader's one transaction, so
both reads see the same snapshot; no table is held in memory.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TextIO

from sqlalchemy import Connection, Select, func, select

from app.store.contacts import read_catalogue
from app.store.csv_contacts import ContactRows
from app.store.csv_events import EventRows
from app.store.csv_rows import declared_type, normalise_name
from app.store.csv_values import ColumnType, TypeInference, format_cell, natural_type
from app.store.schema import contacts, events

CONTACT_COLUMNS = (
    "email",
    "external_id",
    "kind",
    "first_name",
    "last_name",
    "phone",
    "company",
    "country",
    "region",
    "city",
    "owner",
    "timezone",
    "email_opt_in",
    "sms_opt_in",
    "push_opt_in",
    "created_at",
)
EVENT_COLUMNS = ("email", "type", "occurred_at", "message_id")
YIELD_PER = 5_000


@dataclass(frozen=True)
class ExportResult:
    rows: int
    """Rows written (after the header)."""
    skipped: int = 0
    """Events left out because their contact has no email."""


def export_contacts(connection: Connection, out: TextIO) -> ExportResult:
    """Write every contact as CSV, in id order."""
    catalogue = read_catalogue(connection)
    query = select(contacts.c.attributes)
    reserved = ContactRows.builtins | ContactRows.ignored
    headers = _custom_headers(_stream(connection, query), catalogue, reserved)
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([*CONTACT_COLUMNS, *headers.values()])
    rows = 0
    builtin = [contacts.c[name] for name in CONTACT_COLUMNS]
    for row in _stream(connection, select(*builtin, contacts.c.attributes).order_by(contacts.c.id)):
        attributes = row[-1] or {}
        writer.writerow(
            [format_cell(value) for value in row[:-1]]
            + [format_cell(attributes.get(key)) for key in headers]
        )
        rows += 1
    return ExportResult(rows)


def export_events(connection: Connection, out: TextIO) -> ExportResult:
    """Write every event of a contact with an email as CSV, in id order."""
    named = events.join(contacts, events.c.contact_id == contacts.c.id)
    has_email = contacts.c.email.is_not(None)
    query = select(events.c.properties).select_from(named).where(has_email)
    reserved = EventRows.builtins | EventRows.ignored
    headers = _custom_headers(_stream(connection, query), {}, reserved, skip={"message_id"})
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([*EVENT_COLUMNS, *headers.values()])
    rows = 0
    ordered = (
        select(
            contacts.c.email,
            events.c.type,
            events.c.occurred_at,
            events.c.message_id,
            events.c.properties,
        )
        .select_from(named)
        .where(has_email)
        .order_by(events.c.id)
    )
    for row in _stream(connection, ordered):
        properties = row[-1] or {}
        writer.writerow(
            [format_cell(value) for value in row[:-1]]
            + [format_cell(properties.get(key)) for key in headers]
        )
        rows += 1
    skipped = connection.scalar(select(func.count()).select_from(named).where(~has_email))
    return ExportResult(rows, skipped or 0)


def _stream(connection: Connection, query: Select[Any]) -> Iterable[Sequence[Any]]:
    return connection.execution_options(yield_per=YIELD_PER).execute(query)


def _custom_headers(
    documents: Iterable[Sequence[Any]],
    catalogue: Mapping[str, ColumnType],
    reserved: frozenset[str],
    skip: frozenset[str] | set[str] = frozenset(),
) -> dict[str, str]:
    """Each custom key (sorted) and its header: the key, typed where import would misread it."""
    inference: dict[str, TypeInference] = {}
    natural: dict[str, set[ColumnType]] = {}
    for (document,) in documents:
        for key, value in (document or {}).items():
            if key in skip or value is None:
                continue
            text = format_cell(value).strip()
            if key not in inference:
                inference[key], natural[key] = TypeInference(), set()
            natural[key].add(natural_type(value))
            if text:
                inference[key].add(text)
    headers: dict[str, str] = {}
    for key in sorted(inference):
        kinds = natural[key]
        intended = catalogue.get(key) or (kinds.pop() if len(kinds) == 1 else "text")
        inferred = inference[key].type
        ambiguous = normalise_name(key) in reserved or declared_type(key)[1] is not None
        typed = ambiguous or (inferred is not None and inferred != intended)
        headers[key] = f"{key}:{intended}" if typed else key
    for key in sorted(catalogue.keys() - headers.keys()):
        headers[key] = f"{key}:{catalogue[key]}"  # keeps the catalogue entry of an unused key
    return headers
