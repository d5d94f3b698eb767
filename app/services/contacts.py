"""Browsing the workspace's contacts: pages of the contacts table, and one contact's detail.

The Contacts page shows any number of contacts (a million and more) by asking for one page
at a time; everything it can do to the list happens in SQL, never over rows in Python:

- :class:`ContactQuery` is what the list shows: a search text and a sort. The search matches
  each word of the text (case-insensitive, anywhere) against first name, last name, email or
  company; every word must match. Sorting is by any shown column (:data:`COLUMNS`), ties broken
  by id, so a page boundary never splits or repeats contacts.
- :func:`count_contacts` is the number the query matches (the table's row count);
  :func:`contact_page` is the rows from ``offset``. When the caller knows the key of the row
  just before ``offset`` (the last row of the page above, :attr:`ContactRow.sort_key`), it passes
  it as ``after`` and the page is read by keyset (``WHERE (key, id) > (…)``): an index probe
  however deep the page is. Without it the page is read with ``OFFSET``, which SQL has to count
  through; the page cache of the table only needs that for a jump.
- :func:`contact_detail` is everything about one contact: fields, custom attributes with their
  catalogued types, consent, the events timeline newest first, the journeys it ran through
  (status, the node it is at, how it ended) and the messages it was sent.

Each function is one read transaction (``workspace.reader()``).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import (
    ColumnElement,
    Connection,
    and_,
    func,
    or_,
    select,
)
from sqlalchemy.exc import SQLAlchemyError

from app.domain.loading import DocumentError
from app.store.contacts import read_catalogue
from app.store.schema import contacts, enrollments, events, journeys, messages
from app.store.versions import load_version
from app.store.workspace import Workspace

SortKey = Literal["name", "email", "company", "country", "city", "kind", "created_at"]


@dataclass(frozen=True)
class ContactColumn:
    key: SortKey
    title: str


COLUMNS: tuple[ContactColumn, ...] = (
    ContactColumn("name", "Name"),
    ContactColumn("email", "Email"),
    ContactColumn("company", "Company"),
    ContactColumn("country", "Country"),
    ContactColumn("city", "City"),
    ContactColumn("created_at", "Created"),
    ContactColumn("kind", "Kind"),
)
"""The columns of the contacts table, in order; each is a sort."""

_SORT_COLUMNS: dict[SortKey | None, tuple[ColumnElement[Any], ...]] = {
    None: (),
    "name": (contacts.c.last_name, contacts.c.first_name),
    "email": (contacts.c.email,),
    "company": (contacts.c.company,),
    "country": (contacts.c.country,),
    "city": (contacts.c.city,),
    "kind": (contacts.c.kind,),
    "created_at": (contacts.c.created_at,),
}
"""The SQL sort of each column, then id; an empty value sorts as the smallest (first going up,
last going down) on every database. ``None`` is the order contacts were added in (id alone).
Plain columns (no expressions), so that an index on them serves the order: email, name and
company have one (0007; built NULLS FIRST on PostgreSQL), and a page at row 900,000 of a
million reads the index alone. Country, city, kind and created_at have none yet."""

SEARCHED = (contacts.c.first_name, contacts.c.last_name, contacts.c.email, contacts.c.company)

EVENTS_SHOWN = 200
"""Newest events a contact's detail carries; :attr:`ContactDetail.events_total` has them all."""


@dataclass(frozen=True)
class ContactQuery:
    """What the contacts list shows: the contacts matching ``search``, in ``sort`` order."""

    search: str = ""
    sort: SortKey | None = None
    """A column of :data:`COLUMNS`, or None: the order contacts were added in."""
    descending: bool = False

    @property
    def words(self) -> list[str]:
        return self.search.split()


@dataclass(frozen=True)
class ContactRow:
    id: int
    name: str
    email: str | None
    company: str | None
    country: str | None
    city: str | None
    kind: str
    created_at: datetime
    sort_key: tuple[Any, ...]
    """The row's place in its query's order (sort values, then id): pass it as ``after``."""

    def value(self, column: SortKey) -> object:
        return getattr(self, column)


class ContactNotFound(LookupError):
    """No contact has this id (deleted since the list was read?)."""


