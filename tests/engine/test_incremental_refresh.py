"""Incremental segment refresh (SQLite): after any mix of contact and event changes and time
moving on, re-testing only the contacts that may have changed gives exactly the members a full
evaluation gives, and the engine really takes that path."""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import delete, event, func, insert, select, update

from app.domain.segment import SegmentDocument
from app.engine.membership import RefreshMark, refresh_due, segment_compiler, time_edges
from app.store.schema import contact_changes, contacts, events, segment_members, segments
from app.store.settings import SEGMENT_REFRESH, set_setting
from app.store.workspace import Workspace
from tests.engine.world import T0, World, chain, journey

DEFINITIONS = {
    "Lapsed": {  # the sample: bought before, not in the last 60 days
        "all": [
            {"behavior": {"event": "purchase", "count": {"at_least": 1}}},
            {"behavior": {"event": "purchase", "count": {"none": True}, "within": "60d"}},
        ]
    },
    "Busy Germans": {
        "all": [
            {"attribute": {"field": "country", "op": "eq", "value": "DE"}},
            {"behavior": {"event": "visit", "count": {"at_least": 2}, "within": "3d"}},
        ]
    },
    "Lapsed or busy": {"any": [{"segment": "Lapsed"}, {"segment": "Busy Germans"}]},
    "Recent sign-ups": {"attribute": {"field": "created_at", "op": "within_last", "value": "2d"}},
}


@pytest.fixture
def workspace_location(tmp_path: Path) -> str:
    """SQLite only: PostgreSQL always refreshes in full."""
    return str(tmp_path / "workspace.db")


def _members(workspace: Workspace) -> dict[str, set[int]]:
    with workspace.reader() as connection:
        rows = connection.execute(
            select(segments.c.name, segment_members.c.contact_id).join(
                segment_members, segment_members.c.segment_id == segments.c.id
            )
        ).all()
    found: dict[str, set[int]] = {name: set() for name in DEFINITIONS}
    for name, contact in rows:
        found[name].add(contact)
    return found


def _evaluated(workspace: Workspace, now: datetime) -> dict[str, set[int]]:
    with workspace.reader() as connection:
        compiler = segment_compiler(connection, now)
        return {
            name: set(connection.execute(compiler.members(compiler.segments[name])).scalars())
            for name in DEFINITIONS
        }


def _change_something(world: World, rng: random.Random, now: datetime, step: int) -> None:
    people = list(world.people.values())
    choice = rng.random()
    with world.workspace.writer() as connection:
        if choice < 0.2 or not people:
            key = connection.execute(
                insert(contacts).values(
                    email=f"p{step}-{rng.getrandbits(40)}@example.com",
                    country=rng.choice(["DE", "AT", None]),
                    created_at=now - timedelta(hours=rng.randint(0, 96)),
                    updated_at=now,
                    attributes={},
                )
            ).inserted_primary_key[0]
            world.people[f"p{key}"] = int(key)
        elif choice < 0.35:
            connection.execute(
                update(contacts)
                .where(contacts.c.id == rng.choice(people))
                .values(country=rng.choice(["DE", "AT"]), kind=rng.choice(["contact", "lead"]))
            )
        elif choice < 0.42:
            gone = rng.choice(people)
            connection.execute(delete(events).where(events.c.contact_id == gone))
            connection.execute(delete(segment_members).where(segment_members.c.contact_id == gone))
            connection.execute(delete(contacts).where(contacts.c.id == gone))
            world.people = {n: k for n, k in world.people.items() if k != gone}
        elif choice < 0.5:
            oldest = connection.execute(select(func.min(events.c.id))).scalar()
            if oldest is not None:
                connection.execute(delete(events).where(events.c.id == oldest))
        else:
            # Past, recent or not yet happened (future events count once their time comes).
            at = now + timedelta(hours=rng.randint(-24 * 90, 12))
            connection.execute(
                insert(events).values(
                    contact_id=rng.choice(people),
                    type=rng.choice(["purchase", "visit", "email_opened"]),
                    occurred_at=at,
                    properties={},
                )
            )


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_incremental_refresh_gives_what_a_full_evaluation_gives(
    workspace: Workspace, seed: int
) -> None:
    rng = random.Random(seed)
    world = World(workspace)
    for name, definition in DEFINITIONS.items():
        world.segment(name, definition)
    with workspace.writer() as connection:
        set_setting(connection, SEGMENT_REFRESH, 3600)
    # Enough people and history that time alone moves many across window edges: purchases
    # from 70 days before to 5 days after the start, visits around it.
    with workspace.writer() as connection:
        for i in range(150):
            key = connection.execute(
                insert(contacts).values(
                    email=f"c{i}@example.com",
                    country=rng.choice(["DE", "AT"]),
                    created_at=T0 - timedelta(days=rng.randint(0, 4)),
                    updated_at=T0,
                    attributes={},
                )
            ).inserted_primary_key[0]
            world.people[f"c{i}"] = int(key)
            for _ in range(rng.randint(0, 4)):
                kind = rng.choice(["purchase", "visit"])
                spread = 70 * 24 if kind == "purchase" else 4 * 24
                connection.execute(
                    insert(events).values(
                        contact_id=key,
                        type=kind,
                        occurred_at=T0 + timedelta(hours=rng.randint(-spread, 5 * 24)),
                        properties={},
                    )
                )
    exclusions = ["Busy Germans", "Lapsed or busy", "Recent sign-ups"]
    wait = {"id": "w", "kind": "wait", "config": {"mode": "duration", "duration": "300d"}}
    document = journey([wait], chain("w"), entry_segment="Lapsed", exclusion_segments=exclusions)
    world.publish(document)

    statements: list[str] = []

    @event.listens_for(workspace._writer_engine, "before_cursor_execute")
    def _seen(_conn, _cursor, statement, *_args) -> None:  # type: ignore[no-untyped-def]
        statements.append(statement)

    marks: dict[str, RefreshMark] = {}
    now = T0
    for step in range(60):
        for _ in range(rng.choice([0, 0, 0, 1, 2])):
            _change_something(world, rng, now, step)
        now += timedelta(hours=rng.choice([1, 2, 7, 30]))
        with workspace.writer() as connection:
            refreshed = refresh_due(connection, now, workspace.reader, marks)
        marks.update({n: r.mark for n, r in refreshed.items() if r.mark is not None})
        assert _members(workspace) == _evaluated(workspace, now), f"step {step} at {now}"
    # It re-tested only candidates (all but the first refresh of each segment, and never the
    # segment whose verdict time alone can change).
    assert sum("engine_refresh_candidates" in s and "INSERT" in s for s in statements) > 100
    with workspace.reader() as connection:
        left = connection.execute(select(func.count()).select_from(contact_changes)).scalar()
    assert left is not None and left < 10, "the change log is pruned as refreshes see it"


