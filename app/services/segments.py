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

from app.domain.segment import SegmentDocument
from app.services.documents import read_segment
from app.store import segments as store
from app.store.segment_sql import CATALOGUE_TYPES, SegmentDefinitionError
from app.store.segment_usage import due_segments, segments_in_use, segments_using
from app.store.workspace import Workspace

REFUSALS: tuple[type[Exception], ...] = (
    SegmentDefinitionError,
    store.SegmentInUse,
    store.SegmentNameTaken,
)
"""What a save or delete may be refused with; the message says why in the user's words."""

SegmentNotFound = store.SegmentNotFound
MemberRow = store.MemberRow

SAMPLE_SIZE = 20
"""Members the builder shows beside the live count."""
CHOICE_LIMIT = 200
"""At most this many distinct values are offered as choices for a field."""


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


# -- the segments page ------------------------------------------------------------------------


@dataclass(frozen=True)
class SegmentOverview:
    """A row of the segments list; the member count comes separately (:func:`count_document`)."""

    name: str
    document: SegmentDocument
    journeys: list[str]
    """Live and paused journeys that use it (directly or through other segments)."""
    used_by_segments: list[str]
    refreshed_at: datetime | None

    @property
    def read_only(self) -> bool:
        """A segment used by a running journey is not edited, only duplicated (DESIGN §3)."""
        return bool(self.journeys)


def segment_overview(workspace: Workspace) -> list[SegmentOverview]:
    """Every segment with who uses it, by name."""
    with workspace.reader() as connection:
        stored = store.list_segments(connection)
        documents = {item.name: item.document for item in stored}
        in_use = segments_in_use(connection, documents)
        return [
            SegmentOverview(
                item.name,
                item.document,
                in_use.get(item.name, []),
                segments_using(item.name, documents),
                item.refreshed_at,
            )
            for item in stored
        ]


def count_document(workspace: Workspace, document: SegmentDocument, at: datetime) -> int:
    """Members of a definition that need not be saved (the builder's live count)."""
    with workspace.reader() as connection:
        return store.count_document(connection, document, at)


def sample_members(
    workspace: Workspace, document: SegmentDocument, at: datetime, limit: int = SAMPLE_SIZE
) -> list[MemberRow]:
    with workspace.reader() as connection:
        return store.sample_members(connection, document, at, limit)


def save_segment(workspace: Workspace, document: SegmentDocument, now: datetime) -> SavedSegment:
    """Create or update the segment of the document's name (refusals: :data:`REFUSALS`)."""
    with workspace.writer() as connection:
        outcome = store.save_segment(connection, document, now)
    return SavedSegment(document.name, outcome)


def save_edited(
    workspace: Workspace, document: SegmentDocument, original: str | None, now: datetime
) -> SavedSegment:
    """Save what the builder holds: a new segment (``original`` None; a taken name is
    refused), the segment ``original`` under its own name, or renamed to the document's."""
    if original is not None and original != document.name:
        return rename_segment(workspace, original, document, now)
    with workspace.writer() as connection:
        if original is None and store.segment_exists(connection, document.name):
            raise store.SegmentNameTaken(document.name)
        outcome = store.save_segment(connection, document, now)
    return SavedSegment(document.name, outcome)


def rename_segment(
    workspace: Workspace, old_name: str, document: SegmentDocument, now: datetime
) -> SavedSegment:
    """Save ``document`` under its (new) name in place of ``old_name``, in one transaction.

    Refused like an edit when ``old_name`` is in use by journeys or other segments, and when
    the new name is taken.
    """
    with workspace.writer() as connection:
        store.rename_segment(connection, old_name, document, now)
    return SavedSegment(document.name, "updated")


def free_copy_name(workspace: Workspace, name: str) -> str:
    """“NAME (copy)”, or “NAME (copy 2)”… : the first that no segment has."""
    with workspace.reader() as connection:
        taken = set(store.stored_documents(connection))
    candidate = f"{name} (copy)"
    number = 2
    while candidate in taken:
        candidate = f"{name} (copy {number})"
        number += 1
    return candidate


@dataclass(frozen=True)
class BuilderChoices:
    """What the builder offers: custom attributes with their types, event types present."""

    attributes: dict[str, str]
    event_types: list[str]


def builder_choices(workspace: Workspace) -> BuilderChoices:
    with workspace.reader() as connection:
        catalogue = store.catalogue(connection)
        return BuilderChoices(
            {key: kind for key, kind in catalogue.items() if kind in CATALOGUE_TYPES},
            store.event_types(connection),
        )


def present_values(workspace: Workspace, field: str, limit: int = CHOICE_LIMIT) -> list[str]:
    """Distinct values of a text field in the workspace, sorted (choices for ``in`` and ``eq``)."""
    with workspace.reader() as connection:
        return store.present_values(connection, field, limit)


@dataclass(frozen=True)
class Overlap:
    """How many contacts the entry segments of running journeys share.

    ``segments`` in order, each with the journeys that enter from it; ``counts[a, b]`` is the
    number in both (``counts[a, a]`` the segment's size); ``materialised`` names the segments
    read from their last refresh rather than evaluated now.
    """

    segments: list[str]
    journeys: dict[str, list[str]]
    counts: dict[tuple[str, str], int]
    materialised: set[str]


def journey_overlap(workspace: Workspace, at: datetime) -> Overlap:
    with workspace.reader() as connection:
        journeys: dict[str, list[str]] = {}
        for entry in store.running_entries(connection):
            label = entry.journey if entry.status == "live" else f"{entry.journey} (paused)"
            journeys.setdefault(entry.segment, []).append(label)
        names = sorted(name for name in journeys if store.segment_exists(connection, name))
        counts = store.overlap_counts(connection, names, at)
        materialised = store.refreshed_names(connection, names)
    return Overlap(names, {name: journeys[name] for name in names}, counts, materialised)