@dataclass(frozen=True)
class EventEntry:
    occurred_at: datetime
    type: str
    properties: dict[str, Any]


@dataclass(frozen=True)
class JourneyRun:
    """One run of the contact through a journey."""

    journey: str
    journey_status: str
    run: int
    version: int
    status: str
    """``active`` or ``ended``."""
    node_id: str
    node_title: str
    """The title of the node it is at (or ended on), else its id."""
    entered_at: datetime
    ended_at: datetime | None
    end_reason: str | None
    goal_reached_at: datetime | None


@dataclass(frozen=True)
class MessageEntry:
    queued_at: datetime
    channel: str
    journey: str
    node_id: str
    subject: str | None
    status: str
    reason: str | None
    sent_at: datetime | None


@dataclass(frozen=True)
class Attribute:
    key: str
    type: str
    """Its type in the attribute catalogue (``text`` if it was never catalogued)."""
    value: Any


@dataclass(frozen=True)
class ContactDetail:
    id: int
    name: str
    fields: dict[str, Any]
    """Every built-in field by column name (consent included), in the table's order."""
    attributes: list[Attribute]
    consent: dict[str, bool | None]
    """``email``, ``sms``, ``push``: True, False, or None (unknown, read as no consent)."""
    events: list[EventEntry]
    events_total: int
    journeys: list[JourneyRun] = field(default_factory=list)
    messages: list[MessageEntry] = field(default_factory=list)


def display_name(first_name: str | None, last_name: str | None) -> str:
    return " ".join(part for part in (first_name, last_name) if part)


def count_contacts(workspace: Workspace, query: ContactQuery) -> int:
    """How many contacts ``query`` matches."""
    statement = select(func.count()).select_from(contacts)
    statement = statement.where(*_search_filter(query, workspace.dialect))
    with workspace.reader() as connection:
        return int(connection.execute(statement).scalar_one())


def contact_page(
    workspace: Workspace,
    query: ContactQuery,
    offset: int,
    limit: int,
    *,
    after: Sequence[Any] | None = None,
    total: int | None = None,
) -> list[ContactRow]:
    """Up to ``limit`` rows of ``query`` from ``offset`` (0 is the first), or, with ``after``
    (the :attr:`~ContactRow.sort_key` of row ``offset - 1``), the rows after that one.

    ``total`` (the query's count, when the caller knows it) lets a page in the second half be
    read from the other end, so SQL counts through at most half the rows. The page's ids are
    found first (a narrow query that an index can answer alone), then their rows."""
    if offset < 0 or limit < 0:
        raise ValueError(f"a page starts at 0 or later and holds 0 rows or more, not {offset}")
    keys = [*_SORT_COLUMNS[query.sort], contacts.c.id]
    reverse = after is None and total is not None and offset > total // 2
    statement = select(contacts.c.id).where(*_search_filter(query, workspace.dialect))
    statement = statement.order_by(*_order(keys, query.descending != reverse, workspace.dialect))
    if after is not None and len(after) != len(keys):
        raise ValueError(f"after has {len(after)} values; this sort needs {len(keys)}")
    if after is not None:
        stretches = [
            statement.where(part) for part in _after_parts(keys, list(after), query.descending)
        ]
    elif reverse and total is not None:
        end = min(offset + limit, total)
        stretches = [statement.offset(max(total - end, 0)).limit(max(end - offset, 0))]
    else:
        stretches = [statement.offset(offset).limit(limit)]
    with workspace.reader() as connection:
        ids: list[int] = []
        for stretch in stretches:  # in order; the next only when the page is not full yet
            if len(ids) < limit:
                if after is not None:
                    stretch = stretch.limit(limit - len(ids))
                ids.extend(connection.execute(stretch).scalars())
        if reverse:
            ids.reverse()
        rows = connection.execute(
            select(
                contacts.c.id,
                contacts.c.first_name,
                contacts.c.last_name,
                contacts.c.email,
                contacts.c.company,
                contacts.c.country,
                contacts.c.city,
                contacts.c.kind,
                contacts.c.created_at,
                *(key.label(f"k{index}") for index, key in enumerate(keys)),
            ).where(contacts.c.id.in_(ids))
        ).all()
    by_id = {row.id: row for row in rows}
    width = len(keys)
    return [
        ContactRow(
            id=row.id,
            name=display_name(row.first_name, row.last_name),
            email=row.email,
            company=row.company,
            country=row.country,
            city=row.city,
            kind=row.kind,
            created_at=row.created_at,
            sort_key=tuple(row[-width:]),
        )
        for row in (by_id[id_] for id_ in ids if id_ in by_id)
    ]


