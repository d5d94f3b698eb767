"""The main window shell: navigation areas, page switching, status bar, and `run_gui`."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QLabel
from pytestqt.qtbot import QtBot

from app.ui.app import load_style_sheet, run_gui
from app.ui.context import AppContext
from app.ui.main_window import MainWindow

AREA_TITLES = ["Journeys", "Segments", "Contacts", "Tasks", "Messages", "Settings"]


def make_window(qtbot: QtBot, context: AppContext) -> MainWindow:
    window = MainWindow(context)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    return window


def navigation_titles(window: MainWindow) -> list[str]:
    return [window.navigation.item(row).text() for row in range(window.navigation.count())]


def visible_page_texts(window: MainWindow) -> list[str]:
    page = window.pages.currentWidget()
    return [label.text() for label in page.findChildren(QLabel) if label.isVisible()]


def test_window_has_title_and_six_areas_starting_on_journeys(
    qtbot: QtBot, app_context: AppContext
) -> None:
    window = make_window(qtbot, app_context)
    assert window.windowTitle() == "Journey Studio"
    assert navigation_titles(window) == AREA_TITLES
    assert window.pages.count() == len(AREA_TITLES)
    assert "Journeys" in visible_page_texts(window)
    qtbot.waitUntil(  # the list loads off the GUI thread; an empty workspace says what to do
        lambda: any("No journeys in this workspace" in t for t in visible_page_texts(window))
    )


def test_clicking_an_area_shows_its_page(qtbot: QtBot, app_context: AppContext) -> None:
    window = make_window(qtbot, app_context)
    for row, title in enumerate(AREA_TITLES):
        item = window.navigation.item(row)
        point = window.navigation.visualItemRect(item).center()
        qtbot.mouseClick(window.navigation.viewport(), Qt.MouseButton.LeftButton, pos=point)
        assert window.current_area().title == title
        assert title in visible_page_texts(window)


def test_keyboard_moves_through_the_areas(qtbot: QtBot, app_context: AppContext) -> None:
    window = make_window(qtbot, app_context)
    window.navigation.setFocus()
    qtbot.keyClick(window.navigation, Qt.Key.Key_Down)
    assert window.current_area().title == "Segments"
    qtbot.keyClick(window.navigation, Qt.Key.Key_End)
    assert window.current_area().title == "Settings"


def test_status_bar_names_the_workspace_and_engine_state(
    qtbot: QtBot, app_context: AppContext
) -> None:
    window = make_window(qtbot, app_context)
    assert window.workspace_label.text() == f"Workspace: {app_context.location}"
    assert app_context.location.endswith("workspace.db")
    assert window.engine_label.text() == "Engine: stopped"


def test_light_style_sheet_is_found() -> None:
    assert "QListWidget#navigation" in load_style_sheet()


def test_run_gui_opens_the_main_window_and_returns_exit_code(qtbot: QtBot, tmp_path: Path) -> None:
    seen: list[tuple[str, str]] = []

    def inspect_and_quit() -> None:
        windows = [w for w in QApplication.topLevelWidgets() if isinstance(w, MainWindow)]
        for window in windows:
            if window.isVisible():
                seen.append((window.windowTitle(), window.workspace_label.text()))
                window.close()
        QApplication.exit(0)

    QTimer.singleShot(0, inspect_and_quit)
    team = tmp_path / "team.db"
    assert run_gui(str(team)) == 0
    assert seen == [("Journey Studio", f"Workspace: {team}")]
    assert team.exists()  # the workspace was created and migrated
    assert QApplication.applicationName() == "Journey Studio"
    assert QApplication.organizationName() == "Journey Studio"
