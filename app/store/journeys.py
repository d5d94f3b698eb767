"""Journeys in the workspace: the working draft of each journey, by its document id.

A journey row is keyed by the document's ``id`` (stable across saves and files) and holds the
draft as its ``*.journey.json`` text. Invariants (DESIGN §4):
- names are unique in a workspace: saving a document whose name belongs to another id is
  refused with :class:`JourneyNameTaken`;
- saving a draft never touches the journey's status or its published versions.

Published versions and status changes live in :mod:`app.store.versions`; this module lists
journeys and deletes drafts (a journey that ever went live keeps its history: never deleted).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, delete, func, insert, select, update

from app.domain.journey import JourneyDocument
from app.domain.loading import load_journey
from app.store.schema import journey_versions, journeys


class JourneyNameTaken(ValueError):
    """Another journey in the workspace already has this name."""

    def __init__(self, name: str, other_id: str) -> None:
        self.name = name
        self.other_id = other_id
        super().__init__(f"a different journey is already named “{name}” (id {other_id})")


def save_draft(connection: Connection, document: JourneyDocument, now: datetime) -> bool:
    """Create the journey or replace its draft; return True when the journey is new."""
    holder = connection.execute(
        select(journeys.c.id).where(journeys.c.name == document.name)
    ).scalar_one_or_none()
    if holder is not None and holder != document.id:
        raise JourneyNameTaken(document.name, holder)
    exists = connection.execute(
        select(journeys.c.id).where(journeys.c.id == document.id)
    ).scalar_one_or_none()
    values = {"name": document.name, "draft": document.to_json(), "updated_at": now}
    if exists is None:
        connection.execute(
            insert(journeys).values(id=document.id, status="draft", created_at=now, **values)
        )
        return True
    connection.execute(update(journeys).where(journeys.c.id == document.id).values(**values))
    return False


def load_draft(connection: Connection, journey_id: str) -> JourneyDocument | None:
    """The saved draft of a journey, or None when the workspace has no journey with that id."""
    text = connection.execute(
        select(journeys.c.draft).where(journeys.c.id == journey_id)
    ).scalar_one_or_none()
    return None if text is None else load_journey(text, f"journey {journey_id}")


@dataclass(frozen=True)
class JourneyRow:
    """A journey as the journeys list shows it."""

    id: str
    name: str
    status: str
    current_version: int | None
    versions: int
    created_at: datetime
    updated_at: datetime


def list_journeys(connection: Connection) -> list[JourneyRow]:
    """Every journey in the workspace, by name."""
    versions = (
        select(journey_versions.c.journey_id, func.count().label("versions"))
        .group_by(journey_versions.c.journey_id)
        .subquery()
    )
    rows = connection.execute(
        select(
            journeys.c.id,
            journeys.c.name,
            journeys.c.status,
            journeys.c.current_version,
            func.coalesce(versions.c.versions, 0),
            journeys.c.created_at,
            journeys.c.updated_at,
        )
        .outerjoin(versions, versions.c.journey_id == journeys.c.id)
        .order_by(journeys.c.name)
    )
    return [JourneyRow(*row) for row in rows]


class JourneyNotDeletable(ValueError):
    """Only a draft that never went live can be deleted."""


def delete_draft(connection: Connection, journey_id: str) -> None:
    """Delete a journey that never went live; refuse anything with published versions."""
    row = connection.execute(
        select(journeys.c.name, journeys.c.status).where(journeys.c.id == journey_id)
    ).one_or_none()
    if row is None:
        raise LookupError(f"no journey with id {journey_id}")
    published = connection.execute(
        select(func.count()).where(journey_versions.c.journey_id == journey_id)
    ).scalar_one()
    if row.status != "draft" or published:
        raise JourneyNotDeletable(
            f"“{row.name}” is {row.status} and has {published} published version(s); only a "
            "draft that never went live can be deleted (stop it instead)"
        )
    connection.execute(delete(journeys).where(journeys.c.id == journey_id))
