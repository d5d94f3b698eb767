"""Use-cases on segments, shared by the command line and the app.

Each takes an open :class:`~app.store.workspace.Workspace` and runs in one transaction (a
writer for changes, a reader for evaluation). Errors keep their store types, grouped for
callers: :data:`REFUSALS` (the workspace said no: unknown or circular segment references, a
segment in use), :class:`~app.store.segments.SegmentNotFound`, and
:class:`~app.domain.loading.DocumentError` for a file that cannot be read.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from app.services.documents import read_segment
from app.store import segments as store
from app.store.segment_sql import SegmentDefinitionError
from app.store.segment_usage import due_segments
from app.store.workspace import Workspace

REFUSALS: tuple[type[Exception], ...] = (SegmentDefinitionError, store.SegmentInUse)
"""What a save or delete may be refused with; the message says why in the user's words."""

SegmentNotFound = store.SegmentNotFound


@dataclass(frozen=True)
class SavedSegment:
    name: str
    outcome: store.SaveOutcome
    """``created``, ``updated``, or ``unchanged`` when the workspace already had this text."""


@dataclass(frozen=True)
class SegmentSummary:
    name: str
    audience: str
    description: str
    refreshed_at: datetime | None


@dataclass(frozen=True)
class Refreshed:
    name: str
    joined: list[int]
    left: list[int]


def save_segment_file(workspace: Workspace, path: Path, now: datetime) -> SavedSegment:
    """Read a ``*.segment.json`` file and create or update the segment of its name."""
    document = read_segment(path)
    with workspace.writer() as connection:
        outcome = store.save_segment(connection, document, now)
    return SavedSegment(document.name, outcome)


def count_members(workspace: Workspace, name: str, at: datetime) -> int:
    with workspace.reader() as connection:
        return store.count_members(connection, name, at)


def member_emails(workspace: Workspace, name: str, at: datetime) -> list[str | None]:
    """Members' emails at ``at``, sorted; None for members without an email, last."""
    with workspace.reader() as connection:
        return store.member_emails(connection, name, at)


def list_segments(workspace: Workspace) -> list[SegmentSummary]:
    with workspace.reader() as connection:
        return [
            SegmentSummary(
                item.name,
                item.document.audience,
                item.document.description,
                item.refreshed_at,
            )
            for item in store.list_segments(connection)
        ]


def delete_segment(workspace: Workspace, name: str) -> None:
    with workspace.writer() as connection:
        store.delete_segment(connection, name)


def refresh_segment(workspace: Workspace, name: str, now: datetime) -> Refreshed:
    """Bring one segment's materialised membership to ``now``."""
    with workspace.writer() as connection:
        joined, left = store.refresh(connection, name, now)
    return Refreshed(name, joined, left)


def refresh_due_segments(workspace: Workspace, now: datetime) -> list[Refreshed]:
    """Refresh every segment in use whose last refresh is older than ``segment_refresh``."""
    with workspace.writer() as connection:
        due = due_segments(connection, now, store.stored_documents(connection))
        return [Refreshed(name, *store.refresh(connection, name, now)) for name in due]
