"""How a workspace was initialised, what it holds, and the sample documents it starts with.

Owns the ``initialised_by`` workspace setting, written once by ``journey-studio init``:
``{"demo": true, "contacts": 5000, "seed": 1, "at": "2026-03-01T12:00:00Z"}`` (``demo``
false and no counts for an empty workspace). Its presence is what lets ``init`` run twice
without harm, and its absence on a workspace that holds data is what makes ``init --demo``
refuse: demo data never mixes with real data.

Sample segments are stored as their ``*.segment.json`` text, sample journeys as drafts
(:func:`app.store.journeys.save_draft`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, func, insert, select, update

from app.domain.journey import JourneyDocument
from app.domain.segment import SegmentDocument
from app.store.journeys import save_draft
from app.store.schema import contacts, events, journeys, segments, workspace_settings

INITIALISED_BY = "initialised_by"


@dataclass(frozen=True)
class Contents:
    """How many rows of each kind a workspace holds."""

    contacts: int
    events: int
    segments: int
    journeys: int

    @property
    def empty(self) -> bool:
        return not (self.contacts or self.events or self.segments or self.journeys)


def contents(connection: Connection) -> Contents:
    def count(table: Any) -> int:
        return int(connection.execute(select(func.count()).select_from(table)).scalar_one())

    return Contents(count(contacts), count(events), count(segments), count(journeys))


def initialised_by(connection: Connection) -> dict[str, Any] | None:
    """The record ``init`` left, or None when the workspace was never initialised by it."""
    value = connection.execute(
        select(workspace_settings.c.value).where(workspace_settings.c.key == INITIALISED_BY)
    ).scalar_one_or_none()
    return value if isinstance(value, dict) else None


def record_initialisation(connection: Connection, record: dict[str, Any]) -> None:
    exists = initialised_by(connection) is not None
    if exists:
        statement = update(workspace_settings).where(workspace_settings.c.key == INITIALISED_BY)
        connection.execute(statement.values(value=record))
    else:
        connection.execute(insert(workspace_settings).values(key=INITIALISED_BY, value=record))


def load_samples(
    connection: Connection,
    segment_documents: Iterable[SegmentDocument],
    journey_documents: Iterable[JourneyDocument],
    now: datetime,
) -> tuple[int, int]:
    """Store the sample segments and the sample journeys (as drafts); return both counts."""
    segment_rows = [
        {"name": doc.name, "document": doc.to_json(), "created_at": now, "updated_at": now}
        for doc in segment_documents
    ]
    if segment_rows:
        connection.execute(insert(segments), segment_rows)
    journey_count = 0
    for journey in journey_documents:
        save_draft(connection, journey, now)
        journey_count += 1
    return len(segment_rows), journey_count
