"""A running journey's analytics on the canvas and in its header: what the report counts in
SQL is what the cards show, and a draft that never went live shows none."""

from __future__ import annotations

from datetime import timedelta

from PySide6.QtCore import QPointF
from pytestqt.qtbot import QtBot

from app.services.journey_library import list_journeys, open_journey
from app.services.journeys import publish
from app.services.reports import journey_report
from app.services.runtime import EngineRunner, build_engine
from app.ui.context import AppContext
from app.ui.journey_session import Unsaved
from app.ui.main_window import MainWindow
from tests.ui.conftest import NOW


def run_reengagement(context: AppContext, days: int) -> None:
    workspace = context.workspace
    journey = next(row for row in list_journeys(workspace) if row.name == "Re-engagement")
    assert publish(workspace, open_journey(workspace, journey.id).document, NOW).published
    runner = EngineRunner(
        workspace, build_engine(workspace), "figures-test", wall_clock=context.now
    )
    for _report in runner.simulate(NOW, NOW + timedelta(days=days), timedelta(hours=12)):
        pass
    runner.release()


def open_window(qtbot: QtBot, context: AppContext) -> MainWindow:
    window = MainWindow(context)
    window.session.ask_unsaved = lambda _name: Unsaved.DISCARD
    qtbot.addWidget(window)
    window.resize(1400, 900)
    window.show()
    qtbot.waitExposed(window)
    qtbot.waitUntil(lambda: bool(window.journeys.table.journeys()), timeout=5000)
    return window


def open_named(window: MainWindow, name: str) -> None:
    row = next(row for row in window.journeys.table.journeys() if row.name == name)
    assert window.session.open(row.id)


def test_cards_show_what_the_report_counts(qtbot: QtBot, demo_context: AppContext) -> None:
    run_reengagement(demo_context, days=6)
    report = journey_report(demo_context.workspace, "Re-engagement")
    reminder = report.nodes["reminder"]
    assert reminder.entered > 0 and reminder.messages is not None
    window = open_window(qtbot, demo_context)
    open_named(window, "Re-engagement")
    cards = window.designer.scene.nodes
    qtbot.waitUntil(lambda: cards["reminder"].stats != "", timeout=5000)
    assert cards["reminder"].stats.startswith(f"{reminder.entered:,} in · ")
    assert f"{reminder.messages.sent:,} sent" in cards["reminder"].stats
    branch = report.nodes["opened"]
    assert f"yes {branch.ports['yes']:,}" in cards["opened"].stats
    assert f"no {branch.ports['no']:,}" in cards["opened"].stats
    header = window.journeys.figures.text()
    assert header.startswith(f"{report.entered:,} entered · {report.active:,} active")
    untouched = [node for node in report.nodes.values() if node.entered == 0]
    for node in untouched:
        assert cards[node.id].stats == ""


def test_a_draft_shows_no_figures_and_cards_grow_only_with_them(
    qtbot: QtBot, demo_context: AppContext
) -> None:
    window = open_window(qtbot, demo_context)
    open_named(window, "Welcome series")
    qtbot.wait(200)  # give a (wrong) report the time it would take to arrive
    assert all(card.stats == "" for card in window.designer.scene.nodes.values())
    assert window.journeys.figures.text() == ""
    card = next(iter(window.designer.scene.nodes.values()))
    plain = card.boundingRect().height()
    card.set_stats("12 in")
    assert card.boundingRect().height() > plain
    assert card.contains(QPointF(10, 10))
