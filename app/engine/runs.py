"""Starting and ending runs (DESIGN §5 tick steps 3–5): goals, exits, enrolment.

All set-based over materialised segment membership: who may enter is one ``INSERT … SELECT``
per journey; who must leave is one ``UPDATE`` per exit reason, applied in the precedence the
design gives (exit event, then exclusion, then leaving the entry segment).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import (
    JSON,
    ColumnElement,
    Connection,
    String,
    and_,
    cast,
    exists,
    func,
    insert,
    literal,
    not_,
    or_,
    select,
    update,
)

from app.domain.conditions import AttributeTest, BehaviorTest
from app.engine.moves import OPEN_MESSAGES, end
from app.engine.plan import VersionPlan
from app.store.schema import (
    UTCDateTime,
    contacts,
    enrollments,
    events,
    messages,
    segment_members,
    segments,
)
from app.store.segment_sql import SegmentCompiler

GOAL_GRACE = timedelta(days=3)
"""A goal reached up to 3 days after a run ended still counts for it (DESIGN §5)."""


def segment_id(connection: Connection, name: str | None) -> int | None:
    if not name:
        return None
    return connection.execute(
        select(segments.c.id).where(segments.c.name == name)
    ).scalar_one_or_none()


def _member_of(segment: int | None) -> ColumnElement[bool]:
    if segment is None:
        return literal(False)
    return enrollments.c.contact_id.in_(
        select(segment_members.c.contact_id).where(segment_members.c.segment_id == segment)
    )


def _event_after_entry(
    compiler: SegmentCompiler, event: str, where: Sequence[AttributeTest], now: datetime
) -> ColumnElement[bool]:
    """An event of that type (passing the filters) since the run entered, up to ``now``."""
    filters = compiler.event_filters(BehaviorTest(event=event, where=list(where)))
    return exists(
        select(1).where(
            events.c.contact_id == enrollments.c.contact_id,
            events.c.occurred_at > enrollments.c.entered_at,
            events.c.occurred_at <= now,
            *filters,
        )
    )


def _runs_of(plan: VersionPlan) -> ColumnElement[bool]:
    return and_(
        enrollments.c.journey_id == plan.journey_id,
        enrollments.c.version == plan.version,
        enrollments.c.status == "active",
    )


def record_goals(
    connection: Connection, plan: VersionPlan, compiler: SegmentCompiler, now: datetime
) -> None:
    """Step 3: the first goal event after entering sets ``goal_reached_at``.

    Runs that ended count when they ended less than 3 days ago; since events are looked at
    up to ``now`` only, an event more than 3 days after such a run's end cannot be among them.
    """
    goal = plan.document.settings.goal
    if goal is None:
        return
    filters = compiler.event_filters(BehaviorTest(event=goal.event, where=list(goal.where)))
    first = (
        select(func.min(events.c.occurred_at))
        .where(
            events.c.contact_id == enrollments.c.contact_id,
            events.c.occurred_at > enrollments.c.entered_at,
            events.c.occurred_at <= now,
            *filters,
        )
        .scalar_subquery()
    )
    candidates = and_(
        enrollments.c.journey_id == plan.journey_id,
        enrollments.c.version == plan.version,
        enrollments.c.goal_reached_at.is_(None),
        or_(enrollments.c.status == "active", enrollments.c.ended_at > now - GOAL_GRACE),
    )
    connection.execute(update(enrollments).where(candidates).values(goal_reached_at=first))
    if goal.exit_on_goal:
        end(
            connection,
            and_(_runs_of(plan), enrollments.c.goal_reached_at.is_not(None)),
            "goal_reached",
            now,
        )


def apply_exits(
    connection: Connection, plan: VersionPlan, compiler: SegmentCompiler, now: datetime
) -> None:
    """Step 4: exit events, then exclusion segments, then leaving the entry segment."""
    settings = plan.document.settings
    runs = _runs_of(plan)
    if settings.exit_events:
        happened = or_(
            *(_event_after_entry(compiler, e.event, e.where, now) for e in settings.exit_events)
        )
        end(connection, and_(runs, happened), "exit_event", now)
    excluded = [segment_id(connection, name) for name in settings.exclusion_segments]
    if any(segment is not None for segment in excluded):
        end(connection, and_(runs, or_(*(_member_of(s) for s in excluded))), "excluded", now)
    if settings.exit_on_segment_leave:
        entry = segment_id(connection, settings.entry_segment)
        if entry is not None:
            end(connection, and_(runs, not_(_member_of(entry))), "left_segment", now)


def end_all(connection: Connection, journey_id: str, reason: str, now: datetime) -> int:
    """End every active run of a journey (stopping it) and cancel every message of the journey
    still waiting to go out, also those of runs that already completed: a stop is final."""
    selector = and_(enrollments.c.journey_id == journey_id, enrollments.c.status == "active")
    ended = end(connection, selector, reason, now)
    connection.execute(
        update(messages)
        .where(messages.c.journey_id == journey_id, messages.c.status.in_(OPEN_MESSAGES))
        .values(status="cancelled", reason=reason)
    )
    return ended


def enrol(connection: Connection, plan: VersionPlan, now: datetime) -> int:
    """Step 5: entry members − exclusions − active runs − those re-entry keeps out enter now."""
    settings = plan.document.settings
    entry = segment_id(connection, settings.entry_segment)
    if entry is None:
        return 0
    member = segment_members.alias("member")
    previous = enrollments.alias("previous")
    same_contact = and_(
        previous.c.journey_id == plan.journey_id, previous.c.contact_id == member.c.contact_id
    )
    keep_out: list[ColumnElement[bool]] = [
        exists(select(1).where(same_contact, previous.c.status == "active"))
    ]
    if settings.re_entry == "never":
        keep_out.append(exists(select(1).where(same_contact)))
    elif settings.re_entry == "after_exit":
        wait = settings.re_entry_after or timedelta(hours=1)
        keep_out.append(exists(select(1).where(same_contact, previous.c.ended_at > now - wait)))
    else:
        keep_out.append(
            exists(select(1).where(same_contact, previous.c.ended_at >= member.c.joined_at))
        )
    for name in settings.exclusion_segments:
        excluded = segment_id(connection, name)
        if excluded is not None:
            keep_out.append(
                member.c.contact_id.in_(
                    select(segment_members.c.contact_id).where(
                        segment_members.c.segment_id == excluded
                    )
                )
            )
    audience = settings.audience
    if audience != "any":
        keep_out.append(
            member.c.contact_id.in_(select(contacts.c.id).where(contacts.c.kind != audience))
        )
    runs_before = select(func.count()).where(same_contact).scalar_subquery()
    rows = select(
        literal(plan.journey_id, String),
        member.c.contact_id,
        runs_before + 1,
        literal(plan.version),
        literal("active", String),
        literal(plan.start, String),
        literal(now, UTCDateTime()),
        literal(now, UTCDateTime()),
        cast(literal("{}", String), JSON),
    ).where(member.c.segment_id == entry, not_(or_(*keep_out)))
    columns = [
        "journey_id",
        "contact_id",
        "run",
        "version",
        "status",
        "node_id",
        "due_at",
        "entered_at",
        "variants",
    ]
    return connection.execute(insert(enrollments).from_select(columns, rows)).rowcount
