"""Journey analytics (DESIGN §6) checked against what the tests themselves made happen: who
was in the segment, which interactions were recorded, who bought when, which version each
contact entered on."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import insert, select

from app.services.documents import read_journey, read_segment
from app.services.journeys import JourneyNotFound
from app.services.report_queries import ReportScope, interactions
from app.services.reports import (
    JourneyReport,
    VersionNotFound,
    journey_report,
    journey_summaries,
)
from app.store.journeys import save_draft
from app.store.schema import (
    contacts,
    enrollments,
    events,
    journey_versions,
    journeys,
    messages,
    step_counts,
    step_log,
)
from app.store.workspace import Workspace, open_workspace
from tests.engine.world import T0, World, chain, email, journey
from tests.store import pg

SAMPLES = Path(__file__).resolve().parents[2] / "resources" / "samples"
LAPSED = ("ana", "ben", "cy", "dee", "eve", "fay")


def assert_every_node_adds_up(report: JourneyReport) -> None:
    for node_id, node in report.to_json()["nodes"].items():
        assert node["entered"] == node["in_progress"] + node["processed"] + node["exited"], node_id


@contextmanager
def workspace_on(database: str, folder: Path) -> Iterator[Workspace]:
    """A new workspace: an SQLite file in ``folder``, or a fresh PostgreSQL schema."""
    with ExitStack() as stack:
        if database == "sqlite":
            location = str(folder / "workspace.db")
        else:
            location = stack.enter_context(pg.fresh_pg_schema(os.environ[pg.PG_URL_VAR]))
        opened = open_workspace(location)
        stack.callback(opened.close)
        yield opened


@pytest.fixture(scope="module")
def reengagement(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    """The re-engagement sample over 7 simulated days: six lapsed customers (Ben without email
    consent), one recent buyer who stays out. Ana opens the reminder, Cy only clicks it, Dee's
    bounces, Eve buys during the wait (exit), Fay buys the day after she completed (goal).
    Built once for the module: the tests only read it."""
    with workspace_on("sqlite", tmp_path_factory.mktemp("reengagement")) as workspace:
        yield reengagement_run(World(workspace))


def reengagement_run(world: World) -> World:
    segment = read_segment(SAMPLES / "no-purchase-60-days.segment.json")
    world.segment(segment.name, segment.model_dump(mode="json")["definition"])
    for name in LAPSED:
        world.contact(name, email_opt_in=name != "ben")
        world.event(name, "purchase", T0 - timedelta(days=100))
    world.contact("recent")
    world.event("recent", "purchase", T0 - timedelta(days=10))
    world.publish(read_journey(SAMPLES / "re-engagement.journey.json"))
    world.engine.tick(T0)
    reminder = {name: world.message(name, "reminder").id for name in LAPSED}
    world.event("ana", "email_opened", T0 + timedelta(days=1), message_id=reminder["ana"])
    world.event("cy", "email_clicked", T0 + timedelta(days=1), message_id=reminder["cy"])
    world.event("dee", "email_bounced", T0 + timedelta(hours=2), message_id=reminder["dee"])
    world.event("eve", "purchase", T0 + timedelta(days=2))
    world.event("fay", "purchase", T0 + timedelta(days=6))
    world.run(T0 + timedelta(hours=3), T0 + timedelta(days=7), timedelta(hours=3))
    return world


def test_reengagement_totals_match_what_happened(reengagement: World) -> None:
    report = journey_report(reengagement.workspace, "Re-engagement")
    data = report.to_json()
    assert data["journey"] == "Re-engagement" and data["version"] is None
    assert data["status"] == "live"
    assert (data["entered"], data["active"], data["completed"]) == (6, 0, 5)
    assert data["ended"] == {"completed": 5, "exit_event": 1}
    # Eve bought during the run, Fay a day after completing it: 2 of 6, against a 10 % target.
    assert data["goal"] == {"reached": 2, "rate": 0.3333, "target_percent": 10, "target_met": True}
    assert_every_node_adds_up(report)


def test_reengagement_nodes_match_what_happened(reengagement: World) -> None:
    nodes = journey_report(reengagement.workspace, "Re-engagement").to_json()["nodes"]
    assert list(nodes) == [
        "start", "reminder", "wait-5d", "opened", "offer", "sms", "exit-offer", "exit-sms"
    ]  # fmt: skip
    assert nodes["start"]["title"] == "Lapsed customers" and nodes["start"]["entered"] == 6
    assert nodes["start"]["messages"] is None
    wait = nodes["wait-5d"]
    assert (wait["entered"], wait["processed"], wait["exits"]) == (6, 5, {"exit_event": 1})
    branch = nodes["opened"]
    # Ana opened; Cy only clicked, which shows an open too (the branch and the report agree).
    assert branch["ports"] == {"yes": 2, "no": 3}
    assert branch["port_shares"] == {"yes": 0.4, "no": 0.6}
    assert nodes["exit-offer"]["exits"] == {"completed": 2}
    assert nodes["exit-sms"]["exits"] == {"completed": 3}
    assert nodes["sms"]["messages"]["sent"] == 3 and nodes["offer"]["messages"]["sent"] == 2


def test_reengagement_reminder_messages(reengagement: World) -> None:
    reminder = journey_report(reengagement.workspace, "Re-engagement").nodes["reminder"]
    stats = reminder.messages
    assert stats is not None
    assert (stats.sent, stats.blocked, stats.failed, stats.queued) == (5, {"no_consent": 1}, 0, 0)
    # Five accepted by the transport; Dee's bounced. Cy's click counts as an open.
    assert (stats.delivered, stats.opened, stats.clicked, stats.bounced) == (4, 2, 1, 1)
    assert stats.rates() == {"opened": 0.5, "clicked": 0.25}


def test_both_ways_of_reading_interactions_agree(reengagement: World) -> None:
    """All the events in one pass, or one probe per message: the same counts."""
    with reengagement.workspace.reader() as connection:
        scope = ReportScope(read_journey(SAMPLES / "re-engagement.journey.json").id)
        in_one_pass = interactions(connection, scope, from_events=True)
        probed = interactions(connection, scope, from_events=False)
    assert in_one_pass == probed
    assert in_one_pass["reminder"] == {"delivered": 4, "opened": 2, "clicked": 1, "bounced": 1}


def test_reengagement_daily_series(reengagement: World) -> None:
    daily = journey_report(reengagement.workspace, "Re-engagement").daily
    assert [day.day for day in daily] == [date(2026, 12, d) for d in range(1, 8)]
    by_day = {day.day.day: (day.entered, day.completed, day.goal) for day in daily}
    assert by_day[1] == (6, 0, 0)
    assert by_day[3] == (0, 0, 1)  # Eve's purchase
    assert by_day[6] == (0, 5, 0)  # the wait of five days is over
    assert by_day[7] == (0, 0, 1)  # Fay's purchase
    assert sum(day.entered for day in daily) == 6


@pytest.fixture
def two_versions(tmp_path: Path) -> Iterator[World]:
    """Ana and Bo enter version 1 (a wait of 3 days); version 2 puts a welcome email first and
    Cy, Di and Ed enter it. Two days later all five are still in flight."""
    with workspace_on("sqlite", tmp_path) as workspace:
        yield two_versions_run(World(workspace))


def two_versions_run(world: World) -> World:
    world.segment("All", {"all": []})
    wait = {"id": "w", "kind": "wait", "title": "Three days",
            "config": {"mode": "duration", "duration": "3d"}}  # fmt: skip
    first = journey([wait, {"id": "x", "kind": "exit"}], chain("w", "x"))
    world.contact("ana")
    world.contact("bo")
    world.publish(first)
    world.engine.tick(T0)
    second = journey([email("hello"), wait, {"id": "x", "kind": "exit"}], chain("hello", "w", "x"))
    for name in ("cy", "di", "ed"):
        world.contact(name)
    world.publish(second, at=T0 + timedelta(hours=1))
    world.run(T0 + timedelta(hours=1), T0 + timedelta(days=2), timedelta(hours=3))
    return world


def test_a_version_counts_only_its_own_contacts(two_versions: World) -> None:
    workspace = two_versions.workspace
    first = journey_report(workspace, "Test journey", version=1).to_json()
    second = journey_report(workspace, "Test journey", version=2).to_json()
    every = journey_report(workspace, "Test journey").to_json()
    assert (first["version"], second["version"], every["version"]) == (1, 2, None)
    assert (first["entered"], second["entered"], every["entered"]) == (2, 3, 5)
    assert list(first["nodes"]) == ["start", "w", "x"]
    assert list(second["nodes"]) == ["start", "hello", "w", "x"]
    assert first["nodes"]["w"]["in_progress"] == 2 and second["nodes"]["w"]["in_progress"] == 3
    assert every["nodes"]["w"]["in_progress"] == 5
    assert every["nodes"]["hello"]["messages"]["sent"] == 3
    assert every["nodes"]["w"]["title"] == "Three days"
    for report in (first, second, every):
        for node in report["nodes"].values():
            assert node["entered"] == node["in_progress"] + node["processed"] + node["exited"]


def test_an_unknown_version_or_journey_is_not_found(two_versions: World) -> None:
    with pytest.raises(VersionNotFound, match=r"no version 3 .*published versions: 1, 2"):
        journey_report(two_versions.workspace, "Test journey", version=3)
    with pytest.raises(JourneyNotFound, match="Nobody"):
        journey_report(two_versions.workspace, "Nobody")


def test_a_draft_reports_its_nodes_with_nobody_in_them(workspace: Workspace) -> None:
    draft = journey([email("hello")], chain("hello"))
    with workspace.writer() as connection:
        save_draft(connection, draft, T0)
    report = journey_report(workspace, "Test journey").to_json()
    assert (report["status"], report["entered"], report["daily"]) == ("draft", 0, [])
    assert report["goal"]["rate"] is None
    hello = report["nodes"]["hello"]
    assert (hello["entered"], hello["ports"], hello["port_shares"]) == (
        0,
        {"next": 0},
        {"next": None},
    )
    assert hello["messages"]["sent"] == 0 and hello["messages"]["rates"]["opened"] is None


def test_summaries_list_every_journey_with_its_runs(two_versions: World) -> None:
    with two_versions.workspace.writer() as connection:
        draft = journey([], []).model_copy(update={"id": "j-draft", "name": "A draft"})
        save_draft(connection, draft, T0)
    summaries = journey_summaries(two_versions.workspace)
    assert [(s.name, s.status, s.current_version, s.entered, s.active) for s in summaries] == [
        ("A draft", "draft", None, 0, 0),
        ("Test journey", "live", 2, 5, 5),
    ]
    assert summaries[0].updated_at == T0


REPORTED_TABLES = (
    contacts,
    journeys,
    journey_versions,
    enrollments,
    step_log,
    step_counts,
    messages,
    events,
)


@pg.requires_pg
def test_the_same_rows_give_the_same_report_on_postgresql(
    reengagement: World, tmp_path: Path
) -> None:
    """The report's SQL on PostgreSQL: the re-engagement run's rows (written by the engine on
    SQLite) copied into a PostgreSQL workspace read the same."""
    with reengagement.workspace.reader() as source:
        rows = {table: [dict(row) for row in source.execute(select(table)).mappings()]
                for table in REPORTED_TABLES}  # fmt: skip
    with workspace_on("postgresql", tmp_path) as target:
        with target.writer() as connection:
            for table in REPORTED_TABLES:
                connection.execute(insert(table), rows[table])
        on_postgresql = journey_report(target, "Re-engagement").to_json()
    assert on_postgresql == journey_report(reengagement.workspace, "Re-engagement").to_json()


def test_contacts_who_ran_twice_count_once_per_node(workspace: Workspace) -> None:
    """Re-entry after exit: Ana and Bo each run the journey twice and get the email twice.
    Ana opens both; Bo clicks the first and opens the second."""
    world = World(workspace)
    world.segment("All", {"all": []})
    world.contact("ana")
    world.contact("bo")
    world.publish(
        journey([email("hello")], chain("hello"), re_entry="after_exit", re_entry_after="1h")
    )
    world.engine.tick(T0)
    world.engine.tick(T0 + timedelta(hours=2))
    with workspace.reader() as connection:
        sent = connection.execute(
            select(messages.c.id, messages.c.contact_id).order_by(messages.c.queued_at)
        ).all()
    assert len(sent) == 4
    names = {key: name for name, key in world.people.items()}
    kinds = {"ana": ["email_opened", "email_opened"], "bo": ["email_clicked", "email_opened"]}
    for message_id, contact in sent:
        name = names[contact]
        world.event(name, kinds[name].pop(0), T0 + timedelta(hours=3), message_id=message_id)
    report = journey_report(workspace, "Test journey")
    assert (report.entered, report.completed) == (4, 4)
    hello = report.nodes["hello"].messages
    assert hello is not None and hello.sent == 4
    # Three of the four messages were opened (a click implies an open), by two contacts.
    assert (hello.delivered, hello.opened, hello.clicked) == (2, 2, 1)
