"""Engine tests run on both databases: SQLite always, PostgreSQL when
``JOURNEY_STUDIO_TEST_PG_URL`` names one (see ``tests/store/pg.py``)."""

import pytest

from app.store.workspace import Workspace
from tests.engine.world import World
from tests.store import pg

workspace_location = pg.workspace_location
workspace = pg.workspace


@pytest.fixture
def world(workspace: Workspace) -> World:
    """A world on the workspace with the segment "All" (everyone), which journeys enter from
    unless told otherwise."""
    world = World(workspace)
    world.segment("All", {"all": []})
    return world
