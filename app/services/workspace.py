"""Use-case: create a workspace, optionally filled with the demo data and the samples.

``create_workspace`` is what ``journey-studio init [--demo]`` runs. Everything happens in one
write transaction, so a failed or interrupted demo leaves the workspace as it was, and two
``init`` runs at once cannot both fill it. Rules:
- a workspace ``init`` already initialised is left alone (``created`` is False), so the README's
  first command can run twice; asking for the demo in a workspace initialised without it fills
  it only while it is still empty;
- demo data goes only into an empty workspace: one holding contacts, events, segments or
  journeys that ``init`` did not put there is refused with :class:`WorkspaceNotEmpty`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from app.resources import resource_path
from app.services.documents import JOURNEY_SUFFIX, read_journey, read_segments
from app.store.demo import Progress, fill_demo
from app.store.initialisation import (
    Contents,
    contents,
    initialised_by,
    load_samples,
    record_initialisation,
)
from app.store.workspace import Workspace, open_workspace

SAMPLES = ("samples",)


@dataclass(frozen=True)
class InitReport:
    location: str
    """The SQLite file, or the database URL without its password."""
    created: bool
    """False when ``init`` had already initialised this workspace and nothing was written."""
    record: dict[str, Any]
    """How the workspace was initialised (the ``initialised_by`` setting)."""
    contents: Contents


class WorkspaceNotEmpty(Exception):
    """Demo data was asked for in a workspace that already holds other data."""

    def __init__(self, location: str, held: Contents) -> None:
        self.location = location
        self.contents = held
        super().__init__(f"{location} already holds data")


def create_workspace(
    path_or_url: str | None,
    *,
    demo: bool,
    contacts: int,
    seed: int,
    now: datetime,
    progress: Progress | None = None,
) -> InitReport:
    """Create (or open) the workspace and, with ``demo``, fill it; see the module rules.

    Raises :class:`WorkspaceNotEmpty`, and :class:`~app.store.workspace.WorkspaceError` when
    the workspace cannot be opened.
    """
    workspace = open_workspace(path_or_url)
    try:
        return _initialise(workspace, demo, contacts, seed, now, progress)
    finally:
        workspace.close()


def _initialise(
    workspace: Workspace,
    demo: bool,
    contacts: int,
    seed: int,
    now: datetime,
    progress: Progress | None,
) -> InitReport:
    location = workspace.describe()
    now = now.astimezone(UTC).replace(microsecond=0)
    with workspace.writer() as connection:
        record = initialised_by(connection)
        held = contents(connection)
        if record is not None and not (demo and not record.get("demo")):
            return InitReport(location, False, record, held)
        if demo and not held.empty:
            raise WorkspaceNotEmpty(location, held)
        record = {"demo": demo, "at": now.strftime("%Y-%m-%dT%H:%M:%SZ")}
        if demo:
            fill_demo(connection, contacts_wanted=contacts, seed=seed, now=now, progress=progress)
            samples = resource_path(*SAMPLES)
            journeys = [read_journey(path) for path in sorted(samples.glob(f"*{JOURNEY_SUFFIX}"))]
            load_samples(connection, read_segments(samples).values(), journeys, now)
            record |= {"contacts": contacts, "seed": seed}
        record_initialisation(connection, record)
        return InitReport(location, True, record, contents(connection))
