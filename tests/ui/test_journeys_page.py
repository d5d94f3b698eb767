"""The Journeys page on a real workspace: the list, its buttons, opening, saving, the
unsaved-changes prompt, Go live, read-only live journeys, Edit as new version, pause, resume,
stop; the menus, `--screenshot` and the node icons."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QImage
from PySide6.QtSvg import QSvgRenderer
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from app.cli import main
from app.domain.registry import REGISTRY
from app.resources import resource_path
from app.services import journey_library as library
from app.services.documents import read_journey
from app.services.reports import journey_summaries
from app.store.versions import journey_by_name, load_version
from app.ui.context import AppContext
from app.ui.designer.icons import icon_file, icon_pixmap
from app.ui.journey_session import Unsaved
from app.ui.main_window import MainWindow
from tests.ui.designer_helpers import SAMPLES

RE_ENGAGEMENT = SAMPLES / "re-engagement.journey.json"
DEMO_JOURNEYS = {"Re-engagement", "High-value follow-up", "Welcome series"}


class Answers:
    """What the dialogs would have answered, and what they were asked."""

    def __init__(self) -> None:
        self.unsaved = Unsaved.DISCARD
        self.confirm = True
        self.errors: list[tuple[str, str]] = []
        self.asked_unsaved: list[str] = []


def make_window(qtbot: QtBot, context: AppContext) -> tuple[MainWindow, Answers]:
    window = MainWindow(context)
    answers = Answers()
    session = window.session

    def ask_unsaved(name: str) -> Unsaved:
        answers.asked_unsaved.append(name)
        return answers.unsaved

    session.ask_unsaved = ask_unsaved
    session.confirm = lambda _title, _text: answers.confirm
    session.show_error = lambda title, text: answers.errors.append((title, text))
    qtbot.addWidget(window)
    window.resize(1400, 900)
    window.show()
    qtbot.waitExposed(window)
    return window, answers


def listed(window: MainWindow) -> dict[str, str]:
    return {row.name: row.status for row in window.journeys.table.journeys()}


def wait_listed(qtbot: QtBot, window: MainWindow, names: set[str]) -> None:
    qtbot.waitUntil(lambda: set(listed(window)) == names, timeout=5000)


def select(window: MainWindow, name: str) -> None:
    row = next(row for row in window.journeys.table.journeys() if row.name == name)
    window.journeys.table.select_journey(row.id)


def open_by_double_click(qtbot: QtBot, window: MainWindow, name: str) -> None:
    table = window.journeys.table
    select(window, name)
    item = table.selectedItems()[0]
    point = table.visualItemRect(item).center()
    qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=point)  # a real user
    qtbot.mouseDClick(table.viewport(), Qt.MouseButton.LeftButton, pos=point)  # clicks first
    qtbot.waitUntil(lambda: window.journeys.designer_shown, timeout=3000)


def edit_something(window: MainWindow) -> None:
    window.designer.controller.add_node("wait", QPointF(0, 400))


def test_the_list_shows_the_workspaces_journeys(qtbot: QtBot, demo_context: AppContext) -> None:
    window, _answers = make_window(qtbot, demo_context)
    wait_listed(qtbot, window, DEMO_JOURNEYS)
    assert set(listed(window).values()) == {"draft"}
    table = window.journeys.table
    assert [table.horizontalHeaderItem(c).text() for c in range(table.columnCount())] == [
        "Name",
        "Status",
        "Version",
        "Entered",
        "Active",
        "Last changed",
    ]
    assert not window.journeys.buttons["open"].isEnabled()  # nothing selected yet
    select(window, "Welcome series")
    assert window.journeys.buttons["open"].isEnabled()
    assert window.journeys.buttons["delete"].isEnabled()


def test_double_click_opens_the_journey_in_the_designer(
    qtbot: QtBot, demo_context: AppContext
) -> None:
    window, _answers = make_window(qtbot, demo_context)
    wait_listed(qtbot, window, DEMO_JOURNEYS)
    open_by_double_click(qtbot, window, "Re-engagement")
    assert window.designer.document == read_journey(RE_ENGAGEMENT)
    assert window.windowTitle() == "Re-engagement[*] — Journey Studio"
    assert window.journeys.journey_title.text() == "Re-engagement"
    assert window.journeys.status_chip.text() == "Draft"
    assert window.journeys.buttons["go_live"].isVisible()
    assert not window.journeys.buttons["edit_version"].isVisible()


def test_save_then_open_gives_an_identical_document(qtbot: QtBot, demo_context: AppContext) -> None:
    window, _answers = make_window(qtbot, demo_context)
    wait_listed(qtbot, window, DEMO_JOURNEYS)
    open_by_double_click(qtbot, window, "Re-engagement")
    edit_something(window)
    assert window.session.modified and window.journeys.buttons["save"].isEnabled()
    assert window.session.save()
    assert not window.session.modified
    edited = window.designer.document
    assert window.journeys.show_list()
    open_by_double_click(qtbot, window, "Re-engagement")
    assert window.designer.document == edited
    assert window.designer.document.nodes[-1].kind == "wait"


def test_leaving_with_unsaved_changes_asks_and_cancel_stays(
    qtbot: QtBot, demo_context: AppContext
) -> None:
    window, answers = make_window(qtbot, demo_context)
    wait_listed(qtbot, window, DEMO_JOURNEYS)
    open_by_double_click(qtbot, window, "Re-engagement")
    edit_something(window)
    answers.unsaved = Unsaved.CANCEL
    assert not window.journeys.show_list()
    assert answers.asked_unsaved == ["Re-engagement"]
    assert window.journeys.designer_shown
    answers.unsaved = Unsaved.DISCARD
    assert window.journeys.show_list()
    stored = {row.name: row.id for row in library.list_journeys(demo_context.workspace)}
    reopened = library.open_journey(demo_context.workspace, stored["Re-engagement"])
    assert reopened.document == read_journey(RE_ENGAGEMENT)  # the discarded edit is gone


def test_new_import_duplicate_export_and_delete(
    qtbot: QtBot, demo_context: AppContext, tmp_path: Path
) -> None:
    window, answers = make_window(qtbot, demo_context)
    page = window.journeys
    wait_listed(qtbot, window, DEMO_JOURNEYS)

    assert window.session.new()
    assert window.designer.document.name == "Untitled journey"
    assert window.journeys.show_list()
    wait_listed(qtbot, window, DEMO_JOURNEYS | {"Untitled journey"})

    select(window, "Re-engagement")
    copy_id = page.duplicate_selected()
    assert copy_id is not None
    wait_listed(qtbot, window, DEMO_JOURNEYS | {"Untitled journey", "Re-engagement (copy)"})

    target = tmp_path / "shared.journey.json"
    select(window, "Re-engagement (copy)")
    assert page.export_selected(target)
    exported = read_journey(target)
    assert exported.name == "Re-engagement (copy)" and exported.id == copy_id

    assert page.delete_selected()
    wait_listed(qtbot, window, DEMO_JOURNEYS | {"Untitled journey"})

    renamed = exported.model_copy(update={"name": "Shared with me"})
    target.write_text(renamed.to_json(), encoding="utf-8")
    assert page.import_file(target)  # the deleted copy's id comes back as a new draft
    assert window.designer.document == renamed
    assert window.journeys.show_list()
    wait_listed(qtbot, window, DEMO_JOURNEYS | {"Untitled journey", "Shared with me"})
    assert answers.errors == []


def test_importing_a_taken_name_is_refused_and_adds_nothing(
    qtbot: QtBot, demo_context: AppContext, tmp_path: Path
) -> None:
    window, answers = make_window(qtbot, demo_context)
    wait_listed(qtbot, window, DEMO_JOURNEYS)
    stranger = read_journey(RE_ENGAGEMENT).model_copy(update={"id": "someone-elses-id"})
    path = tmp_path / "stranger.journey.json"
    path.write_text(stranger.to_json(), encoding="utf-8")
    assert not window.journeys.import_file(path)
    assert answers.errors and "Re-engagement" in answers.errors[0][1]
    assert len(library.list_journeys(demo_context.workspace)) == len(DEMO_JOURNEYS)


def test_a_broken_file_is_refused_with_the_reason(
    qtbot: QtBot, demo_context: AppContext, tmp_path: Path
) -> None:
    window, answers = make_window(qtbot, demo_context)
    broken = tmp_path / "broken.journey.json"
    broken.write_text('{"schema_version": 1, "name": "X", "nodes": [{"id": "a"}]}')
    assert not window.journeys.import_file(broken)
    assert answers.errors and "broken.journey.json" in answers.errors[0][1]
    assert not window.journeys.designer_shown


def test_go_live_is_refused_while_errors_exist(qtbot: QtBot, demo_context: AppContext) -> None:
    window, answers = make_window(qtbot, demo_context)
    assert window.session.new()  # a start node and nothing else: no entry segment
    assert not window.session.go_live()
    assert answers.errors[0][0] == "The journey cannot go live yet"
    assert "segment" in answers.errors[0][1]
    assert window.session.status == "draft"
    with demo_context.workspace.reader() as connection:
        state = journey_by_name(connection, "Untitled journey")
    assert state is not None and (state.status, state.current_version) == ("draft", None)


def test_a_live_journey_is_read_only_until_edit_as_new_version(
    qtbot: QtBot, demo_context: AppContext
) -> None:
    window, answers = make_window(qtbot, demo_context)
    page = window.journeys
    wait_listed(qtbot, window, DEMO_JOURNEYS)
    open_by_double_click(qtbot, window, "Re-engagement")
    assert window.session.go_live(), answers.errors
    assert (window.session.status, window.session.current_version) == ("live", 1)
    assert page.status_chip.text() == "Live"
    assert window.session.read_only
    assert page.buttons["edit_version"].isVisible()
    assert not page.buttons["go_live"].isVisible() and not page.buttons["save"].isVisible()
    assert not window.file_actions["save"].isEnabled()
    before = window.designer.document
    assert window.designer.add_node_at("wait", QPointF(0, 500)) is None  # refused
    assert window.designer.document == before

    page.buttons["edit_version"].click()
    assert not window.session.read_only
    assert page.buttons["go_live"].text() == "Go live as version 2"
    window.designer.controller.set_title("reminder", "Reminder, second take")
    assert window.session.go_live(), answers.errors
    assert window.session.current_version == 2
    with demo_context.workspace.reader() as connection:
        state = journey_by_name(connection, "Re-engagement")
        assert state is not None
        first = load_version(connection, state.id, 1)
        second = load_version(connection, state.id, 2)
    assert first.node("reminder").title == "Reminder email"
    assert second.node("reminder").title == "Reminder, second take"
    qtbot.waitUntil(lambda: listed(window).get("Re-engagement") == "live", timeout=5000)


def test_pause_resume_and_stop_from_the_header(qtbot: QtBot, demo_context: AppContext) -> None:
    window, answers = make_window(qtbot, demo_context)
    page = window.journeys
    wait_listed(qtbot, window, DEMO_JOURNEYS)
    open_by_double_click(qtbot, window, "Re-engagement")
    assert window.session.go_live(), answers.errors
    page.buttons["pause"].click()
    assert window.session.status == "paused" and page.buttons["resume"].isVisible()
    page.buttons["resume"].click()
    assert window.session.status == "live"
    answers.confirm = False
    page.buttons["stop"].click()
    assert window.session.status == "live"  # not confirmed: nothing changed
    answers.confirm = True
    page.buttons["stop"].click()
    assert window.session.status == "stopped"
    assert window.session.read_only and not page.buttons["edit_version"].isVisible()
    with demo_context.workspace.reader() as connection:
        state = journey_by_name(connection, "Re-engagement")
    assert state is not None and state.status == "stopped"
    assert page.show_list()
    qtbot.waitUntil(lambda: listed(window).get("Re-engagement") == "stopped", timeout=5000)
    select(window, "Re-engagement")
    assert not page.buttons["delete"].isEnabled()  # it went live: stopped, never deleted


def test_a_live_journey_with_an_unpublished_draft_opens_for_editing(
    qtbot: QtBot, demo_context: AppContext
) -> None:
    window, answers = make_window(qtbot, demo_context)
    wait_listed(qtbot, window, DEMO_JOURNEYS)
    open_by_double_click(qtbot, window, "Re-engagement")
    assert window.session.go_live(), answers.errors
    window.session.edit_as_new_version()
    edit_something(window)
    assert window.session.save()
    assert window.journeys.show_list()
    open_by_double_click(qtbot, window, "Re-engagement")
    assert window.session.status == "live" and not window.session.read_only
    assert "Editing the next version" in window.journeys.state_note.text()


def test_the_menus_offer_journey_and_designer_actions(
    qtbot: QtBot, app_context: AppContext
) -> None:
    window, _answers = make_window(qtbot, app_context)
    titles = [action.text() for action in window.menuBar().actions()]
    assert titles == ["&File", "&Edit", "&View"]
    file_menu = window.menuBar().actions()[0].menu()
    file_texts = [action.text() for action in file_menu.actions() if action.text()]
    assert file_texts[:6] == [
        "&New journey",
        "&Import journey…",
        "&Export journey…",
        "&Save",
        "&Go live",
        "Open &workspace…",
    ]
    edit_menu = window.menuBar().actions()[1].menu()
    texts = [action.text() for action in edit_menu.actions() if action.text()]
    assert texts[:2] == ["Undo", "Redo"]
    assert {"Cut", "Copy", "Paste", "Delete", "Select all"} <= set(texts)


def test_journey_figures_come_from_the_workspace(qtbot: QtBot, demo_context: AppContext) -> None:
    window, _answers = make_window(qtbot, demo_context)
    wait_listed(qtbot, window, DEMO_JOURNEYS)
    expected = {
        row.name: (row.entered, row.active) for row in journey_summaries(demo_context.workspace)
    }
    shown = {row.name: (row.entered, row.active) for row in window.journeys.table.journeys()}
    assert shown == expected


def test_screenshot_command_writes_the_window_as_a_png(qtbot: QtBot, tmp_path: Path) -> None:
    target = tmp_path / "window.png"
    journey = SAMPLES / "high-value-follow-up.journey.json"
    db = tmp_path / "shot.db"
    assert main(["--db", str(db), "--screenshot", str(target), "--journey", str(journey)]) == 0
    image = QImage(str(target))
    assert (image.width(), image.height()) == (1440, 900)
    names = {row.name for row in _journeys_in(db)}
    assert names == {"High-value follow-up"}  # imported into the workspace it was given


def _journeys_in(db: Path) -> list[library.JourneyRow]:
    from app.store.workspace import open_workspace

    with open_workspace(str(db)) as workspace:
        return library.list_journeys(workspace)


def test_screenshot_of_a_missing_journey_fails_with_2(tmp_path: Path, qtbot: QtBot) -> None:
    target = tmp_path / "window.png"
    args = ["--db", str(tmp_path / "s.db"), "--screenshot", str(target)]
    assert main([*args, "--journey", str(tmp_path / "nope.json")]) == 2
    assert not target.exists()
    QApplication.processEvents()


@pytest.mark.parametrize("kind", sorted(REGISTRY))
def test_every_node_kind_has_an_svg_icon(kind: str) -> None:
    name = REGISTRY[kind].icon
    assert Path(icon_file(name)).is_file()
    renderer = QSvgRenderer(icon_file(name))
    assert renderer.isValid()
    assert renderer.defaultSize().width() == 24


def test_icons_are_drawn_at_the_device_size_for_sharp_200_percent(qtbot: QtBot) -> None:
    assert icon_pixmap("email", 48).width() == 48
    assert resource_path("icons", "error.svg").is_file()
