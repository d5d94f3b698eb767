"""The grouped SQL behind journey reports (:mod:`app.services.reports`).

Each function is one or a few aggregate statements over the step log, enrollments, messages
and events, for one journey and optionally one version; they return plain counts keyed by
node, status, reason or day. Nothing here loops over contacts or reads rows one by one, so
their cost grows with the rows the indexes must walk, not with Python work per contact.

What they lean on (``app/store/schema.py``): ``step_counts``, the step log's totals per node,
outcome and port, kept by the engine as it logs (a few rows per node); enrollments
(journey_id, status, …) serves the runs standing at each node; messages (journey_id, node_id,
status) the status counts; events (message_id, type, occurred_at) the interactions of each
message.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, get_args

from sqlalchemy import (
    ColumnElement,
    Connection,
    Table,
    and_,
    case,
    exists,
    func,
    literal,
    or_,
    select,
    true,
)

from app.domain.journey import JourneyDocument
from app.domain.loading import load_journey
from app.domain.registry import Channel
from app.store.schema import (
    NO_PORT,
    enrollments,
    events,
    journey_versions,
    messages,
    step_counts,
)

INTERACTIONS = ("delivered", "opened", "clicked", "bounced")


@dataclass(frozen=True)
class ReportScope:
    """The journey, and the version when one is named: a filter for each table."""

    journey_id: str
    version: int | None = None

    def of(self, table: Table) -> ColumnElement[bool]:
        version = true() if self.version is None else table.c.version == self.version
        return and_(table.c.journey_id == self.journey_id, version)


def published_versions(connection: Connection, journey_id: str) -> dict[int, JourneyDocument]:
    rows = connection.execute(
        select(journey_versions.c.version, journey_versions.c.document).where(
            journey_versions.c.journey_id == journey_id
        )
    )
    return {
        number: load_journey(text, f"journey {journey_id} version {number}")
        for number, text in rows
    }


@dataclass(frozen=True)
class RunCounts:
    """The journey's runs: how many entered, are active, ended by reason, reached the goal,
    and per UTC day how many entered, completed and reached the goal."""

    entered: int = 0
    active: int = 0
    ended: dict[str, int] = field(default_factory=dict)
    goal: int = 0
    daily: dict[date, dict[str, int]] = field(default_factory=dict)


def run_counts(connection: Connection, scope: ReportScope) -> RunCounts:
    """One pass over the journey's runs, grouped by status, end reason and the days they
    entered, completed and reached the goal (a few groups per day, however many runs)."""
    completed = enrollments.c.end_reason == "completed"
    keys = (
        enrollments.c.status,
        enrollments.c.end_reason,
        func.date(enrollments.c.entered_at),
        func.date(case((completed, enrollments.c.ended_at), else_=None)),
        func.date(enrollments.c.goal_reached_at),
    )
    rows = connection.execute(
        select(*keys, func.count()).where(scope.of(enrollments)).group_by(*keys)
    )
    entered = active = goal = 0
    ended: dict[str, int] = {}
    daily: dict[date, dict[str, int]] = {}

    def add(day: object, key: str, count: int) -> None:
        if day is not None:
            counts = daily.setdefault(_as_date(day), {})
            counts[key] = counts.get(key, 0) + count

    for status, reason, entered_on, completed_on, goal_on, count in rows:
        entered += count
        if status == "active":
            active += count
        else:
            ended[str(reason)] = ended.get(str(reason), 0) + count
        if goal_on is not None:
            goal += count
        add(entered_on, "entered", count)
        add(completed_on, "completed", count)
        add(goal_on, "goal", count)
    return RunCounts(entered, active, dict(sorted(ended.items())), goal, daily)


def step_outcomes(connection: Connection, scope: ReportScope) -> dict[str, dict[str, int]]:
    """node → outcome → steps logged."""
    rows = connection.execute(
        select(step_counts.c.node_id, step_counts.c.outcome, func.sum(step_counts.c.steps))
        .where(scope.of(step_counts))
        .group_by(step_counts.c.node_id, step_counts.c.outcome)
    )
    outcomes: dict[str, dict[str, int]] = {}
    for node_id, outcome, count in rows:
        outcomes.setdefault(node_id, {})[outcome] = int(count)
    return outcomes


def standing(connection: Connection, scope: ReportScope) -> dict[str, int]:
    """node → active runs standing there now."""
    rows = connection.execute(
        select(enrollments.c.node_id, func.count())
        .where(scope.of(enrollments), enrollments.c.status == "active")
        .group_by(enrollments.c.node_id)
    )
    return {node_id: count for node_id, count in rows}


def ports_taken(
    connection: Connection, scope: ReportScope, node_ids: list[str]
) -> dict[str, dict[str, int]]:
    """node → port → steps that left (or completed) by it, for the nodes named."""
    if not node_ids:
        return {}
    rows = connection.execute(
        select(step_counts.c.node_id, step_counts.c.port, func.sum(step_counts.c.steps))
        .where(
            scope.of(step_counts),
            step_counts.c.node_id.in_(node_ids),
            step_counts.c.port != NO_PORT,
        )
        .group_by(step_counts.c.node_id, step_counts.c.port)
    )
    taken: dict[str, dict[str, int]] = {}
    for node_id, port, count in rows:
        taken.setdefault(node_id, {})[port] = int(count)
    return taken


def message_statuses(
    connection: Connection, scope: ReportScope
) -> dict[str, dict[tuple[str, str | None], int]]:
    """node → (status, reason) → messages; the reason is kept for blocked ones only (the
    status counts come from an index alone, the reasons from the few blocked rows)."""
    statuses: dict[str, dict[tuple[str, str | None], int]] = {}
    by_status = connection.execute(
        select(messages.c.node_id, messages.c.status, func.count())
        .where(scope.of(messages), messages.c.status != "blocked")
        .group_by(messages.c.node_id, messages.c.status)
    )
    for node_id, status, count in by_status:
        statuses.setdefault(node_id, {})[(status, None)] = count
    blocked = connection.execute(
        select(messages.c.node_id, messages.c.reason, func.count())
        .where(scope.of(messages), messages.c.status == "blocked")
        .group_by(messages.c.node_id, messages.c.reason)
    )
    for node_id, reason, count in blocked:
        statuses.setdefault(node_id, {})[("blocked", reason)] = count
    return statuses


def interactions(
    connection: Connection, scope: ReportScope, *, from_events: bool | None = None
) -> dict[str, dict[str, int]]:
    """node → unique contacts delivered, opened, clicked and bounced.

    Per message, from its interaction events (``<channel>_<interaction>``): a click implies
    an open, an open or click implies delivery, and a bounce without either undoes the
    delivery. A contact counts once per node however many of its runs got the message: when
    no contact ran the journey twice (the usual case), each has at most one message per node,
    so messages are counted; otherwise distinct contacts are. ``from_events`` chooses how
    messages are read (see :func:`_messages_interacting`)."""
    several_runs = exists().where(scope.of(enrollments), enrollments.c.run > 1)
    if connection.execute(select(several_runs)).scalar_one():
        return _contacts_interacting(connection, scope)
    return _messages_interacting(connection, scope, from_events=from_events)


_BITS = {interaction: 1 << place for place, interaction in enumerate(INTERACTIONS)}
_ENGAGED = _BITS["opened"] | _BITS["clicked"]


def _interacted(mask: int) -> dict[str, bool]:
    """What a message's interactions (a bit per kind, as :data:`_BITS`) count for."""
    engaged = bool(mask & _ENGAGED)
    return {
        "delivered": engaged or (bool(mask & _BITS["delivered"]) and not mask & _BITS["bounced"]),
        "opened": engaged,
        "clicked": bool(mask & _BITS["clicked"]),
        "bounced": bool(mask & _BITS["bounced"]) and not engaged,
    }


