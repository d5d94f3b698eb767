"""The grouped SQL behind journey reports (:mod:`app.services.reports`).

Each function is one or a few aggregate statements over the step log, enrollments, messages
and events, for one journey and optionally one version; they return plain counts keyed by
node, status, reason or day. Nothing here loops over contacts or reads rows one by one, so
their cost grows with the rows the indexes must walk, not with Python work per contact.

Indexes they lean on (``app/store/schema.py``): step_log (journey_id, node_id, outcome) makes
the outcome counts an index-only scan; enrollments (journey_id, status, …) serves the runs
standing at each node; messages (journey_id, node_id, status) the status counts; events
(message_id, type, occurred_at) the interactions of each message.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, Connection, Table, and_, case, func, or_, select, true

from app.domain.journey import JourneyDocument
from app.domain.loading import load_journey
from app.store.schema import enrollments, events, journey_versions, messages, step_log

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
    entered: int
    active: int
    ended: dict[str, int]
    goal: int


def run_counts(connection: Connection, scope: ReportScope) -> RunCounts:
    """Runs by status and end reason, and how many reached the goal."""
    rows = connection.execute(
        select(
            enrollments.c.status,
            enrollments.c.end_reason,
            func.count(),
            func.count(enrollments.c.goal_reached_at),
        )
        .where(scope.of(enrollments))
        .group_by(enrollments.c.status, enrollments.c.end_reason)
    ).all()
    return RunCounts(
        entered=sum(n for _, _, n, _ in rows),
        active=sum(n for status, _, n, _ in rows if status == "active"),
        ended=dict(sorted((str(why), n) for status, why, n, _ in rows if status == "ended")),
        goal=sum(goal for *_, goal in rows),
    )


def step_outcomes(connection: Connection, scope: ReportScope) -> dict[str, dict[str, int]]:
    """node → outcome → steps logged."""
    rows = connection.execute(
        select(step_log.c.node_id, step_log.c.outcome, func.count())
        .where(scope.of(step_log))
        .group_by(step_log.c.node_id, step_log.c.outcome)
    )
    outcomes: dict[str, dict[str, int]] = {}
    for node_id, outcome, count in rows:
        outcomes.setdefault(node_id, {})[outcome] = count
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
        select(step_log.c.node_id, step_log.c.port, func.count())
        .where(scope.of(step_log), step_log.c.node_id.in_(node_ids), step_log.c.port.is_not(None))
        .group_by(step_log.c.node_id, step_log.c.port)
    )
    taken: dict[str, dict[str, int]] = {}
    for node_id, port, count in rows:
        taken.setdefault(node_id, {})[port] = count
    return taken


def message_statuses(
    connection: Connection, scope: ReportScope
) -> dict[str, dict[tuple[str, str | None], int]]:
    """node → (status, reason) → messages."""
    rows = connection.execute(
        select(messages.c.node_id, messages.c.status, messages.c.reason, func.count())
        .where(scope.of(messages))
        .group_by(messages.c.node_id, messages.c.status, messages.c.reason)
    )
    statuses: dict[str, dict[tuple[str, str | None], int]] = {}
    for node_id, status, reason, count in rows:
        statuses.setdefault(node_id, {})[(status, reason)] = count
    return statuses


def interactions(connection: Connection, scope: ReportScope) -> dict[str, dict[str, int]]:
    """node → unique contacts delivered, opened, clicked and bounced.

    Per message, from its interaction events (``<channel>_<interaction>``): a click implies
    an open, an open or click implies delivery, and a bounce without either undoes the
    delivery. A contact counts once per node however many of its runs got the message."""

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


def daily_counts(connection: Connection, scope: ReportScope) -> dict[date, dict[str, int]]:
    """UTC day → runs that entered, completed and reached the goal on it."""
    series: dict[date, dict[str, int]] = {}
    columns = {
        "entered": (enrollments.c.entered_at, true()),
        "completed": (enrollments.c.ended_at, enrollments.c.end_reason == "completed"),
        "goal": (enrollments.c.goal_reached_at, enrollments.c.goal_reached_at.is_not(None)),
    }
    for key, (moment, condition) in columns.items():
        day = func.date(moment)
        rows = connection.execute(
            select(day, func.count()).where(scope.of(enrollments), condition).group_by(day)
        )
        for value, count in rows:
            series.setdefault(_as_date(value), {})[key] = count
    return series


def _as_date(value: object) -> date:
    """``date()`` gives text on SQLite and a date on PostgreSQL."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])
