"""The designer in the main window: open, save, save as, the unsaved-changes prompt, menus,
the `--screenshot` command, and the node icons."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QPointF
from PySide6.QtGui import QImage
from PySide6.QtSvg import QSvgRenderer
from pytestqt.qtbot import QtBot

from app.cli import main
from app.domain.loading import load_journey
from app.domain.registry import REGISTRY
from app.resources import resource_path
from app.ui.designer.icons import icon_file, icon_pixmap
from app.ui.journey_files import Unsaved
from app.ui.main_window import MainWindow
from tests.ui.designer_helpers import SAMPLES

RE_ENGAGEMENT = SAMPLES / "re-engagement.journey.json"


def make_window(qtbot: QtBot) -> MainWindow:
    window = MainWindow()
    window.files.ask_unsaved = lambda _name: Unsaved.DISCARD  # no modal prompt at teardown
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    return window


def edit_something(window: MainWindow) -> None:
    window.designer.controller.add_node("wait", QPointF(0, 400))


def test_the_journeys_page_starts_empty_and_offers_to_open_a_file(qtbot: QtBot) -> None:
    window = make_window(qtbot)
    assert not window.journeys.designer_shown
    assert not window.file_actions["save"].isEnabled()


def test_opening_a_file_shows_it_in_the_designer(qtbot: QtBot) -> None:
    window = make_window(qtbot)
    assert window.open_journey(RE_ENGAGEMENT)
    assert window.journeys.designer_shown
    assert window.current_area().key == "journeys"
    assert window.windowTitle() == "Re-engagement[*] — Journey Studio"
    assert not window.isWindowModified()
    assert set(window.designer.scene.nodes) == {
        node.id for node in load_journey(RE_ENGAGEMENT.read_bytes()).nodes
    }
    edit_something(window)
    assert window.isWindowModified()


def test_save_then_open_gives_an_identical_document(qtbot: QtBot, tmp_path: Path) -> None:
    window = make_window(qtbot)
    window.open_journey(RE_ENGAGEMENT)
    edit_something(window)
    saved_text = window.designer.document.to_json()
    target = tmp_path / "copy.journey.json"
    assert window.files.save_as(target)
    assert not window.isWindowModified()
    assert target.read_text(encoding="utf-8") == saved_text
    assert window.open_journey(target)
    assert window.designer.document.to_json() == saved_text
    assert window.designer.undo_stack.count() == 0


def test_an_unchanged_sample_saves_byte_for_byte(qtbot: QtBot, tmp_path: Path) -> None:
    window = make_window(qtbot)
    window.open_journey(RE_ENGAGEMENT)
    window.files.save_as(tmp_path / "same")
    assert (tmp_path / "same.journey.json").read_bytes() == RE_ENGAGEMENT.read_bytes()


@pytest.mark.parametrize("answer", [Unsaved.CANCEL, Unsaved.DISCARD, Unsaved.SAVE])
def test_opening_another_journey_asks_about_unsaved_changes(
    qtbot: QtBot, tmp_path: Path, answer: Unsaved
) -> None:
    window = make_window(qtbot)
    first = tmp_path / "first.journey.json"
    first.write_bytes(RE_ENGAGEMENT.read_bytes())
    window.open_journey(first)
    edit_something(window)
    edited = window.designer.document.to_json()
    asked: list[str] = []
    window.files.ask_unsaved = lambda name: asked.append(name) or answer
    opened = window.open_journey(SAMPLES / "welcome-series.journey.json")
    assert asked == ["Re-engagement"]
    assert opened is (answer is not Unsaved.CANCEL)
    if answer is Unsaved.CANCEL:
        assert window.designer.document.to_json() == edited
    else:
        assert window.designer.document.name == "Welcome series"
    expected = edited if answer is Unsaved.SAVE else RE_ENGAGEMENT.read_text(encoding="utf-8")
    assert first.read_text(encoding="utf-8") == expected


def test_closing_with_unsaved_changes_can_be_cancelled(qtbot: QtBot) -> None:
    window = make_window(qtbot)
    window.open_journey(RE_ENGAGEMENT)
    edit_something(window)
    window.files.ask_unsaved = lambda _name: Unsaved.CANCEL
    assert not window.close()
    assert window.isVisible()
    window.files.ask_unsaved = lambda _name: Unsaved.DISCARD
    assert window.close()


def test_a_new_untitled_journey_saves_through_save_as(qtbot: QtBot, tmp_path: Path) -> None:
    window = make_window(qtbot)
    assert window.files.new()
    assert [node.kind for node in window.designer.document.nodes] == ["start"]
    window.files.choose_save_path = lambda: tmp_path / "untitled"
    edit_something(window)
    assert window.files.save()
    assert load_journey((tmp_path / "untitled.journey.json").read_bytes()).nodes[-1].kind == "wait"


def test_a_broken_file_is_refused_with_the_reason(qtbot: QtBot, tmp_path: Path) -> None:
    window = make_window(qtbot)
    broken = tmp_path / "broken.journey.json"
    broken.write_text('{"schema_version": 1, "name": "X", "nodes": [{"id": "a"}]}')
    errors: list[str] = []
    window.files.show_error = lambda title, text: errors.append(text)
    assert not window.open_journey(broken)
    assert errors and "broken.journey.json" in errors[0]
    assert not window.journeys.designer_shown


def test_the_menus_offer_the_designer_actions(qtbot: QtBot) -> None:
    window = make_window(qtbot)
    titles = [action.text() for action in window.menuBar().actions()]
    assert titles == ["&File", "&Edit", "&View"]
    edit_menu = window.menuBar().actions()[1].menu()
    texts = [action.text() for action in edit_menu.actions() if action.text()]
    assert texts[:2] == ["Undo", "Redo"]
    assert {"Cut", "Copy", "Paste", "Delete", "Select all"} <= set(texts)


def test_screenshot_command_writes_the_window_as_a_png(qtbot: QtBot, tmp_path: Path) -> None:
    target = tmp_path / "window.png"
    journey = SAMPLES / "high-value-follow-up.journey.json"
    assert main(["--screenshot", str(target), "--journey", str(journey)]) == 0
    image = QImage(str(target))
    assert (image.width(), image.height()) == (1440, 900)


def test_screenshot_of_a_missing_journey_fails_with_2(tmp_path: Path, qtbot: QtBot) -> None:
    target = tmp_path / "window.png"
    assert main(["--screenshot", str(target), "--journey", str(tmp_path / "nope.json")]) == 2
    assert not target.exists()


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