def test_a_definition_that_time_alone_changes_is_always_refreshed_in_full() -> None:
    documents = {
        name: SegmentDocument.model_validate({"name": name, "definition": definition})
        for name, definition in DEFINITIONS.items()
    }
    assert time_edges(documents["Recent sign-ups"], documents) is None
    edges = time_edges(documents["Lapsed or busy"], documents)
    assert edges is not None
    assert edges.types == {"purchase", "visit"}
    assert edges.windows == {("purchase", timedelta(days=60)), ("visit", timedelta(days=3))}


def test_the_change_log_sees_every_write_to_contacts_and_events(workspace: Workspace) -> None:
    world = World(workspace)
    ana, bo = world.contact("ana"), world.contact("bo")
    world.event("ana", "visit", T0)
    with workspace.writer() as connection:
        connection.execute(update(contacts).where(contacts.c.id == bo).values(country="DE"))
        connection.execute(update(events).values(type="purchase"))
        connection.execute(delete(events))
        connection.execute(delete(contacts).where(contacts.c.id == bo))
        logged = connection.execute(
            select(contact_changes.c.contact_id).order_by(contact_changes.c.id)
        ).scalars()
        # Inserts of contacts, an update, an event's update (old and new owner) and delete,
        # and a contact's delete; adding the event itself is found by its id instead.
        assert list(logged) == [ana, bo, bo, ana, ana, ana, bo]


def test_marks_of_segments_no_longer_in_use_are_dropped(workspace: Workspace) -> None:
    """Pruning the change log waits only for segments in use, so a mark of another segment
    would go stale: it is forgotten (that segment's next refresh is a full one)."""
    world = World(workspace)
    world.segment("Lapsed", DEFINITIONS["Lapsed"])
    world.segment("Busy Germans", DEFINITIONS["Busy Germans"])
    world.contact("ana")
    wait = {"id": "w", "kind": "wait", "config": {"mode": "duration", "duration": "300d"}}
    world.publish(journey([wait], chain("w"), entry_segment="Lapsed"))
    stale = RefreshMark("{}", T0, 0, 0)
    marks = {"Busy Germans": stale}
    with workspace.writer() as connection:
        refreshed = refresh_due(connection, T0 + timedelta(days=1), workspace.reader, marks)
    assert "Busy Germans" not in marks
    assert set(refreshed) == {"Lapsed"} and refreshed["Lapsed"].mark is not None


def test_the_change_log_is_emptied_while_no_segment_is_in_use(workspace: Workspace) -> None:
    """Imports and edits with no live journey left every change in the log for good."""
    world = World(workspace)
    world.segment("Lapsed", DEFINITIONS["Lapsed"])
    for name in ("ana", "bo", "cy"):
        world.contact(name)
    world.event("ana", "purchase", T0)

    def logged() -> int:
        with workspace.reader() as connection:
            count = connection.execute(select(func.count()).select_from(contact_changes))
            return int(count.scalar_one())

    assert logged() > 0
    with workspace.writer() as connection:
        assert refresh_due(connection, T0, workspace.reader, {}) == {}
    assert logged() == 0

    # Once a journey uses the segment, its first refresh is a full one: nobody is missed.
    wait = {"id": "w", "kind": "wait", "config": {"mode": "duration", "duration": "300d"}}
    world.publish(journey([wait], chain("w"), entry_segment="Lapsed"))
    marks: dict[str, RefreshMark] = {}
    with workspace.writer() as connection:
        refreshed = refresh_due(connection, T0 + timedelta(days=70), workspace.reader, marks)
    assert refreshed["Lapsed"].mark is not None
    assert _members(workspace)["Lapsed"] == {world.people["ana"]}
