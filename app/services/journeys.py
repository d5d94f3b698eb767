"""Journey lifecycle use-cases (DESIGN §5): publish, pause, resume, stop.

Publishing validates against the workspace's segments, saves the draft, freezes the next
version and makes the journey live; the entry and exclusion segments are refreshed at once so
that everyone already in the entry segment enters at the next tick (back-fill). Contacts in
flight finish on the version they entered with.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update

from app.domain.journey import JourneyDocument
from app.domain.validation import Finding, has_errors, validate_journey
from app.engine.membership import refresh_segments
from app.engine.runs import end_all
from app.store.journeys import save_draft
from app.store.schema import enrollments, segments
from app.store.versions import (
    JourneyState,
    freeze_version,
    journey_by_name,
    load_version,
    set_status,
)
from app.store.workspace import Workspace


class LifecycleError(ValueError):
    """A lifecycle change that is not allowed (a stopped journey cannot resume, …)."""


class JourneyNotFound(LookupError):
    def __init__(self, name: str) -> None:
        super().__init__(f"no journey named “{name}” in this workspace")
        self.name = name


@dataclass(frozen=True)
class PublishResult:
    published: bool
    version: int | None
    findings: list[Finding]


def publish(workspace: Workspace, document: JourneyDocument, now: datetime) -> PublishResult:
    """Validate and go live with a new version; nothing is written when there are errors."""
    with workspace.writer() as connection:
        known = set(connection.execute(select(segments.c.name)).scalars())
        findings = validate_journey(document, known_segments=known, now=now)
        if has_errors(findings):
            return PublishResult(False, None, findings)
        existing = journey_by_name(connection, document.name)
        if existing is not None and existing.status in ("stopped", "completed"):
            raise LifecycleError(
                f"“{document.name}” is {existing.status}; a stopped journey cannot go live "
                "again — duplicate it under a new name"
            )
        save_draft(connection, document, now)
        version = freeze_version(connection, document, now)
        set_status(connection, document.id, "live", now)
        settings = document.settings
        refresh_segments(
            connection, filter(None, [settings.entry_segment, *settings.exclusion_segments]), now
        )
    return PublishResult(True, version, findings)


def _journey(workspace: Workspace, name: str) -> JourneyState:
    with workspace.reader() as connection:
        state = journey_by_name(connection, name)
    if state is None:
        raise JourneyNotFound(name)
    return state


def pause(workspace: Workspace, name: str, now: datetime) -> None:
    _change_status(workspace, name, "live", "paused", now)


def resume(workspace: Workspace, name: str, now: datetime) -> None:
    """Carry on. Everything is judged by when it happened (DESIGN §5): overdue waits run at
    once, but a time-of-day wait whose slot passed during the pause takes the next slot."""
    _change_status(workspace, name, "paused", "live", now)
    with workspace.writer() as connection:
        state = journey_by_name(connection, name)
        assert state is not None
        for version in connection.execute(
            select(enrollments.c.version)
            .where(enrollments.c.journey_id == state.id, enrollments.c.status == "active")
            .distinct()
        ).scalars():
            document = load_version(connection, state.id, version)
            slots = [
                node.id
                for node in document.nodes
                if node.kind == "wait" and (node.config or {}).get("mode") == "time_of_day"
            ]
            connection.execute(
                update(enrollments)
                .where(
                    enrollments.c.journey_id == state.id,
                    enrollments.c.version == version,
                    enrollments.c.status == "active",
                    enrollments.c.node_id.in_(slots),
                    enrollments.c.due_at < now,
                )
                .values(due_at=now, waiting_since=None)  # arrive again: the next slot
            )


def _change_status(
    workspace: Workspace, name: str, required: str, status: str, now: datetime
) -> None:
    state = _journey(workspace, name)
    if state.status != required:
        verb = {"paused": "be paused", "live": "resume"}[status]
        raise LifecycleError(f"“{name}” is {state.status}; only a {required} journey can {verb}")
    with workspace.writer() as connection:
        set_status(connection, state.id, status, now)


def stop(workspace: Workspace, name: str, now: datetime) -> int:
    """Stop for good: every active contact ends with ``journey_stopped``; returns how many."""
    state = _journey(workspace, name)
    if state.status not in ("live", "paused"):
        raise LifecycleError(f"“{name}” is {state.status}; only a running journey can be stopped")
    with workspace.writer() as connection:
        ended = end_all(connection, state.id, "journey_stopped", now)
        set_status(connection, state.id, "stopped", now)
    return ended
