"""The demo workspace after its journeys ran: messages and sales tasks for the pages' tests.

``ran_demo_db`` (once per test run) publishes the demo's Re-engagement and High-value
follow-up journeys at the demo's moment and runs the engine on simulated time: a tick then,
and one five days later (the reminder's wait is over: offers and texts). ``ran_context`` is a
private copy of it, opened, as the window would hand it to pages.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from app.services.journeys import publish
from app.services.runtime import EngineRunner
from app.store.journeys import list_journeys, load_draft
from app.store.workspace import open_workspace
from app.ui.context import AppContext
from tests.ui.conftest import NOW, opened_copy

RUN_JOURNEYS = ("Re-engagement", "High-value follow-up")
LATER = NOW + timedelta(days=5, hours=2)
"""The second simulated tick."""


@pytest.fixture(scope="session")
def ran_demo_db(demo_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("ran-demo") / "demo.db"
    path.write_bytes(demo_db.read_bytes())
    with open_workspace(str(path)) as workspace:
        with workspace.reader() as connection:
            drafts = {row.name: load_draft(connection, row.id) for row in list_journeys(connection)}
        for name in RUN_JOURNEYS:
            document = drafts[name]
            assert document is not None
            assert publish(workspace, document, NOW).published
        runner = EngineRunner.for_workspace(workspace)
        for moment in (NOW, LATER):
            runner.tick(moment)
        runner.release()
    return path


@pytest.fixture
def ran_context(ran_demo_db: Path, tmp_path: Path, qapp: object) -> Iterator[AppContext]:
    with opened_copy(ran_demo_db, tmp_path) as context:
        yield context
