"""The always-on engine inside the app: it ticks under the lease, its results reach the status
bar and the journeys list through queued signals, and a second engine waits and says so."""

from __future__ import annotations

from datetime import timedelta

from pytestqt.qtbot import QtBot

from app.engine.lease import try_acquire
from app.services.journey_library import list_journeys, open_journey
from app.services.journeys import publish
from app.services.reports import journey_summaries
from app.services.runtime import EngineRunner, build_engine
from app.services.segments import count_members
from app.ui.context import AppContext
from app.ui.engine_host import EngineHost
from app.ui.main_window import MainWindow
from tests.ui.conftest import NOW

INTERVAL = timedelta(milliseconds=100)


def simulated_runner(context: AppContext, holder: str = "desktop-test") -> EngineRunner:
    workspace = context.workspace
    return EngineRunner(workspace, build_engine(workspace), holder, wall_clock=context.now)


def test_the_app_engine_enrols_a_live_journey_and_the_window_shows_it(
    qtbot: QtBot, demo_context: AppContext
) -> None:
    workspace = demo_context.workspace
    journey = next(row for row in list_journeys(workspace) if row.name == "Re-engagement")
    document = open_journey(workspace, journey.id).document
    assert publish(workspace, document, NOW).published
    members = count_members(workspace, "No purchase in 60 days", NOW)
    assert members > 0

    host = EngineHost(demo_context, INTERVAL, runner=lambda: simulated_runner(demo_context))
    window = MainWindow(demo_context, host)
    qtbot.addWidget(window)
    window.show()
    host.start()
    try:
        qtbot.waitUntil(
            lambda: window.engine_label.text().startswith("Engine: running ·"), timeout=10000
        )
        assert "last tick" in window.engine_label.text()

        def entered_shown() -> bool:
            rows = {row.name: row for row in window.journeys.table.journeys()}
            row = rows.get("Re-engagement")
            return row is not None and row.entered == members

        qtbot.waitUntil(entered_shown, timeout=10000)
    finally:
        host.stop()
    assert window.engine_label.text() == "Engine: stopped"
    [summary] = [row for row in journey_summaries(workspace) if row.name == "Re-engagement"]
    assert summary.entered == members


def test_a_second_engine_waits_while_another_holds_the_lease(
    qtbot: QtBot, demo_context: AppContext
) -> None:
    with demo_context.workspace.writer() as connection:
        assert try_acquire(connection, "headless-engine:42", demo_context.now()) is None
    host = EngineHost(demo_context, INTERVAL, runner=lambda: simulated_runner(demo_context))
    states: list[str] = []
    host.state_changed.connect(lambda state: states.append(state.describe()))
    host.start()
    try:
        qtbot.waitUntil(lambda: any(s.startswith("Engine: waiting") for s in states), timeout=10000)
    finally:
        host.stop()
    waiting = next(s for s in states if s.startswith("Engine: waiting"))
    assert "headless-engine:42" in waiting
    assert not any(s.startswith("Engine: running") for s in states)