def _messages_interacting(
    connection: Connection, scope: ReportScope, *, from_events: bool | None = None
) -> dict[str, dict[str, int]]:
    """Messages per node and combination of interactions (a bit per kind, as :data:`_BITS`);
    the few (node, combination) groups are added up here.

    The combination of each message comes from the events' (message_id, type) index, read
    one of two ways: in one pass over every message's events, in message order, when this
    journey (or version) holds at least half the workspace's messages; else by one probe per
    message of the journey. ``from_events`` forces one way."""
    if from_events is None:
        mine, every = connection.execute(
            select(
                select(func.count()).where(scope.of(messages)).scalar_subquery(),
                select(func.count()).select_from(messages).scalar_subquery(),
            )
        ).one()
        from_events = 2 * mine >= every
    mask: ColumnElement[Any] = literal(0)
    for interaction, bit in _BITS.items():
        kinds = [f"{channel}_{interaction}" for channel in get_args(Channel)]
        mask = mask + bit * func.max(case((events.c.type.in_(kinds), 1), else_=0))
    if from_events:
        each = (
            select(events.c.message_id, mask.label("mask"))
            .where(events.c.message_id.is_not(None))
            .group_by(events.c.message_id)
            .subquery()
        )
        per_message = (
            select(messages.c.node_id, each.c.mask)
            .join(each, each.c.message_id == messages.c.id)
            .where(scope.of(messages))
            .subquery()
        )
    else:
        probe = select(mask).where(events.c.message_id == messages.c.id).scalar_subquery()
        per_message = (
            select(messages.c.node_id, probe.label("mask")).where(scope.of(messages)).subquery()
        )
    query = (
        select(per_message.c.node_id, per_message.c.mask, func.count())
        .where(per_message.c.mask.is_not(None))
        .group_by(per_message.c.node_id, per_message.c.mask)
    )
    counts: dict[str, dict[str, int]] = {}
    for node_id, bits, count in connection.execute(query):
        node = counts.setdefault(node_id, dict.fromkeys(INTERACTIONS, 0))
        for interaction, counted in _interacted(int(bits)).items():
            node[interaction] += count if counted else 0
    return counts


def _contacts_interacting(connection: Connection, scope: ReportScope) -> dict[str, dict[str, int]]:
    """Distinct contacts per node with a message of each kind of interaction."""

    def had(interaction: str) -> ColumnElement[Any]:
        kind = messages.c.channel + f"_{interaction}"
        return func.max(case((events.c.type == kind, 1), else_=0))

    per_message = (
        select(
            messages.c.node_id,
            messages.c.contact_id,
            *(had(interaction).label(interaction) for interaction in INTERACTIONS),
        )
        .join(events, events.c.message_id == messages.c.id)
        .where(scope.of(messages))
        .group_by(messages.c.id, messages.c.node_id, messages.c.contact_id)
        .subquery()
    )
    flag = per_message.c
    engaged = or_(flag.opened == 1, flag.clicked == 1)
    tests = {
        "delivered": or_(engaged, and_(flag.delivered == 1, flag.bounced == 0)),
        "opened": engaged,
        "clicked": flag.clicked == 1,
        "bounced": and_(flag.bounced == 1, ~engaged),
    }
    rows = connection.execute(
        select(
            flag.node_id,
            *(
                func.count(func.distinct(case((test, flag.contact_id), else_=None)))
                for test in tests.values()
            ),
        ).group_by(flag.node_id)
    )
    return {node_id: dict(zip(tests, values, strict=True)) for node_id, *values in rows}


def _as_date(value: object) -> date:
    """``date()`` gives text on SQLite and a date on PostgreSQL."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])
