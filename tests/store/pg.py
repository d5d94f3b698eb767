"""Store tests on PostgreSQL too, when ``JOURNEY_STUDIO_TEST_PG_URL`` names a database.

Bind the fixture in a test module to run its tests on both databases (and ``workspace`` too
for an open workspace there)::

    from tests.store import pg

    workspace_location = pg.workspace_location
    workspace = pg.workspace

``workspace_location`` is a ``--db`` value: an SQLite file in a temporary folder, and, when the
variable is set (e.g. ``postgresql+psycopg://journey:journey@localhost/journey_test``), a URL
whose connections use a fresh PostgreSQL schema of their own, dropped after the test. Tests on
PostgreSQL are skipped when the variable is not set.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import create_engine
from sqlalchemy.engine import make_url

from app.store.workspace import Workspace, open_workspace

PG_URL_VAR = "JOURNEY_STUDIO_TEST_PG_URL"

requires_pg = pytest.mark.skipif(
    not os.environ.get(PG_URL_VAR), reason=f"set {PG_URL_VAR} to run on PostgreSQL"
)

DATABASES = ["sqlite", pytest.param("postgresql", marks=requires_pg)]


@pytest.fixture(params=DATABASES)
def workspace_location(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield str(tmp_path / "workspace.db")
        return
    with fresh_pg_schema(os.environ[PG_URL_VAR]) as url:
        yield url


@pytest.fixture
def workspace(workspace_location: str) -> Iterator[Workspace]:
    """A new workspace at the schema's head, at ``workspace_location``."""
    with open_workspace(workspace_location) as opened:
        yield opened


@contextmanager
def fresh_pg_schema(base_url: str) -> Iterator[str]:
    """A URL on a new, empty schema of the database at ``base_url``; dropped afterwards."""
    schema = f"test_{uuid.uuid4().hex[:12]}"
    _run(base_url, f'CREATE SCHEMA "{schema}"')
    try:
        url = make_url(base_url).update_query_dict({"options": f"-csearch_path={schema}"})
        yield url.render_as_string(hide_password=False)
    finally:
        _run(base_url, f'DROP SCHEMA "{schema}" CASCADE')


def _run(url: str, statement: str) -> None:
    engine = create_engine(url)
    try:
        with engine.begin() as connection:
            connection.exec_driver_sql(statement)
    finally:
        engine.dispose()
