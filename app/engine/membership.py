"""Step 2 of a tick: refresh the membership of the segments running journeys depend on.

Segments used as entry or exclusion by a live or paused journey are re-evaluated when their
last refresh is older than the workspace's ``segment_refresh`` (DESIGN §3), and whenever a
journey goes live. Membership is materialised in ``segment_members`` with ``joined_at``, so
joins and leaves are seen once. The refresh evaluates the definition once per contact, in one
pass that also looks up the current membership, and keeps only the differences (a temporary
table of joins and leaves); then a DELETE of those who left and an INSERT … SELECT of those who
joined. It reports how many joined and left, so the engine can skip work that only a change of
membership could make necessary.

Given read-only connections (the engine passes its workspace's readers), the pass is split
into ranges of contact ids evaluated side by side, one per core, and only the differences
come back to the writer. The writer holds the write lock meanwhile, so the readers see the
contacts and events it sees (a refresh writes nothing they read before the differences are
applied). A segment with no members yet is filled by one INSERT … SELECT.

On SQLite, a refresh that knows where the previous one stood (a :class:`RefreshMark`, which
the engine keeps between ticks) re-tests only the contacts whose verdict may have changed since:
those in ``contact_changes`` (their row or an event changed or went, written by triggers), those
with new events of a type the definition reads, and those with such an event that time moved
across the edge of a ``within`` window or into view (``occurred_at`` between the two moments).
A definition is a function of the contact's row, its events and ``now``, and ``now`` enters only
through those windows, except for the ``within_last`` and ``more_than_ago`` value tests: a
definition with one of those, or a refresh without a mark, re-tests everyone. PostgreSQL always
re-tests everyone (its ids commit out of order, so "after id N" would miss rows).

Invariant the engine relies on: whatever changes a segment's materialised membership also sets
its ``refreshed_at``.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Mapping, MutableMapping
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import (
    Boolean,
    Column,
    ColumnElement,
    Connection,
    Integer,
    MetaData,
    String,
    Table,
    bindparam,
    case,
    delete,
    exists,
    func,
    insert,
    literal,
    or_,
    select,
    union,
    update,
)

from app.domain.conditions import (
    DURATION_OPS,
    AttributeCondition,
    BehaviorCondition,
    SegmentCondition,
    walk,
)
from app.domain.loading import load_journey, load_segment
from app.domain.segment import SegmentDocument
from app.store.schema import (
    UTCDateTime,
    attribute_catalogue,
    contact_changes,
    contacts,
    events,
    journey_versions,
    journeys,
    segment_members,
    segments,
)
from app.store.segment_sql import SegmentCompiler
from app.store.settings import SEGMENT_REFRESH, get_setting


def segments_in_use(connection: Connection) -> set[str]:
    """Entry and exclusion segments of the current versions of live and paused journeys."""
    rows = connection.execute(
        select(journey_versions.c.document)
        .join(
            journeys,
            (journeys.c.id == journey_versions.c.journey_id)
            & (journeys.c.current_version == journey_versions.c.version),
        )
        .where(journeys.c.status.in_(("live", "paused")))
    ).scalars()
    names: set[str] = set()
    for text in rows:
        settings = load_journey(text).settings
        names.update(filter(None, [settings.entry_segment, *settings.exclusion_segments]))
    return names


@dataclass(frozen=True)
class RefreshMark:
    """Where a segment's refresh stood: the definition it evaluated (its JSON text), at what
    moment, and the highest event id and ``contact_changes`` id it had seen."""

    document: str
    at: datetime
    event_id: int
    change_id: int


@dataclass(frozen=True)
class Refresh:
    """One segment refreshed by a tick: its ``refreshed_at`` before, how many joined and
    left, who left when they are few (None: more than :data:`FEW_LEAVERS`), and the mark to
    remember for the next refresh once the transaction has committed."""

    before: datetime | None
    joined: int
    left: int
    leavers: tuple[int, ...] | None = None
    mark: RefreshMark | None = None


@dataclass(frozen=True)
class TimeEdges:
    """What of time and events a definition reads: the event types, and each (type, window)
    of a ``within`` test. None from :func:`time_edges` when it reads ``now`` in another way."""

    types: frozenset[str]
    windows: frozenset[tuple[str, timedelta]]


def time_edges(
    document: SegmentDocument, others: Mapping[str, SegmentDocument]
) -> TimeEdges | None:
    """The event types and windows ``document``'s verdict depends on, following the segments
    it tests membership of; None if it has a ``within_last``/``more_than_ago`` test, whose
    verdict time alone can change, or names a segment that is not in ``others``."""
    types: set[str] = set()
    windows: set[tuple[str, timedelta]] = set()
    pending, seen = [document], set()
    while pending:
        current = pending.pop()
        for item in walk(current.definition):
            match item:
                case AttributeCondition(attribute=test) if test.op in DURATION_OPS:
                    return None
                case BehaviorCondition(behavior=test):
                    if any(where.op in DURATION_OPS for where in test.where):
                        return None
                    types.add(test.event)
                    if test.within is not None:
                        windows.add((test.event, test.within))
                case SegmentCondition(segment=name) if name not in seen:
                    if name not in others:
                        return None
                    seen.add(name)
                    pending.append(others[name])
                case _:
                    pass
    return TimeEdges(frozenset(types), frozenset(windows))


FEW_LEAVERS = 20_000
"""Up to this many contacts who left a segment are named by its refresh, so that exits on
leaving look at their runs only."""


def refresh_due_segments(connection: Connection, now: datetime) -> list[str]:
    """Refresh every segment in use whose last refresh is older than ``segment_refresh``."""
    return list(refresh_due(connection, now))


Readers = Callable[[], AbstractContextManager[Connection]]
"""Opens a read-only connection (``Workspace.reader``)."""

PARALLEL_FROM = 50_000
"""Below this many contacts a refresh is one statement on the writer."""


def refresh_due(
    connection: Connection,
    now: datetime,
    readers: Readers | None = None,
    marks: MutableMapping[str, RefreshMark] | None = None,
) -> dict[str, Refresh]:
    """Like :func:`refresh_due_segments`, saying what each refresh changed.

    With ``marks`` (the engine's, by segment name, from earlier refreshes), a refresh re-tests
    only the contacts that may have changed since its mark, and ``contact_changes`` rows that
    every segment in use has seen are deleted (all of them while no segment is in use). The
    marks of segments no longer in use are dropped from ``marks`` first: pruning does not wait
    for them, so they would go stale. The new marks are in the results, for the caller to keep
    once the transaction has committed."""
    every = timedelta(seconds=get_setting(connection, SEGMENT_REFRESH))
    names = segments_in_use(connection)
    if marks is not None:
        for name in [name for name in marks if name not in names]:
            del marks[name]
    due = connection.execute(
        select(segments.c.name, segments.c.refreshed_at).where(
            segments.c.name.in_(names),
            or_(segments.c.refreshed_at.is_(None), segments.c.refreshed_at <= now - every),
        )
    ).all()
    counts = refresh_segments(connection, [name for name, _ in due], now, readers, marks)
    refreshes = {name: Refresh(before, *counts[name]) for name, before in due}
    if marks is not None:  # (only marks of segments in use are left in it)
        kept = {**marks, **{n: r.mark for n, r in refreshes.items() if r.mark is not None}}
        if not names:  # nothing reads the log: a segment that comes into use refreshes in full
            connection.execute(delete(contact_changes))
        elif len(kept) == len(names):
            _prune_changes(connection, kept.values())
    return refreshes


def _prune_changes(connection: Connection, marks: Iterable[RefreshMark]) -> None:
    """Delete the ``contact_changes`` that every segment in use has seen (``marks``: one for
    each of them)."""
    seen = min((mark.change_id for mark in marks), default=0)
    if seen:
        connection.execute(delete(contact_changes).where(contact_changes.c.id <= seen))


Counts = tuple[int, int, tuple[int, ...] | None, RefreshMark | None]


def refresh_segments(
    connection: Connection,
    names: Iterable[str],
    now: datetime,
    readers: Readers | None = None,
    marks: Mapping[str, RefreshMark] | None = None,
) -> dict[str, Counts]:
    """Refresh the named segments; returns (joined, left, leavers, mark) per name (see
    :func:`refresh_members`)."""
    names = list(names)
    if not names:
        return {}
    compiler = segment_compiler(connection, now)
    counts: dict[str, Counts] = {}
    for name in names:
        row = connection.execute(
            select(segments.c.id, segments.c.document, segments.c.refreshed_at).where(
                segments.c.name == name
            )
        ).one()
        since = (marks or {}).get(name)
        if since is not None and (since.document != row.document or since.at != row.refreshed_at):
            since = None  # redefined, or refreshed by someone else since
        counts[name] = refresh_members(
            connection,
            row.id,
            compiler,
            load_segment(row.document),
            now,
            readers,
            since=since,
            text=row.document if marks is not None else None,
        )
    return counts


_changes = Table(
    "engine_membership_changes",
    MetaData(),
    Column("contact_id", Integer, primary_key=True),
    Column("joined", Boolean, nullable=False),
    prefixes=["TEMPORARY"],
)
"""The differences one refresh found (a temporary table of the writer connection)."""


_lowest_id = select(func.min(contacts.c.id)).scalar_subquery()
_highest_id = select(func.max(contacts.c.id)).scalar_subquery()
"""Each its own query: SQLite answers a lone min() or max() of the key from one end of the
table, but reads every row for both in one query."""


_candidates = Table(
    "engine_refresh_candidates",
    MetaData(),
    Column("contact_id", Integer, primary_key=True),
    prefixes=["TEMPORARY"],
)
"""The contacts an incremental refresh re-tests (a temporary table of the writer)."""


def refresh_members(
    connection: Connection,
    segment_id: int,
    compiler: SegmentCompiler,
    document: SegmentDocument,
    now: datetime,
    readers: Readers | None = None,
    *,
    since: RefreshMark | None = None,
    text: str | None = None,
) -> Counts:
    """Make ``segment_members`` equal the segment's members at ``now``; joiners get ``now``.

    Returns how many joined, how many left, the ids of those who left in ascending order
    when there are at most :data:`FEW_LEAVERS` of them (else None), and, when ``text`` (the
    definition's JSON) is given on SQLite, the mark the next refresh can start from. With
    ``since``, only the contacts that may have changed since that mark are re-tested.
    """
    if text is None or connection.dialect.name != "sqlite" or not _has_change_log(connection):
        return (*_refresh_everyone(connection, segment_id, compiler, document, readers, now), None)
    mark = RefreshMark(
        text,
        now,
        connection.execute(select(func.max(events.c.id))).scalar() or 0,
        connection.execute(select(func.max(contact_changes.c.id))).scalar() or 0,
    )
    in_order = since is not None and since.at <= now
    edges = time_edges(document, compiler.segments) if in_order else None
    if since is None or edges is None:
        return (*_refresh_everyone(connection, segment_id, compiler, document, readers, now), mark)
    return (*_refresh_changed(connection, segment_id, compiler, document, edges, since, mark), mark)


def _has_change_log(connection: Connection) -> bool:
    """Whether the triggers that fill ``contact_changes`` are there (revision 0005)."""
    return bool(
        connection.exec_driver_sql(
            "SELECT count(*) FROM sqlite_master WHERE type = 'trigger' "
            "AND name LIKE 'contact_changes_on_%'"
        ).scalar()
        == 5
    )


def _refresh_changed(
    connection: Connection,
    segment_id: int,
    compiler: SegmentCompiler,
    document: SegmentDocument,
    edges: TimeEdges,
    since: RefreshMark,
    mark: RefreshMark,
) -> tuple[int, int, tuple[int, ...] | None]:
    """The refresh of the contacts that may have changed between ``since`` and ``mark``."""
    sources = [
        select(contact_changes.c.contact_id).where(
            contact_changes.c.id > since.change_id, contact_changes.c.id <= mark.change_id
        )
    ]
    if edges.types:
        types = sorted(edges.types)
        sources.append(  # added since; read by id (the type kept out of the index choice)
            select(events.c.contact_id).where(
                events.c.id > since.event_id,
                events.c.id <= mark.event_id,
                (events.c.type + literal("", String)).in_(types),
            )
        )
        sources.append(  # came into view: events are never counted before they happen
            select(events.c.contact_id).where(
                events.c.type.in_(types),
                events.c.occurred_at > since.at,
                events.c.occurred_at <= mark.at,
            )
        )
    for kind, window in sorted(edges.windows):
        sources.append(  # left the window
            select(events.c.contact_id).where(
                events.c.type == kind,
                events.c.occurred_at > since.at - window,
                events.c.occurred_at <= mark.at - window,
            )
        )
    _candidates.create(connection, checkfirst=True)
    _changes.create(connection, checkfirst=True)
    connection.execute(delete(_candidates))
    connection.execute(delete(_changes))
    connection.execute(insert(_candidates).from_select(["contact_id"], union(*sources)))
    is_member, was_member = _verdicts(segment_id, compiler, document)
    verdict = (
        select(contacts.c.id, is_member.label("now_in"), was_member.label("was_in"))
        .where(contacts.c.id.in_(select(_candidates.c.contact_id)))
        .subquery()
    )
    connection.execute(
        insert(_changes).from_select(
            ["contact_id", "joined"],
            select(verdict.c.id, verdict.c.now_in).where(verdict.c.now_in != verdict.c.was_in),
        )
    )
    connection.execute(delete(_candidates))
    return _apply_changes(connection, segment_id, mark.at)


def _verdicts(
    segment_id: int, compiler: SegmentCompiler, document: SegmentDocument
) -> tuple[ColumnElement[bool], ColumnElement[bool]]:
    """Whether each contact is a member now, and whether it was (correlated on contacts)."""
    is_member = case((compiler.predicate(document), True), else_=False)
    was_member = exists(
        select(1).where(
            segment_members.c.segment_id == segment_id,
            segment_members.c.contact_id == contacts.c.id,
        )
    )
    return is_member, was_member


def _refresh_everyone(
    connection: Connection,
    segment_id: int,
    compiler: SegmentCompiler,
    document: SegmentDocument,
    readers: Readers | None,
    now: datetime,
) -> tuple[int, int, tuple[int, ...] | None]:
    is_member, was_member = _verdicts(segment_id, compiler, document)
    _changes.create(connection, checkfirst=True)
    connection.execute(delete(_changes))
    first, last = connection.execute(select(_lowest_id, _highest_id)).one()
    has_members = connection.execute(
        select(exists().where(segment_members.c.segment_id == segment_id))
    ).scalar_one()
    if first is None:
        pass  # no contacts, so no members either
    elif not has_members:
        connection.execute(
            insert(_changes).from_select(
                ["contact_id", "joined"],
                select(contacts.c.id, literal(True)).where(compiler.predicate(document)),
            )
        )
    elif readers is None or last - first < PARALLEL_FROM:
        verdict = select(
            contacts.c.id, is_member.label("now_in"), was_member.label("was_in")
        ).subquery()
        connection.execute(
            insert(_changes).from_select(
                ["contact_id", "joined"],
                select(verdict.c.id, verdict.c.now_in).where(verdict.c.now_in != verdict.c.was_in),
            )
        )
    else:
        changes = _differences_side_by_side(readers, is_member, was_member, first, last)
        if changes:
            connection.execute(
                insert(_changes), [{"contact_id": c, "joined": j} for c, j in changes]
            )
    return _apply_changes(connection, segment_id, now)


def _apply_changes(
    connection: Connection, segment_id: int, now: datetime
) -> tuple[int, int, tuple[int, ...] | None]:
    """Apply the differences in ``_changes`` to the segment's members (joiners get ``now``)."""
    leaving = select(_changes.c.contact_id).where(_changes.c.joined.is_(False))
    leavers = (
        connection.execute(leaving.order_by(_changes.c.contact_id).limit(FEW_LEAVERS + 1))
        .scalars()
        .all()
    )
    left = connection.execute(
        delete(segment_members).where(
            segment_members.c.segment_id == segment_id,
            segment_members.c.contact_id.in_(
                select(_changes.c.contact_id).where(_changes.c.joined.is_(False))
            ),
        )
    ).rowcount
    joined = connection.execute(
        insert(segment_members).from_select(
            ["segment_id", "contact_id", "joined_at"],
            select(literal(segment_id), _changes.c.contact_id, literal(now, UTCDateTime())).where(
                _changes.c.joined.is_(True)
            ),
        )
    ).rowcount
    connection.execute(delete(_changes))
    connection.execute(update(segments).where(segments.c.id == segment_id).values(refreshed_at=now))
    return joined, left, tuple(leavers) if len(leavers) <= FEW_LEAVERS else None


def _differences_side_by_side(
    readers: Readers,
    is_member: ColumnElement[bool],
    was_member: ColumnElement[bool],
    first: int,
    last: int,
) -> list[tuple[int, bool]]:
    """(contact id, joined) for every contact whose membership changes, evaluated over ranges
    of contact ids on read-only connections side by side."""
    verdict = (
        select(contacts.c.id, is_member.label("now_in"), was_member.label("was_in"))
        .where(contacts.c.id >= bindparam("low"), contacts.c.id < bindparam("high"))
        .subquery()
    )
    changed = select(verdict.c.id, verdict.c.now_in).where(verdict.c.now_in != verdict.c.was_in)
    parts = min(8, 2 * (os.cpu_count() or 1))
    step = (last - first) // parts + 1
    ranges = [(first + i * step, first + (i + 1) * step) for i in range(parts)]

    def evaluate(bounds: tuple[int, int]) -> list[tuple[int, bool]]:
        with readers() as reader:
            rows = reader.execute(changed, {"low": bounds[0], "high": bounds[1]})
            return [(int(contact), bool(joined)) for contact, joined in rows]

    with ThreadPoolExecutor(max_workers=parts) as pool:
        return [change for part in pool.map(evaluate, ranges) for change in part]


def segment_compiler(connection: Connection, now: datetime) -> SegmentCompiler:
    """A compiler that knows every segment of the workspace and its attribute catalogue."""
    documents = {
        name: load_segment(text, f"segment {name}")
        for name, text in connection.execute(select(segments.c.name, segments.c.document))
    }
    catalogue = {
        key: kind
        for key, kind in connection.execute(
            select(attribute_catalogue.c.key, attribute_catalogue.c.type)
        )
    }
    return SegmentCompiler(
        now=now, dialect=connection.dialect.name, segments=documents, catalogue=catalogue
    )
