"""Engine tests run on both databases: SQLite always, PostgreSQL when
``JOURNEY_STUDIO_TEST_PG_URL`` names one (see ``tests/store/pg.py``)."""

from collections.abc import Iterator

import pytest

from app.store.workspace import Workspace, open_workspace
from tests.store import pg

workspace_location = pg.workspace_location


@pytest.fixture
def workspace(workspace_location: str) -> Iterator[Workspace]:
    """A new workspace at the schema's head: an SQLite file, or a fresh PostgreSQL schema."""
    opened = open_workspace(workspace_location)
    try:
        yield opened
    finally:
        opened.close()
