"""The demo workspace: realistic, deterministic synthetic contacts with 180 days of history.

Owns what ``journey-studio init --demo`` writes to the contacts, events and attribute catalogue
tables: the people of :mod:`app.store.demo_people` (about 5 % leads and a few Contoso
employees), the custom attributes they carry (:data:`DEMO_ATTRIBUTES`, typed in the catalogue),
and their ``purchase``, ``web_visit`` and newsletter ``email_*`` events.

Invariants:
- Deterministic: the same seed, number of contacts and ``now`` give identical rows.
- Flat memory and speed: contacts and their events are generated and written in batches with
  ``executemany``, never as ORM objects and never all at once. On SQLite the rows go to the
  driver already in the form SQLAlchemy's column types would store (date-times as
  ``YYYY-MM-DD HH:MM:SS.ffffff`` UTC text, JSON as text), skipping per-value type processing;
  on other databases they go through the typed Core insert. Both give the same stored rows
  (a test writes one workspace each way and compares). Also on SQLite, the events table's
  indexes are dropped for the load and rebuilt after it, in the same transaction.
- Contact ids are given explicitly (events need them before the insert), continuing after the
  highest id; on PostgreSQL the id sequence is moved past them afterwards.
- The caller owns the transaction and makes sure the workspace held no contacts before.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Table, func, insert, select

from app.store.demo_people import CONTACT_COLUMNS, DAY, EVENT_COLUMNS, Contact, Event, People
from app.store.schema import attribute_catalogue, contacts, events

DEMO_ATTRIBUTES: dict[str, str] = {
    "lifetime_value": "decimal",
    "order_count": "integer",
    "is_employee": "boolean",
    "loyalty_tier": "text",
    "renewal_date": "datetime",
}
"""The custom contact attributes the demo writes, with their catalogue types."""

CONTACT_BATCH = 5_000
EVENT_BATCH = 10_000

_TIME_COLUMNS = frozenset({"created_at", "updated_at", "occurred_at"})
_JSON_COLUMNS = frozenset({"attributes", "properties"})

Progress = Callable[[int, int], None]
"""Called with (contacts written, contacts wanted) after each batch."""


@dataclass(frozen=True)
class DemoCounts:
    contacts: int
    events: int


def fill_demo(
    connection: Connection,
    *,
    contacts_wanted: int,
    seed: int,
    now: datetime,
    progress: Progress | None = None,
    typed: bool = False,
) -> DemoCounts:
    """Write ``contacts_wanted`` demo contacts and their history, inside the caller's
    transaction. ``typed`` forces the typed Core insert on SQLite too (tests compare both)."""
    if contacts_wanted < 0:
        raise ValueError("the number of demo contacts cannot be negative")
    if now.tzinfo is None:
        raise ValueError("now must be an aware date-time")
    register_attributes(connection)
    people = People(seed, now)
    sqlite = connection.dialect.name == "sqlite"
    writer = _RowWriter(connection, typed=typed or not sqlite)
    first_id = 1 + (connection.execute(select(func.max(contacts.c.id))).scalar() or 0)
    written_events = 0
    with _events_indexes_deferred(connection, sqlite=sqlite):
        for start in range(0, contacts_wanted, CONTACT_BATCH):
            stop = min(contacts_wanted, start + CONTACT_BATCH)
            batch: list[Contact] = []
            history: list[Event] = []
            for contact_id in range(first_id + start, first_id + stop):
                contact, moments = people.person(contact_id)
                batch.append(contact)
                history.extend(moments)
            writer.contacts(batch)
            for offset in range(0, len(history), EVENT_BATCH):
                writer.events(history[offset : offset + EVENT_BATCH])
            written_events += len(history)
            if progress is not None:
                progress(stop, contacts_wanted)
    if connection.dialect.name == "postgresql":
        # The ids were given explicitly; the next contact inserted must not reuse one.
        connection.exec_driver_sql(
            "SELECT setval(pg_get_serial_sequence('contacts', 'id'), "
            "(SELECT coalesce(max(id), 0) + 1 FROM contacts), false)"
        )
    return DemoCounts(contacts_wanted, written_events)


def register_attributes(connection: Connection) -> None:
    """Add the demo's attributes to the catalogue (keys already there keep their type)."""
    known = set(connection.execute(select(attribute_catalogue.c.key)).scalars())
    missing = [{"key": k, "type": t} for k, t in DEMO_ATTRIBUTES.items() if k not in known]
    if missing:
        connection.execute(insert(attribute_catalogue), missing)


