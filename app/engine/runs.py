"""Starting and ending runs (DESIGN §5 tick steps 3–5): goals, exits, enrolment.

All set-based over materialised segment membership: who may enter is one ``INSERT … SELECT``
per journey; who must leave is one ``UPDATE`` per exit reason, applied in the precedence the
design gives (exit event, then exclusion, then leaving the entry segment).

Goals and exit events can be asked about the contacts with an event that became visible since
a mark only (:class:`~app.engine.memory.EventMark`): an event that was visible at the last
check has already had its effect.
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
    true,
    update,
)

from app.domain.conditions import AttributeTest, BehaviorTest
from app.engine.memory import EventMark
from app.engine.moves import OPEN_MESSAGES, end, unindexed
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
    """The run's contact is in the segment (read from the segment's members: for the few)."""
    if segment is None:
        return literal(False)
    return enrollments.c.contact_id.in_(
        select(segment_members.c.contact_id).where(segment_members.c.segment_id == segment)
    )


def _not_member_of(segment: int) -> ColumnElement[bool]:
    """The run's contact is not in the segment (one primary-key probe per run)."""
    return not_(
        exists(
            select(1).where(
                segment_members.c.segment_id == segment,
                segment_members.c.contact_id == enrollments.c.contact_id,
            )
        )
    )


FEW_CONTACTS = 20_000
"""Up to this many contacts with fresh events are looked up by contact; beyond it, every run
is checked in one pass."""

CHUNK = 5_000


def fresh_contacts(
    connection: Connection, filters: Sequence[ColumnElement[bool]], since: EventMark | None
) -> list[list[int]] | None:
    """Contacts with an event passing ``filters`` that became visible after ``since``: it
    happened after the mark's moment, or was recorded after it (a higher id; then anything
    from the earliest such event's moment on is looked at). A few already seen may be among
    them, which does no harm. In chunks for ``IN`` lists; None when every run must be checked
    (no mark, or too many contacts)."""
    if since is None:
        return None
    recorded = connection.execute(
        select(func.min(events.c.occurred_at)).where(events.c.id > since.last_id)
    ).scalar()
    floor = since.at if recorded is None else min(since.at, recorded)
    found = (
        connection.execute(
            select(events.c.contact_id)
            .where(*filters, events.c.occurred_at >= floor)
            .distinct()
            .limit(FEW_CONTACTS + 1)
        )
        .scalars()
        .all()
    )
    if len(found) > FEW_CONTACTS:
        return None
    return _chunks(sorted(found))


def _chunks(ids: list[int]) -> list[list[int]]:
    return [ids[start : start + CHUNK] for start in range(0, len(ids), CHUNK)]


def _by_contact(chunks: list[list[int]] | None) -> list[ColumnElement[bool] | None]:
    """One test per chunk of contacts (a single None, for every run, when ``chunks`` is
    None)."""
    if chunks is None:
        return [None]
    return [enrollments.c.contact_id.in_(chunk) for chunk in chunks]


def _event_after_entry(
    compiler: SegmentCompiler, event: str, where: Sequence[AttributeTest], now: datetime
) -> ColumnElement[bool]:
    """An event of that type (passing the filters) since the run entered, up to ``now``."""
    filters = compiler.event_filters(_behaviour(event, where))
    return exists(
        select(1).where(
            events.c.contact_id == enrollments.c.contact_id,
            events.c.occurred_at > enrollments.c.entered_at,
            events.c.occurred_at <= now,
            *filters,
        )
    )


def _runs_of(
    plan: VersionPlan, contacts_of: ColumnElement[bool] | None = None
) -> ColumnElement[bool]:
    """Active runs of the version; of a chunk's contacts only, when given.

    A chunk's runs are found through their contacts (the (contact_id, journey_id) index): the
    journey and status tests are hidden from the planner, which would otherwise read every
    active run of the journey and test each against the chunk."""
    if contacts_of is None:
        return and_(
            enrollments.c.journey_id == plan.journey_id,
            enrollments.c.version == plan.version,
            enrollments.c.status == "active",
        )
    return and_(
        contacts_of,
        unindexed(enrollments.c.journey_id) == plan.journey_id,
        enrollments.c.version == plan.version,
        unindexed(enrollments.c.status) == "active",
    )


