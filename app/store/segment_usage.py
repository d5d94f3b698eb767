"""Who uses a segment: running journeys and other segments (DESIGN §3).

A journey *uses* a segment when the current version of a live or paused journey names it as
its entry segment, as an exclusion segment or inside a branch or split condition, directly or
through the membership conditions of other segments (transitively). Such a segment must not be
edited or deleted, and it is refreshed every ``segment_refresh`` seconds.

Published versions are read as JSON, not loaded through the journey model, so that a version
written by an older release still counts as a user.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, or_, select

from app.domain.segment import SegmentDocument
from app.store.schema import journey_versions, journeys, segments
from app.store.settings import SEGMENT_REFRESH, get_setting
from app.store.versions import RUNNING_STATUSES

CONDITION_NODE_KINDS = ("branch", "split")


def journey_segment_names(document_text: str) -> set[str]:
    """Segments a journey document names directly: entry, exclusions, branch/split conditions."""
    try:
        document = json.loads(document_text)
    except ValueError:
        return set()
    if not isinstance(document, dict):
        return set()
    names: set[str] = set()
    settings = document.get("settings")
    if isinstance(settings, dict):
        entry = settings.get("entry_segment")
        if isinstance(entry, str) and entry:
            names.add(entry)
        exclusions = settings.get("exclusion_segments")
        if isinstance(exclusions, list):
            names.update(name for name in exclusions if isinstance(name, str))
    for node in document.get("nodes") or []:
        if isinstance(node, dict) and node.get("kind") in CONDITION_NODE_KINDS:
            names.update(_membership_names(node.get("config")))
    return names


def _membership_names(data: Any) -> Iterator[str]:
    """Every ``{"segment": NAME}`` inside a node's config (conditions nest freely)."""
    if isinstance(data, dict):
        name = data.get("segment")
        if isinstance(name, str):
            yield name
        for value in data.values():
            yield from _membership_names(value)
    elif isinstance(data, list):
        for item in data:
            yield from _membership_names(item)


def running_journeys(connection: Connection) -> dict[str, set[str]]:
    """Live and paused journeys by name, with the segments their current version names."""
    rows = connection.execute(
        select(journeys.c.name, journey_versions.c.document)
        .join(
            journey_versions,
            (journey_versions.c.journey_id == journeys.c.id)
            & (journey_versions.c.version == journeys.c.current_version),
        )
        .where(journeys.c.status.in_(RUNNING_STATUSES))
    )
    return {row.name: journey_segment_names(row.document) for row in rows}


def closure(names: Iterable[str], documents: Mapping[str, SegmentDocument]) -> set[str]:
    """``names`` and every segment they use through membership conditions, transitively."""
    seen: set[str] = set()
    pending = list(names)
    while pending:
        name = pending.pop()
        if name in seen:
            continue
        seen.add(name)
        document = documents.get(name)
        if document is not None:
            pending.extend(document.referenced_segments())
    return seen


def journeys_using(
    connection: Connection, name: str, documents: Mapping[str, SegmentDocument]
) -> list[str]:
    """Names of the live or paused journeys that use segment ``name``, sorted."""
    return sorted(
        journey
        for journey, named in running_journeys(connection).items()
        if name in closure(named, documents)
    )


def segments_using(name: str, documents: Mapping[str, SegmentDocument]) -> list[str]:
    """Names of the other segments whose definitions name ``name`` directly, sorted."""
    return sorted(
        other
        for other, document in documents.items()
        if other != name and name in document.referenced_segments()
    )


def segments_in_use(
    connection: Connection, documents: Mapping[str, SegmentDocument]
) -> dict[str, list[str]]:
    """Every segment used by a running journey, with those journeys' names."""
    users: dict[str, list[str]] = {}
    for journey, named in sorted(running_journeys(connection).items()):
        for segment in closure(named, documents):
            users.setdefault(segment, []).append(journey)
    return users


def due_segments(
    connection: Connection,
    now: datetime,
    documents: Mapping[str, SegmentDocument],
    every: timedelta | None = None,
) -> list[str]:
    """Segments in use whose membership was never refreshed or not for ``every``.

    ``every`` defaults to the workspace's ``segment_refresh`` setting (60 s unless set).
    """
    if every is None:
        every = timedelta(seconds=get_setting(connection, SEGMENT_REFRESH))
    used = sorted(segments_in_use(connection, documents))
    if not used:
        return []
    stale = or_(segments.c.refreshed_at.is_(None), segments.c.refreshed_at <= now - every)
    query = select(segments.c.name).where(segments.c.name.in_(used), stale)
    return sorted(connection.scalars(query))