class _RowWriter:
    """``executemany`` of generated tuples: straight to the driver on SQLite, typed Core
    elsewhere (and on SQLite when ``typed``)."""

    def __init__(self, connection: Connection, *, typed: bool) -> None:
        self.connection = connection
        self.typed = typed
        self._days: dict[int, str] = {}
        self._clock: list[str] = []

    def contacts(self, rows: Sequence[Contact]) -> None:
        if self.typed:
            self._insert_typed(contacts, CONTACT_COLUMNS, rows)
            return
        created, updated = CONTACT_COLUMNS.index("created_at"), CONTACT_COLUMNS.index("updated_at")
        stored = []
        for row in rows:
            values = list(row)
            values[created] = self._sqlite_time(row[created])
            values[updated] = self._sqlite_time(row[updated])
            stored.append(tuple(values))
        self._insert_raw(contacts, CONTACT_COLUMNS, stored)

    def events(self, rows: Sequence[Event]) -> None:
        if self.typed:
            self._insert_typed(events, EVENT_COLUMNS, rows)
            return
        time = self._sqlite_time
        stored = [(contact, kind, time(at), properties) for contact, kind, at, properties in rows]
        self._insert_raw(events, EVENT_COLUMNS, stored)

    def _insert_raw(self, table: Table, columns: Sequence[str], rows: Sequence[Any]) -> None:
        marks = ", ".join("?" for _ in columns)
        statement = f"INSERT INTO {table.name} ({', '.join(columns)}) VALUES ({marks})"
        self.connection.exec_driver_sql(statement, rows)

    def _insert_typed(
        self, table: Table, columns: Sequence[str], rows: Sequence[tuple[Any, ...]]
    ) -> None:
        converted = []
        for row in rows:
            values = dict(zip(columns, row, strict=True))
            for name in _TIME_COLUMNS.intersection(values):
                values[name] = datetime.fromtimestamp(values[name], UTC)
            for name in _JSON_COLUMNS.intersection(values):
                values[name] = json.loads(values[name])
            converted.append(values)
        self.connection.execute(insert(table), converted)

    def _sqlite_time(self, seconds: int) -> str:
        """UTC seconds as SQLAlchemy's SQLite ``DATETIME`` stores them."""
        day, second = divmod(seconds, DAY)
        text = self._days.get(day)
        if text is None:
            text = self._days[day] = datetime.fromtimestamp(day * DAY, UTC).strftime("%Y-%m-%d ")
        if not self._clock:
            self._clock = [
                f"{s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}.000000" for s in range(DAY)
            ]
        return text + self._clock[second]


@contextmanager
def _events_indexes_deferred(connection: Connection, *, sqlite: bool) -> Iterator[None]:
    """On SQLite, drop the events table's indexes for the load and build them again after it:
    sorting ten million keys once is several times faster than inserting them one by one.

    Done inside the caller's transaction, so an error rolls the indexes back with the rows.
    The definitions are read from the database itself and re-run verbatim.
    """
    if not sqlite:
        yield
        return
    found = connection.exec_driver_sql(
        "SELECT name, sql FROM sqlite_master "
        "WHERE type = 'index' AND tbl_name = 'events' AND sql IS NOT NULL"
    ).all()
    for name, _ in found:
        connection.exec_driver_sql(f'DROP INDEX "{name}"')
    yield
    for _, definition in found:
        connection.exec_driver_sql(definition)
