"""Step 2 of a tick: refresh the membership of the segments running journeys depend on.

Segments used as entry or exclusion by a live or paused journey are re-evaluated when their
last refresh is older than the workspace's ``segment_refresh`` (DESIGN §3), and whenever a
journey goes live. Membership is materialised in ``segment_members`` with ``joined_at``, so
joins and leaves are seen once: the refresh is two set-based statements, a DELETE of those
who left and an INSERT … SELECT of those who joined.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from sqlalchemy import Connection, delete, insert, literal, or_, select, update

from app.domain.loading import load_journey, load_segment
from app.domain.segment import SegmentDocument
from app.store.schema import (
    UTCDateTime,
    attribute_catalogue,
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


def refresh_due_segments(connection: Connection, now: datetime) -> list[str]:
    """Refresh every segment in use whose last refresh is older than ``segment_refresh``."""
    every = timedelta(seconds=get_setting(connection, SEGMENT_REFRESH))
    names = segments_in_use(connection)
    due = (
        connection.execute(
            select(segments.c.name).where(
                segments.c.name.in_(names),
                or_(segments.c.refreshed_at.is_(None), segments.c.refreshed_at <= now - every),
            )
        )
        .scalars()
        .all()
    )
    refresh_segments(connection, due, now)
    return list(due)


def refresh_segments(connection: Connection, names: Iterable[str], now: datetime) -> None:
    names = list(names)
    if not names:
        return
    compiler = segment_compiler(connection, now)
    for name in names:
        row = connection.execute(
            select(segments.c.id, segments.c.document).where(segments.c.name == name)
        ).one()
        refresh_members(connection, row.id, compiler, load_segment(row.document), now)


def refresh_members(
    connection: Connection,
    segment_id: int,
    compiler: SegmentCompiler,
    document: SegmentDocument,
    now: datetime,
) -> None:
    """Make ``segment_members`` equal the segment's members at ``now``; joiners get ``now``."""
    members = compiler.members(document).subquery()
    current = select(segment_members.c.contact_id).where(segment_members.c.segment_id == segment_id)
    connection.execute(
        delete(segment_members).where(
            segment_members.c.segment_id == segment_id,
            segment_members.c.contact_id.not_in(select(members.c.id)),
        )
    )
    connection.execute(
        insert(segment_members).from_select(
            ["segment_id", "contact_id", "joined_at"],
            select(literal(segment_id), members.c.id, literal(now, UTCDateTime())).where(
                members.c.id.not_in(current)
            ),
        )
    )
    connection.execute(update(segments).where(segments.c.id == segment_id).values(refreshed_at=now))


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
