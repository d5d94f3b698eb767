"""What the engine remembers between ticks never hides a change: late events, refreshes made
outside the engine, a restarted engine, and batches smaller than the audience."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.engine import membership, tick
from app.engine.membership import refresh_segments
from app.engine.tick import Engine
from app.store.schema import contacts, enrollments, step_log
from tests.engine.world import T0, World, chain, email, journey

WAIT_2D = {"id": "w", "kind": "wait", "config": {"mode": "duration", "duration": "2d"}}


def test_an_exit_event_recorded_late_still_ends_the_run(world: World) -> None:
    world.contact("ana")
    world.publish(journey([WAIT_2D], chain("w"), exit_events=[{"event": "purchase"}]))
    world.run(T0, T0 + timedelta(hours=5))
    # Recorded now, it happened two hours ago: before the last tick, after entering.
    world.event("ana", "purchase", T0 + timedelta(hours=3))
    world.engine.tick(T0 + timedelta(hours=6))
    assert world.runs() == {"ana": [(1, "w", "exit_event")]}


def test_a_goal_recorded_late_is_reached_when_it_happened(world: World) -> None:
    world.contact("ana")
    world.publish(journey([WAIT_2D], chain("w"), goal={"event": "purchase"}))
    world.run(T0, T0 + timedelta(hours=5))
    world.event("ana", "purchase", T0 + timedelta(hours=2))
    world.engine.tick(T0 + timedelta(hours=6))
    with world.workspace.reader() as connection:
        reached = connection.execute(select(enrollments.c.goal_reached_at)).scalar_one()
    assert reached == T0 + timedelta(hours=2)


def test_a_refresh_made_outside_the_engine_is_noticed(world: World) -> None:
    world.contact("ana", country="DE")
    world.segment("Germans", {"attribute": {"field": "country", "op": "eq", "value": "DE"}})
    world.publish(journey([WAIT_2D], chain("w"), entry_segment="Germans"))
    world.run(T0, T0 + timedelta(hours=2))
    world.contact("bo", country="DE")
    with world.workspace.writer() as connection:
        connection.execute(
            contacts.update().where(contacts.c.id == world.people["ana"]).values(country="AT")
        )
        # As publishing another journey on this segment would: not the engine's refresh.
        refresh_segments(connection, ["Germans"], T0 + timedelta(hours=2, minutes=30))
    world.engine.tick(T0 + timedelta(hours=3))
    assert world.runs() == {"ana": [(1, "w", "left_segment")], "bo": [(1, "w", None)]}


def test_a_new_engine_looks_at_everything_again(world: World) -> None:
    world.contact("ana")
    world.publish(journey([WAIT_2D], chain("w"), exit_events=[{"event": "purchase"}]))
    world.run(T0, T0 + timedelta(hours=2))
    world.event("ana", "purchase", T0 + timedelta(hours=1))
    restarted = Engine(world.workspace, {}, lambda _now: {}, dispatch=False)  # type: ignore[arg-type]
    restarted.tick(T0 + timedelta(hours=3))
    assert world.runs() == {"ana": [(1, "w", "exit_event")]}


def test_runs_carried_in_small_batches_take_every_step_once(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tick, "BATCH_SIZE", 2)
    for name in ("ana", "bo", "cy", "di", "ed"):
        world.contact(name)
    nodes = [email("mail"), {"id": "w", "kind": "wait", "config": {"mode": "duration",
             "duration": "1h"}}, email("again"), {"id": "x", "kind": "exit"}]  # fmt: skip
    world.publish(journey(nodes, chain("mail", "w", "again", "x")))
    world.run(T0, T0 + timedelta(hours=2))
    assert {name: runs for name, runs in world.runs().items()} == {
        name: [(1, "x", "completed")] for name in ("ana", "bo", "cy", "di", "ed")
    }
    assert set(world.messages().values()) == {("sent", None)}
    assert len(world.messages()) == 10
    with world.workspace.reader() as connection:
        steps = connection.execute(
            select(step_log.c.node_id, func.count()).group_by(step_log.c.node_id)
        ).all()
    assert dict(steps) == {"start": 5, "mail": 5, "w": 5, "again": 5, "x": 5}


@pytest.mark.parametrize("few", [20_000, 1])
def test_those_a_refresh_names_as_leaving_exit_and_nobody_else(
    world: World, monkeypatch: pytest.MonkeyPatch, few: int
) -> None:
    # With few=1 two leavers are too many to name: every run is checked, same outcome.
    monkeypatch.setattr(membership, "FEW_LEAVERS", few)
    world.segment("Germans", {"attribute": {"field": "country", "op": "eq", "value": "DE"}})
    for name in ("ana", "bo", "cy"):
        world.contact(name, country="DE")
    world.publish(journey([WAIT_2D], chain("w"), entry_segment="Germans"))
    world.run(T0, T0 + timedelta(hours=2))
    with world.workspace.writer() as connection:
        connection.execute(
            contacts.update()
            .where(contacts.c.id.in_([world.people["ana"], world.people["cy"]]))
            .values(country="AT")
        )
    world.run(T0 + timedelta(hours=3), T0 + timedelta(hours=4))
    assert world.runs() == {
        "ana": [(1, "w", "left_segment")],
        "bo": [(1, "w", None)],
        "cy": [(1, "w", "left_segment")],
    }