def record_goals(
    connection: Connection,
    plan: VersionPlan,
    compiler: SegmentCompiler,
    now: datetime,
    since: EventMark | None = None,
) -> None:
    """Step 3: the first goal event after entering sets ``goal_reached_at``.

    Runs that ended count when they ended less than 3 days ago; since events are looked at
    up to ``now`` only, an event more than 3 days after such a run's end cannot be among them.
    With ``since``, only runs whose contact has a goal event visible since then are looked at.
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
    for contacts_of in _by_contact(fresh_contacts(connection, filters, since)):
        candidates = and_(
            enrollments.c.journey_id == plan.journey_id,
            enrollments.c.version == plan.version,
            enrollments.c.goal_reached_at.is_(None),
            or_(enrollments.c.status == "active", enrollments.c.ended_at > now - GOAL_GRACE),
            true() if contacts_of is None else contacts_of,
            first.is_not(None),
        )
        connection.execute(update(enrollments).where(candidates).values(goal_reached_at=first))
        if goal.exit_on_goal:
            reached = and_(_runs_of(plan, contacts_of), enrollments.c.goal_reached_at.is_not(None))
            end(connection, reached, "goal_reached", now, plan=plan)


def apply_exits(
    connection: Connection,
    plan: VersionPlan,
    compiler: SegmentCompiler,
    now: datetime,
    since: EventMark | None = None,
    *,
    joined_exclusion: bool = True,
    left_entry: bool = True,
    leavers: Sequence[int] | None = None,
) -> None:
    """Step 4: exit events, then exclusion segments, then leaving the entry segment.

    With ``since``, exit events are looked for only among contacts with such an event visible
    since then; ``joined_exclusion=False`` (``left_entry=False``) says nobody can have joined
    an exclusion segment (left the entry segment) since the runs were last checked, and
    ``leavers`` (ascending contact ids) that only they can have left it.
    """
    settings = plan.document.settings
    runs = _runs_of(plan)
    for exit_event in settings.exit_events:
        filters = compiler.event_filters(_behaviour(exit_event.event, exit_event.where))
        happened = _event_after_entry(compiler, exit_event.event, exit_event.where, now)
        for contacts_of in _by_contact(fresh_contacts(connection, filters, since)):
            happened_to = and_(_runs_of(plan, contacts_of), happened)
            end(connection, happened_to, "exit_event", now, plan=plan)
    excluded = [segment_id(connection, name) for name in settings.exclusion_segments]
    if joined_exclusion and any(segment is not None for segment in excluded):
        joined = and_(runs, or_(*(_member_of(s) for s in excluded)))
        end(connection, joined, "excluded", now, plan=plan)
    if settings.exit_on_segment_leave and left_entry:
        entry = segment_id(connection, settings.entry_segment)
        if entry is not None:
            chunks = None if leavers is None else _chunks(list(leavers))
            for contacts_of in _by_contact(chunks):
                left = and_(_runs_of(plan, contacts_of), _not_member_of(entry))
                end(connection, left, "left_segment", now, plan=plan)


def _behaviour(event: str, where: Sequence[AttributeTest]) -> BehaviorTest:
    return BehaviorTest(event=event, where=list(where))


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
    never = settings.re_entry == "never"
    # With re-entry "never" any earlier run keeps a contact out, active or not, so that one
    # test is enough and whoever enters has run 1.
    active = [] if never else [previous.c.status == "active"]
    keep_out: list[ColumnElement[bool]] = [exists(select(1).where(same_contact, *active))]
    if settings.re_entry == "after_exit":
        wait = settings.re_entry_after or timedelta(hours=1)
        keep_out.append(exists(select(1).where(same_contact, previous.c.ended_at > now - wait)))
    elif not never:  # after_rejoin
        keep_out.append(
            exists(select(1).where(same_contact, previous.c.ended_at >= member.c.joined_at))
        )
    for name in settings.exclusion_segments:
        excluded = segment_id(connection, name)
        if excluded is not None:
            other = segment_members.alias()
            keep_out.append(
                exists(
                    select(1).where(
                        other.c.segment_id == excluded, other.c.contact_id == member.c.contact_id
                    )
                )
            )
    audience = settings.audience
    if audience != "any":
        keep_out.append(
            exists(
                select(1).where(contacts.c.id == member.c.contact_id, contacts.c.kind != audience)
            )
        )
    runs_before: ColumnElement[int] = (
        literal(0) if never else select(func.count()).where(same_contact).scalar_subquery()
    )
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
