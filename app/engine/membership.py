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

Invariant the engine relies on: whatever changes a segment's materialised membership also sets
its ``refreshed_at``.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
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
    update,
)

from app.domain.loading import load_journey, load_segment
from app.domain.segment import SegmentDocument
from app.store.schema import (
    UTCDateTime,
    attribute_catalogue,
    contacts,
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
class Refresh:
    """One segment refreshed by a tick: its ``refreshed_at`` before, how many joined and
    left, and who left when they are few (None: more than :data:`FEW_LEAVERS`)."""

    before: datetime | None
    joined: int
    left: int
    leavers: tuple[int, ...] | None = None


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
    connection: Connection, now: datetime, readers: Readers | None = None
) -> dict[str, Refresh]:
    """Like :func:`refresh_due_segments`, saying what each refresh changed."""
    every = timedelta(seconds=get_setting(connection, SEGMENT_REFRESH))
    names = segments_in_use(connection)
    due = connection.execute(
        select(segments.c.name, segments.c.refreshed_at).where(
            segments.c.name.in_(names),
            or_(segments.c.refreshed_at.is_(None), segments.c.refreshed_at <= now - every),
        )
    ).all()
    counts = refresh_segments(connection, [name for name, _ in due], now, readers)
    return {name: Refresh(before, *counts[name]) for name, before in due}


def refresh_segments(
    connection: Connection, names: Iterable[str], now: datetime, readers: Readers | None = None
) -> dict[str, tuple[int, int, tuple[int, ...] | None]]:
    """Refresh the named segments; returns (joined, left, leavers) per name (see
    :func:`refresh_members`)."""
    names = list(names)
    if not names:
        return {}
    compiler = segment_compiler(connection, now)
    counts: dict[str, tuple[int, int, tuple[int, ...] | None]] = {}
    for name in names:
        row = connection.execute(
            select(segments.c.id, segments.c.document).where(segments.c.name == name)
        ).one()
        counts[name] = refresh_members(
            connection, row.id, compiler, load_segment(row.document), now, readers
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


def refresh_members(
    connection: Connection,
    segment_id: int,
    compiler: SegmentCompiler,
    document: SegmentDocument,
    now: datetime,
    readers: Readers | None = None,
) -> tuple[int, int, tuple[int, ...] | None]:
    """Make ``segment_members`` equal the segment's members at ``now``; joiners get ``now``.

    Returns how many joined, how many left, and the ids of those who left in ascending order
    when there are at most :data:`FEW_LEAVERS` of them (else None).
    """
    is_member = case((compiler.predicate(document), True), else_=False)
    was_member = exists(
        select(1).where(
            segment_members.c.segment_id == segment_id,
            segment_members.c.contact_id == contacts.c.id,
        )
    )
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
