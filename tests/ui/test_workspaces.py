"""Opening workspaces from the app: the launcher builds a window per workspace, remembers the
recent ones, swaps windows when another is opened, and keeps the window's geometry."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QRect
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from app.store.workspace import describe_location
from app.ui import preferences
from app.ui.app import Launcher
from app.ui.main_window import MainWindow


def close_all(*windows: MainWindow | None) -> None:
    for window in windows:
        if window is not None and window.isVisible():
            window.close()
    QApplication.processEvents()


def test_opening_another_workspace_swaps_the_window_and_remembers_both(
    qtbot: QtBot, tmp_path: Path
) -> None:
    first, second = tmp_path / "first.db", tmp_path / "second.db"
    launcher = Launcher(run_engine=False)
    window = launcher.open(str(first))
    assert window is not None
    window.show()
    assert window.workspace_label.text() == f"Workspace: {describe_location(str(first))}"

    window.choose_workspace_path = lambda: second
    window.open_workspace()
    swapped = launcher.window
    assert swapped is not None and swapped is not window
    assert swapped.isVisible() and not window.isVisible()
    assert swapped.workspace_label.text() == f"Workspace: {describe_location(str(second))}"
    assert second.exists()
    assert preferences.recent_workspaces()[:2] == [
        describe_location(str(second)),
        describe_location(str(first)),
    ]

    swapped.recent_menu.aboutToShow.emit()  # the menu fills itself when it opens
    entries = [action.text() for action in swapped.recent_menu.actions()]
    assert entries == [describe_location(str(first))]
    close_all(swapped, window)


def test_a_workspace_that_cannot_be_opened_keeps_the_current_window(
    qtbot: QtBot, tmp_path: Path, monkeypatch: object
) -> None:
    from PySide6.QtWidgets import QMessageBox

    shown: list[str] = []
    monkeypatch.setattr(  # type: ignore[attr-defined]
        QMessageBox, "critical", staticmethod(lambda _parent, _title, text: shown.append(text))
    )
    not_a_workspace = tmp_path / "notes.db"
    not_a_workspace.write_text("shopping list", encoding="utf-8")
    launcher = Launcher(run_engine=False)
    window = launcher.open(str(tmp_path / "good.db"))
    assert window is not None
    window.show()
    window.open_workspace(str(not_a_workspace))
    assert launcher.window is window and window.isVisible()
    assert shown and "notes.db" in shown[0]
    assert not_a_workspace.read_text(encoding="utf-8") == "shopping list"
    close_all(window)


def test_the_window_geometry_is_kept_between_runs(qtbot: QtBot, tmp_path: Path) -> None:
    launcher = Launcher(run_engine=False)
    window = launcher.open(str(tmp_path / "w.db"))
    assert window is not None
    window.show()
    window.setGeometry(QRect(30, 40, 1000, 600))  # the offscreen screen is 800 px high
    QApplication.processEvents()
    assert window.height() == 600
    window.close()
    again = Launcher(run_engine=False).open(str(tmp_path / "w.db"))
    assert again is not None
    again.show()
    # The width is held at the window's minimum on this narrow screen; the height, which the
    # default (1280x800) would not give, shows that the geometry came back.
    assert again.height() == 600
    close_all(again)
