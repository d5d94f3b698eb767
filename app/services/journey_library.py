"""Journeys in the workspace, as the app's Journeys page works with them (DESIGN §4).

Journeys live in the workspace: a working draft per journey plus every published version.
``*.journey.json`` files are for import, export and sharing. Rules kept here:
- importing a file whose id exists makes a new draft of that journey (its status and versions
  are untouched); a different id with a taken name is refused with
  :class:`~app.store.journeys.JourneyNameTaken`;
- a duplicate is a new journey (new id, "… (copy)") holding the draft as a draft;
- only a draft that never went live can be deleted.

Lifecycle changes (go live, pause, resume, stop) are in :mod:`app.services.journeys`.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import select

from app.domain.journey import JourneyDocument
from app.services.documents import read_journey, write_journey
from app.store import journeys as store
from app.store.journeys import JourneyNameTaken, JourneyNotDeletable, JourneyRow
from app.store.schema import journeys
from app.store.workspace import Workspace

__all__ = [
    "JourneyNameTaken",
    "JourneyNotDeletable",
    "JourneyRow",
    "OpenedJourney",
    "delete_journey",
    "duplicate_journey",
    "export_journey",
    "import_journey_file",
    "list_journeys",
    "open_journey",
    "save_draft",
]


@dataclass(frozen=True)
class OpenedJourney:
    document: JourneyDocument
    """The working draft (after going live, the draft is the published document)."""
    status: str
    current_version: int | None


def list_journeys(workspace: Workspace) -> list[JourneyRow]:
    with workspace.reader() as connection:
        return store.list_journeys(connection)


def open_journey(workspace: Workspace, journey_id: str) -> OpenedJourney:
    """The journey's draft and state; :class:`LookupError` when it is not in the workspace."""
    with workspace.reader() as connection:
        row = connection.execute(
            select(journeys.c.status, journeys.c.current_version).where(journeys.c.id == journey_id)
        ).one_or_none()
        document = store.load_draft(connection, journey_id)
    if row is None or document is None:
        raise LookupError(f"no journey with id {journey_id} in this workspace")
    return OpenedJourney(document, row.status, row.current_version)


def save_draft(workspace: Workspace, document: JourneyDocument, now: datetime) -> bool:
    """Save the working draft; True when the journey is new. Status and versions stay."""
    with workspace.writer() as connection:
        return store.save_draft(connection, document, now)


def import_journey_file(workspace: Workspace, path: Path, now: datetime) -> OpenedJourney:
    """Read a journey file into the workspace as a draft (see the module rules)."""
    document = read_journey(path)
    save_draft(workspace, document, now)
    return open_journey(workspace, document.id)


def export_journey(workspace: Workspace, journey_id: str, path: Path) -> JourneyDocument:
    """Write the journey's draft to ``path`` (atomically)."""
    document = open_journey(workspace, journey_id).document
    write_journey(path, document)
    return document


def duplicate_journey(workspace: Workspace, journey_id: str, now: datetime) -> JourneyDocument:
    """A new draft journey with the same content under a free name ("Welcome (copy)")."""
    with workspace.writer() as connection:
        original = store.load_draft(connection, journey_id)
        if original is None:
            raise LookupError(f"no journey with id {journey_id} in this workspace")
        taken = set(connection.execute(select(journeys.c.name)).scalars())
        copy = original.model_copy(
            update={"id": str(uuid.uuid4()), "name": _free_name(original.name, taken)}, deep=True
        )
        store.save_draft(connection, copy, now)
    return copy


def delete_journey(workspace: Workspace, journey_id: str) -> None:
    """Delete a draft that never went live; :class:`JourneyNotDeletable` otherwise."""
    with workspace.writer() as connection:
        store.delete_draft(connection, journey_id)


def _free_name(name: str, taken: set[str]) -> str:
    candidate = f"{name} (copy)"
    number = 2
    while candidate in taken:
        candidate = f"{name} (copy {number})"
        number += 1
    return candidate
