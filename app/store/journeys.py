"""Journeys in the workspace: the working draft of each journey, by its document id.

A journey row is keyed by the document's ``id`` (stable across saves and files) and holds the
draft as its ``*.journey.json`` text. Invariants (DESIGN §4):
- names are unique in a workspace: saving a document whose name belongs to another id is
  refused with :class:`JourneyNameTaken`;
- saving a draft never touches the journey's status or its published versions.

(First slice: drafts only. Publishing, status changes and listing arrive with the engine.)
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, insert, select, update

from app.domain.journey import JourneyDocument
from app.domain.loading import load_journey
from app.store.schema import journeys


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
