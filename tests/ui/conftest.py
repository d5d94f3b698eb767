"""Fixtures for the app's pages: a real workspace and the context the window hands to pages."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import pytest

from app.services.workspace import create_workspace
from app.store.workspace import Workspace, open_workspace
from app.ui.background import Background
from app.ui.context import AppContext

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
"""The moment the demo workspace is made and the clock the pages see."""


def make_context(workspace: Workspace) -> AppContext:
    return AppContext(workspace, Background(), clock=lambda: NOW)


@pytest.fixture
def app_context(workspace: Workspace, qapp: object) -> Iterator[AppContext]:
    """An empty workspace's context."""
    context = make_context(workspace)
    yield context
    context.background.shutdown()


@pytest.fixture(scope="session")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A demo workspace file (500 contacts, the samples as drafts), made once per run; tests
    that change it copy it first (:func:`demo_context`)."""
    path = tmp_path_factory.mktemp("demo") / "demo.db"
    create_workspace(str(path), demo=True, contacts=500, seed=7, now=NOW)
    return path


@contextmanager
def opened_copy(source: Path, folder: Path) -> Iterator[AppContext]:
    """A private copy of the workspace file ``source``, opened, with the context the window
    would hand to pages; closed afterwards."""
    copy = folder / source.name
    copy.write_bytes(source.read_bytes())
    opened = open_workspace(str(copy))
    context = make_context(opened)
    try:
        yield context
    finally:
        context.background.shutdown()
        opened.close()


@pytest.fixture
def demo_context(demo_db: Path, tmp_path: Path, qapp: object) -> Iterator[AppContext]:
    """A private copy of the demo workspace, opened, as the window would hand it to pages."""
    with opened_copy(demo_db, tmp_path) as context:
        yield context


@pytest.fixture(autouse=True)
def private_qt_settings(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Recent workspaces and window geometry go to a folder of this test run, never to the
    user's own settings."""
    from PySide6.QtCore import QSettings

    folder = str(tmp_path_factory.mktemp("qsettings"))
    for form in (QSettings.Format.NativeFormat, QSettings.Format.IniFormat):
        QSettings.setPath(form, QSettings.Scope.UserScope, folder)


@pytest.fixture(autouse=True)
def collected_on_the_gui_thread(qapp: object) -> Iterator[None]:
    """As in the app (:mod:`app.ui.collector`): a test's garbage, widgets included, is
    collected on the GUI thread when it ends, never by a background worker later on."""
    from PySide6.QtWidgets import QApplication

    from app.ui.collector import collect_on_gui_thread

    app = QApplication.instance()
    assert app is not None
    collect_on_gui_thread(app)
    yield
    gc.collect()


@pytest.fixture(scope="session", autouse=True)
def clipboard_released_at_the_end() -> Iterator[None]:
    """Copy tests leave journey nodes on the clipboard; Qt would delete them after Python has
    shut down, and pytest would crash on its way out (exit 139) after every test passed."""
    yield
    from app.ui.app import release_clipboard

    release_clipboard()
