"""Runtime rules of DESIGN §5, one behaviour at a time, on a real workspace in simulated time."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from app.engine.transports.base import DeliveryError
from app.services.journeys import stop
from app.store.schema import ab_decisions, contacts, enrollments, tasks
from app.store.workspace import Workspace
from tests.engine.world import T0, World, chain, email, journey


def test_quiet_hours_hold_a_commercial_message_until_morning(world: World) -> None:
    world.contact("ana", timezone="Europe/Berlin")
    world.publish(
        journey([email("mail"), {"id": "x", "kind": "exit"}], chain("mail", "x"),
                quiet_hours={"start": "21:00", "end": "08:00"}),
        at=T0.replace(hour=22),
    )  # fmt: skip
    night = T0.replace(hour=22)  # 23:00 in Berlin
    world.engine.tick(night)
    held = world.message("ana", "mail")
    assert held.status == "held"
    assert held.not_before == T0.replace(hour=7) + timedelta(days=1)  # 08:00 Berlin
    world.run(night + timedelta(hours=1), T0.replace(hour=6) + timedelta(days=1))
    assert world.message("ana", "mail").status == "held"
    world.engine.tick(T0.replace(hour=7) + timedelta(days=1))
    assert world.message("ana", "mail").status == "sent"


def test_transactional_messages_skip_consent(world: World) -> None:
    world.contact("ana", email_opt_in=False)
    world.publish(
        journey(
            [email("receipt", purpose="transactional"), email("promo")],
            chain("receipt", "promo"),
        )
    )
    world.engine.tick(T0)
    assert world.messages() == {
        ("ana", "receipt"): ("sent", None),
        ("ana", "promo"): ("blocked", "no_consent"),
    }


def test_frequency_cap_counts_every_journey_in_the_window(world: World) -> None:
    world.contact("ana")
    world.publish(
        journey(
            [email("m1"), email("m2"), email("m3")],
            chain("m1", "m2", "m3"),
            frequency_cap={"max_messages": 2, "per": "7d"},
        )
    )
    world.engine.tick(T0)
    assert world.messages() == {
        ("ana", "m1"): ("sent", None),
        ("ana", "m2"): ("sent", None),
        ("ana", "m3"): ("blocked", "frequency_cap"),
    }


def test_no_address_blocks(world: World) -> None:
    world.contact("ana", phone=None)
    world.publish(
        journey([{"id": "sms", "kind": "send_sms", "config": {"text": "Hi. STOP to opt out"}}],
                chain("sms"))
    )  # fmt: skip
    world.engine.tick(T0)
    assert world.messages() == {("ana", "sms"): ("blocked", "no_address")}


def test_template_error_at_dispatch_fails_the_message(world: World) -> None:
    world.contact("ana")
    world.publish(
        journey([email("mail", subject="{{ first_name | center(10**9) }}")], chain("mail"))
    )
    world.engine.tick(T0)
    status, reason = world.messages()[("ana", "mail")]
    assert status == "failed" and reason is not None and reason.startswith("template_error")


def test_transient_failures_retry_then_fail_permanent_ones_at_once(world: World) -> None:
    world.contact("ana")
    world.contact("bo")
    world.publish(journey([email("mail")], chain("mail")))
    world.transport.fail_with = DeliveryError("421 try later", permanent=False)
    world.engine.tick(T0)
    assert world.messages()[("ana", "mail")] == ("queued", "421 try later")
    world.transport.fail_with = None
    world.run(T0 + timedelta(minutes=1), T0 + timedelta(minutes=1))
    assert world.messages()[("ana", "mail")] == ("sent", None)
    assert [m.to for m in world.transport.sent].count("ana@example.com") == 1


def test_permanent_failure_fails_with_the_reason(world: World) -> None:
    world.contact("ana")
    world.publish(journey([email("mail")], chain("mail")))
    world.transport.fail_with = DeliveryError("550 no such user", permanent=True)
    world.engine.tick(T0)
    assert world.messages()[("ana", "mail")] == ("failed", "550 no such user")


def test_a_crash_after_the_claim_resends_under_the_same_id(world: World) -> None:
    world.contact("ana")
    world.publish(journey([email("mail")], chain("mail")))

    class Crash(BaseException):
        pass

    def crash(_message: object) -> None:
        raise Crash

    world.transport.send = crash  # type: ignore[method-assign]
    with pytest.raises(Crash):
        world.engine.tick(T0)
    assert world.message("ana", "mail").status == "sending"
    del world.transport.send  # back to the recorder's own method
    world.engine.tick(T0 + timedelta(minutes=1))  # the claim is still fresh: nothing happens
    assert world.transport.sent == []
    world.engine.tick(T0 + timedelta(minutes=6))  # the claim's lease ran out: same id again
    [resent] = world.transport.sent
    assert resent.id == world.message("ana", "mail").id
    assert world.message("ana", "mail").status == "sent"


def test_wait_time_of_day_in_the_contacts_zone(world: World) -> None:
    world.contact("ana", timezone="America/New_York")
    wait = {"id": "w", "kind": "wait",
            "config": {"mode": "time_of_day", "time": "09:00", "timezone": "contact"}}  # fmt: skip
    world.publish(journey([wait, email("mail")], chain("w", "mail")))
    world.run(T0, T0 + timedelta(days=1))
    sent = world.message("ana", "mail")
    assert sent.queued_at == T0.replace(hour=14)  # 09:00 in New York (UTC-5)


def test_branch_waits_for_a_click_and_leaves_yes_when_it_comes(world: World) -> None:
    world.contact("ana")
    world.contact("bo")
    branch = {"id": "b", "kind": "branch", "config": {
        "condition": {"interaction": {"node": "mail", "interaction": "clicked"}},
        "wait_up_to": "2d"}}  # fmt: skip
    world.publish(
        journey(
            [email("mail"), branch, {"id": "yes", "kind": "exit"}, {"id": "no", "kind": "exit"}],
            [*chain("mail", "b"), {"from": "b", "port": "yes", "to": "yes"},
             {"from": "b", "port": "no", "to": "no"}],
        )
    )  # fmt: skip
    world.engine.tick(T0)
    clicked = T0 + timedelta(hours=5, minutes=30)
    world.event("ana", "email_clicked", clicked, message_id=world.message("ana", "mail").id)
    world.run(T0 + timedelta(hours=1), T0 + timedelta(days=3))
    assert world.runs() == {"ana": [(1, "yes", "completed")], "bo": [(1, "no", "completed")]}
    with world.workspace.reader() as connection:
        ended = dict(
            connection.execute(select(enrollments.c.contact_id, enrollments.c.ended_at)).all()
        )
    assert ended[world.people["ana"]] == T0 + timedelta(hours=6)  # the first tick after the click
    assert ended[world.people["bo"]] == T0 + timedelta(days=2)  # the deadline


def test_split_takes_the_first_matching_case(world: World) -> None:
    for name, country in [("ana", "DE"), ("bo", "AT"), ("cy", "FR"), ("di", None)]:
        world.contact(name, country=country)
    split = {"id": "s", "kind": "split", "config": {"cases": [
        {"name": "DE", "condition": {"attribute": {"field": "country", "op": "eq", "value": "DE"}}},
        {"name": "DACH", "condition": {"attribute": {"field": "country", "op": "in",
                                                     "value": ["DE", "AT", "CH"]}}}]}}  # fmt: skip
    world.publish(
        journey([split], [*chain("s")]),
    )
    world.engine.tick(T0)
    assert world.ports("s") == {"DE": 1, "DACH": 1, "otherwise": 2}


def test_ab_assignment_then_winner_for_newcomers(world: World) -> None:
    for index in range(40):
        world.contact(f"p{index}")
    ab = {"id": "ab", "kind": "ab_test", "config": {
        "variants": [{"name": "A", "weight": 50}, {"name": "B", "weight": 50}],
        "metric": "opened", "decide_after": "1d", "min_per_variant": 5}}  # fmt: skip
    world.publish(
        journey(
            [ab, email("a", subject="A"), email("b", subject="B")],
            [*chain("ab"), {"from": "ab", "port": "A", "to": "a"},
             {"from": "ab", "port": "B", "to": "b"}],
        )
    )  # fmt: skip
    world.engine.tick(T0)
    first = world.ports("ab")
    assert first["A"] + first["B"] == 40 and min(first.values()) >= 5
    # Everyone who got B opens it.
    for (name, node), (status, _reason) in world.messages().items():
        if node == "b" and status == "sent":
            world.event(name, "email_opened", T0 + timedelta(hours=2),
                        message_id=world.message(name, "b").id)  # fmt: skip
    world.run(T0 + timedelta(hours=1), T0 + timedelta(days=1))
    with world.workspace.reader() as connection:
        assert connection.execute(select(ab_decisions.c.winner)).scalar_one() == "B"
    for index in range(40, 50):
        world.contact(f"p{index}")
    world.engine.tick(T0 + timedelta(days=1, minutes=1))
    world.engine.tick(T0 + timedelta(days=1, minutes=2))
    after = world.ports("ab")
    assert after["B"] == first["B"] + 10 and after["A"] == first["A"]


def test_task_node_creates_a_personalised_task(world: World) -> None:
    world.contact("ana", owner="Sam Sales")
    task = {"id": "t", "kind": "create_task", "config": {
        "title": "Call {{ first_name }}", "assignee": "{{ owner }}", "due_in": "2d",
        "priority": "high"}}  # fmt: skip
    world.publish(journey([task], chain("t")))
    world.engine.tick(T0)
    with world.workspace.reader() as connection:
        row = connection.execute(select(tasks)).one()
    assert (row.title, row.assignee, row.priority, row.due_at) == (
        "Call Ana",
        "Sam Sales",
        "high",
        T0 + timedelta(days=2),
    )


def test_goal_is_recorded_and_may_end_the_run(world: World) -> None:
    world.contact("ana")
    wait = {"id": "w", "kind": "wait", "config": {"mode": "duration", "duration": "3d"}}
    world.publish(journey([wait], chain("w"), goal={"event": "purchase", "exit_on_goal": True}))
    world.engine.tick(T0)
    world.event("ana", "purchase", T0 + timedelta(hours=3))
    world.run(T0 + timedelta(hours=1), T0 + timedelta(hours=4))
    with world.workspace.reader() as connection:
        row = connection.execute(select(enrollments)).one()
    assert (row.goal_reached_at, row.end_reason) == (T0 + timedelta(hours=3), "goal_reached")


def test_re_entry_after_exit(world: World) -> None:
    world.contact("ana")
    wait = {"id": "w", "kind": "wait", "config": {"mode": "duration", "duration": "1h"}}
    world.publish(journey([wait], chain("w"), re_entry="after_exit", re_entry_after="1d"))
    world.run(T0, T0 + timedelta(days=1, hours=2))
    assert [run for run, _node, _reason in world.runs()["ana"]] == [1, 2]


def test_never_re_enter(world: World) -> None:
    world.contact("ana")
    wait = {"id": "w", "kind": "wait", "config": {"mode": "duration", "duration": "1h"}}
    world.publish(journey([wait], chain("w")))
    world.run(T0, T0 + timedelta(hours=5))
    assert world.runs() == {"ana": [(1, "w", "completed")]}


def test_exclusion_keeps_out_and_removes(world: World) -> None:
    world.contact("ana")
    world.contact("staff", attributes={"is_employee": True})
    world.segment(
        "Employees", {"attribute": {"field": "attributes.is_employee", "op": "eq", "value": True}}
    )
    wait = {"id": "w", "kind": "wait", "config": {"mode": "duration", "duration": "2d"}}
    world.publish(journey([wait], chain("w"), exclusion_segments=["Employees"]))
    world.engine.tick(T0)
    assert set(world.runs()) == {"ana"}


def test_stop_ends_everyone_and_cancels_what_was_queued(world: World) -> None:
    world.contact("ana", timezone="UTC")
    world.publish(
        journey([email("mail")], chain("mail"), quiet_hours={"start": "00:00", "end": "23:59"})
    )
    world.engine.tick(T0)
    assert world.message("ana", "mail").status == "held"
    stop(world.workspace, "Test journey", T0 + timedelta(minutes=5))
    world.engine.tick(T0 + timedelta(days=1))
    assert world.messages() == {("ana", "mail"): ("cancelled", "journey_stopped")}


def test_new_version_in_flight_finishes_on_its_own(world: World) -> None:
    world.contact("ana")
    wait = {"id": "w", "kind": "wait", "config": {"mode": "duration", "duration": "1d"}}
    first = journey([wait, email("v1")], chain("w", "v1"))
    world.publish(first)
    world.engine.tick(T0)
    second = first.model_copy(deep=True)
    second.nodes[2].id = "v2"
    second.edges[1].target = "v2"
    world.publish(second, at=T0 + timedelta(hours=1))
    world.contact("bo")
    world.run(T0 + timedelta(hours=1), T0 + timedelta(days=1, hours=2))
    assert set(world.messages()) == {("ana", "v1"), ("bo", "v2")}


def test_a_time_of_day_slot_missed_while_paused_takes_the_next_slot(world: World) -> None:
    from app.services.journeys import pause, resume

    world.contact("ana", timezone="UTC")
    wait = {"id": "w", "kind": "wait",
            "config": {"mode": "time_of_day", "time": "09:00", "timezone": "contact"}}  # fmt: skip
    world.publish(journey([wait, email("mail")], chain("w", "mail")))
    world.engine.tick(T0)  # Tuesday 10:00: due Wednesday 09:00
    pause(world.workspace, "Test journey", T0 + timedelta(hours=1))
    world.run(T0 + timedelta(hours=2), T0 + timedelta(days=1, hours=2))
    assert world.messages() == {}
    resume(world.workspace, "Test journey", T0 + timedelta(days=1, hours=2))  # Wed 12:00
    world.run(T0 + timedelta(days=1, hours=2), T0 + timedelta(days=2))
    assert world.message("ana", "mail").queued_at == T0 + timedelta(days=1, hours=23)  # Thu 09:00


def test_an_overdue_duration_wait_runs_at_once_on_resume(world: World) -> None:
    from app.services.journeys import pause, resume

    world.contact("ana")
    wait = {"id": "w", "kind": "wait", "config": {"mode": "duration", "duration": "1h"}}
    world.publish(journey([wait, email("mail")], chain("w", "mail")))
    world.engine.tick(T0)
    pause(world.workspace, "Test journey", T0 + timedelta(minutes=30))
    world.run(T0 + timedelta(hours=1), T0 + timedelta(hours=5))
    assert world.messages() == {}
    resume(world.workspace, "Test journey", T0 + timedelta(hours=6))
    world.engine.tick(T0 + timedelta(hours=6))
    assert world.message("ana", "mail").queued_at == T0 + timedelta(hours=6)


def test_re_entry_after_rejoin_needs_a_new_join(world: World) -> None:
    world.contact("ana", country="DE")
    world.segment("Germans", {"attribute": {"field": "country", "op": "eq", "value": "DE"}})
    wait = {"id": "w", "kind": "wait", "config": {"mode": "duration", "duration": "1h"}}
    world.publish(
        journey([wait], chain("w"), entry_segment="Germans", re_entry="after_rejoin",
                exit_on_segment_leave=False)
    )  # fmt: skip
    world.run(T0, T0 + timedelta(hours=4))
    assert [run for run, _n, _r in world.runs()["ana"]] == [1]  # still a member: no new run
    with world.workspace.writer() as connection:
        connection.execute(contacts.update().values(country="FR"))
    world.run(T0 + timedelta(hours=5), T0 + timedelta(hours=6))
    with world.workspace.writer() as connection:
        connection.execute(contacts.update().values(country="DE"))
    world.run(T0 + timedelta(hours=7), T0 + timedelta(hours=9))
    assert [run for run, _n, _r in world.runs()["ana"]] == [1, 2]


def test_leaving_the_segment_during_a_wait_exits_with_no_later_send(world: World) -> None:
    world.contact("ana", country="DE")
    world.segment("Germans", {"attribute": {"field": "country", "op": "eq", "value": "DE"}})
    wait = {"id": "w", "kind": "wait", "config": {"mode": "duration", "duration": "2d"}}
    world.publish(journey([wait, email("mail")], chain("w", "mail"), entry_segment="Germans"))
    world.engine.tick(T0)
    with world.workspace.writer() as connection:
        connection.execute(contacts.update().values(country="AT"))
    world.run(T0 + timedelta(hours=1), T0 + timedelta(days=3), timedelta(hours=6))
    assert world.runs() == {"ana": [(1, "w", "left_segment")]}
    assert world.messages() == {}


def test_wait_until_a_moment_and_until_a_contacts_date(world: World) -> None:
    world.contact("ana", attributes={"renewal_date": "2026-12-05T12:00:00Z"})
    world.contact("bo")  # no renewal date: moves on at once
    until = {"id": "u", "kind": "wait", "config": {"mode": "until", "at": "2026-12-02T08:00:00Z"}}
    on_date = {"mode": "until_attribute", "field": "attributes.renewal_date", "offset": "-1d"}
    renewal = {"id": "r", "kind": "wait", "config": on_date}
    world.publish(journey([until, renewal, email("mail")], chain("u", "r", "mail")))
    world.run(T0, T0 + timedelta(days=5), timedelta(hours=1))
    assert world.message("bo", "mail").queued_at == T0.replace(day=2, hour=8)
    assert world.message("ana", "mail").queued_at == T0.replace(day=4, hour=12)
    assert world.ports("r") == {"next": 2}


def test_ab_split_over_10000_contacts_follows_the_weights_and_repeats(
    workspace: Workspace, tmp_path: Path
) -> None:
    from sqlalchemy import insert

    from app.store.schema import step_log

    def assignments(world: World) -> dict[int, str]:
        with world.workspace.reader() as connection:
            rows = connection.execute(
                select(enrollments.c.contact_id, step_log.c.port)
                .join(step_log, step_log.c.enrollment_id == enrollments.c.id)
                .where(step_log.c.node_id == "ab")
            ).all()
        return {contact: port for contact, port in rows}

    world = World(workspace)
    world.segment("All", {"all": []})
    with workspace.writer() as connection:
        connection.execute(
            insert(contacts),
            [
                {
                    "email": f"p{i}@example.com",
                    "created_at": T0,
                    "updated_at": T0,
                    "attributes": {},
                }
                for i in range(10_000)
            ],
        )
    ab = {
        "id": "ab",
        "kind": "ab_test",
        "config": {
            "variants": [
                {"name": "A", "weight": 70},
                {"name": "B", "weight": 20},
                {"name": "C", "weight": 10},
            ]
        },
    }
    exits = [{"id": f"x{v}", "kind": "exit"} for v in "ABC"]
    edges = [*chain("ab"), *({"from": "ab", "port": v, "to": f"x{v}"} for v in "ABC")]
    world.publish(journey([ab, *exits], edges))
    world.engine.tick(T0)
    first = assignments(world)
    shares = {v: sum(1 for p in first.values() if p == v) / 10_000 for v in "ABC"}
    assert shares == pytest.approx({"A": 0.7, "B": 0.2, "C": 0.1}, abs=0.02)
    # The same journey, contacts and run numbers give the same variants in a fresh workspace
    # (an SQLite file, whichever database ran first: the hash does not depend on it).
    from app.store.workspace import open_workspace

    with open_workspace(str(tmp_path / "again.db")) as again:
        other = World(again)
        other.segment("All", {"all": []})
        with again.writer() as connection:
            connection.execute(
                insert(contacts),
                [
                    {
                        "email": f"p{i}@example.com",
                        "created_at": T0,
                        "updated_at": T0,
                        "attributes": {},
                    }
                    for i in range(10_000)
                ],
            )
        other.publish(journey([ab, *exits], edges))
        other.engine.tick(T0)
        assert assignments(other) == first