def _order(keys: Sequence[ColumnElement[Any]], descending: bool, dialect: str) -> list[Any]:
    """ORDER BY ``keys``, an empty value the smallest (as SQLite has it; PostgreSQL is told)."""
    if dialect == "sqlite":
        return [key.desc() if descending else key.asc() for key in keys]
    return [key.desc().nulls_last() if descending else key.asc().nulls_first() for key in keys]


def _after_parts(
    keys: Sequence[ColumnElement[Any]], values: Sequence[Any], descending: bool
) -> list[ColumnElement[bool]]:
    """The rows after ``values`` as consecutive stretches of the order, each one condition an
    index on the first key can answer as a range: the empty values of the first key form a
    stretch of their own (first going up, last going down) instead of an ``OR … IS NULL``."""
    key, value = keys[0], values[0]
    if len(keys) == 1:
        return [_after(keys, values, descending)]
    rest = _after(keys[1:], values[1:], descending)
    if value is None:
        empty = and_(key.is_(None), rest)
        return [empty] if descending else [empty, key.is_not(None)]
    if descending:
        return [and_(key <= value, or_(key < value, and_(key == value, rest))), key.is_(None)]
    return [and_(key >= value, or_(key > value, and_(key == value, rest)))]


def _after(
    keys: Sequence[ColumnElement[Any]], values: Sequence[Any], descending: bool
) -> ColumnElement[bool]:
    """The rows after ``values`` in the order of ``keys`` (the last is the id), an empty value
    the smallest: ``k > v OR (k = v AND <the same for the next keys>)``, with a leading
    ``k >= v`` going up so that an index on the first key is read from ``v`` on."""
    key, value = keys[0], values[0]
    if len(keys) == 1:  # the id: never empty, unique
        last: ColumnElement[bool] = key < value if descending else key > value
        return last
    rest = _after(keys[1:], values[1:], descending)
    if value is None:
        empty: ColumnElement[bool] = key.is_(None)
        return and_(empty, rest) if descending else or_(key.is_not(None), and_(empty, rest))
    if descending:
        return or_(key < value, key.is_(None), and_(key == value, rest))
    return and_(key >= value, or_(key > value, and_(key == value, rest)))


def _search_filter(query: ContactQuery, dialect: str) -> list[ColumnElement[bool]]:
    """One condition per word: it appears in one of :data:`SEARCHED` (case-insensitive)."""
    conditions: list[ColumnElement[bool]] = []
    for word in query.words:
        if dialect == "sqlite":  # LIKE ignores ASCII case on SQLite; lower() would cost a call
            matches = [
                column.like(_pattern(spelling), escape="\\")
                for spelling in _spellings(word)
                for column in SEARCHED
            ]
        else:
            matches = [column.ilike(_pattern(word), escape="\\") for column in SEARCHED]
        conditions.append(or_(*matches))
    return conditions


def _pattern(word: str) -> str:
    return "%" + word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def _spellings(word: str) -> list[str]:
    """The cases of ``word`` SQLite's LIKE cannot equate itself: it folds ASCII letters only,
    so a word with other letters (``åberg``, ``ÖZIL``) is also tried lower-case, upper-case
    and capitalised (``Åberg``)."""
    if word.isascii():
        return [word]
    return list(dict.fromkeys([word, word.lower(), word.upper(), word.capitalize()]))


