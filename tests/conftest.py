"""Shared test setup: Qt renders offscreen unless told otherwise; a Hypothesis profile for CI;
a real SQLite workspace file for any test that asks for ``workspace``."""

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

from app.store.workspace import Workspace, open_workspace

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

# CI machines are slower and busier than a laptop: no per-example deadline, no health check
# on slow input generation, and print the blob that reproduces a failure.
settings.register_profile(
    "ci", deadline=None, print_blob=True, suppress_health_check=[HealthCheck.too_slow]
)
if os.environ.get("CI"):
    settings.load_profile("ci")


@pytest.fixture
def workspace(tmp_path: Path) -> Iterator[Workspace]:
    """A new workspace: a real SQLite file in a temporary folder, at the schema's head."""
    opened = open_workspace(str(tmp_path / "workspace.db"))
    try:
        yield opened
    finally:
        opened.close()
