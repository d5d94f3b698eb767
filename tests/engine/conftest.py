"""Engine tests run on both databases: SQLite always, PostgreSQL when
``JOURNEY_STUDIO_TEST_PG_URL`` names one (see ``tests/store/pg.py``)."""

from collections.abc import Iterator

import pytest
from sqlalchemy import func, select

from app.store.schema import NO_PORT, enrollments, step_counts, step_log
from app.store.workspace import Workspace
from tests.engine.world import World
from tests.store import pg

workspace_location = pg.workspace_location
workspace = pg.workspace


@pytest.fixture
def world(workspace: Workspace) -> Iterator[World]:
    """A world on the workspace with the segment "All" (everyone), which journeys enter from
    unless told otherwise. Afterwards, whatever the test did, the step counts must be the
    step log's own totals."""
    world = World(workspace)
    world.segment("All", {"all": []})
    yield world
    assert step_totals(workspace) == counted_steps(workspace)


def step_totals(workspace: Workspace) -> dict[tuple[object, ...], int]:
    """(journey, version, node, outcome, port) → rows in the step log, counted afresh."""
    port = func.coalesce(step_log.c.port, NO_PORT)
    keys = (enrollments.c.journey_id, enrollments.c.version, step_log.c.node_id, step_log.c.outcome)
    with workspace.reader() as connection:
        rows = connection.execute(
            select(*keys, port, func.count())
            .join(enrollments, enrollments.c.id == step_log.c.enrollment_id)
            .group_by(*keys, port)
        )
        return {tuple(key): count for *key, count in rows}


def counted_steps(workspace: Workspace) -> dict[tuple[object, ...], int]:
    """The same, as the engine kept them in ``step_counts``."""
    with workspace.reader() as connection:
        rows = connection.execute(select(step_counts).where(step_counts.c.steps > 0))
        return {tuple(key): count for *key, count in rows}