def contact_detail(workspace: Workspace, contact_id: int) -> ContactDetail:
    """Everything about one contact; :class:`ContactNotFound` when no contact has that id."""
    with workspace.reader() as connection:
        row = connection.execute(select(contacts).where(contacts.c.id == contact_id)).one_or_none()
        if row is None:
            raise ContactNotFound(f"no contact with id {contact_id}")
        values = dict(row._mapping)
        catalogue = read_catalogue(connection)
        attributes = [
            Attribute(key, catalogue.get(key, "text"), value)
            for key, value in sorted((values.pop("attributes") or {}).items())
        ]
        return ContactDetail(
            id=contact_id,
            name=display_name(values["first_name"], values["last_name"]),
            fields=values,
            attributes=attributes,
            consent={
                "email": values["email_opt_in"],
                "sms": values["sms_opt_in"],
                "push": values["push_opt_in"],
            },
            events=_events(connection, contact_id),
            events_total=int(
                connection.execute(
                    select(func.count()).where(events.c.contact_id == contact_id)
                ).scalar_one()
            ),
            journeys=_journey_runs(connection, contact_id),
            messages=_messages(connection, contact_id),
        )


def _events(connection: Connection, contact_id: int) -> list[EventEntry]:
    rows = connection.execute(
        select(events.c.occurred_at, events.c.type, events.c.properties)
        .where(events.c.contact_id == contact_id)
        .order_by(events.c.occurred_at.desc(), events.c.id.desc())
        .limit(EVENTS_SHOWN)
    )
    return [EventEntry(row.occurred_at, row.type, _as_dict(row.properties)) for row in rows]


def _journey_runs(connection: Connection, contact_id: int) -> list[JourneyRun]:
    rows = connection.execute(
        select(
            journeys.c.id.label("journey_id"),
            journeys.c.name,
            journeys.c.status.label("journey_status"),
            enrollments.c.run,
            enrollments.c.version,
            enrollments.c.status,
            enrollments.c.node_id,
            enrollments.c.entered_at,
            enrollments.c.ended_at,
            enrollments.c.end_reason,
            enrollments.c.goal_reached_at,
        )
        .join(journeys, journeys.c.id == enrollments.c.journey_id)
        .where(enrollments.c.contact_id == contact_id)
        .order_by(enrollments.c.entered_at.desc(), enrollments.c.id.desc())
    ).all()
    titles: dict[tuple[str, int], dict[str, str]] = {}
    runs: list[JourneyRun] = []
    for row in rows:
        version = (row.journey_id, row.version)
        if version not in titles:
            titles[version] = _node_titles(connection, *version)
        runs.append(
            JourneyRun(
                journey=row.name,
                journey_status=row.journey_status,
                run=row.run,
                version=row.version,
                status=row.status,
                node_id=row.node_id,
                node_title=titles[version].get(row.node_id) or row.node_id,
                entered_at=row.entered_at,
                ended_at=row.ended_at,
                end_reason=row.end_reason,
                goal_reached_at=row.goal_reached_at,
            )
        )
    return runs


def _node_titles(connection: Connection, journey_id: str, version: int) -> dict[str, str]:
    try:
        document = load_version(connection, journey_id, version)
    except (DocumentError, SQLAlchemyError):
        return {}  # the detail still shows the node ids
    return {node.id: node.title for node in document.nodes if node.title}


def _messages(connection: Connection, contact_id: int) -> list[MessageEntry]:
    rows = connection.execute(
        select(
            messages.c.queued_at,
            messages.c.channel,
            func.coalesce(journeys.c.name, messages.c.journey_id).label("journey"),
            messages.c.node_id,
            messages.c.subject,
            messages.c.status,
            messages.c.reason,
            messages.c.sent_at,
        )
        .select_from(messages.outerjoin(journeys, journeys.c.id == messages.c.journey_id))
        .where(messages.c.contact_id == contact_id)
        .order_by(messages.c.queued_at.desc(), messages.c.id.desc())
    )
    return [MessageEntry(*row) for row in rows]


def _as_dict(value: object) -> dict[str, Any]:
    if isinstance(value, dict):
        return value
    if isinstance(value, str):
        try:
            loaded = json.loads(value)
        except ValueError:
            return {}
        return loaded if isinstance(loaded, dict) else {}
    return {}


__all__ = [
    "COLUMNS",
    "ContactColumn",
    "ContactDetail",
    "ContactNotFound",
    "ContactQuery",
    "ContactRow",
    "EventEntry",
    "JourneyRun",
    "MessageEntry",
    "contact_detail",
    "contact_page",
    "count_contacts",
]
