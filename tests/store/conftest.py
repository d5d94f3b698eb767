"""Fixtures for store tests: a real SQLite workspace file in a temporary folder."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from app.store.workspace import Workspace, open_workspace


@pytest.fixture
def workspace(tmp_path: Path) -> Iterator[Workspace]:
    opened = open_workspace(str(tmp_path / "workspace.db"))
    try:
        yield opened
    finally:
        opened.close()
