"""Moving groups of enrollments, set-based: log the step, then move or end them.

Every move is two statements over the same selector inside one transaction: an
``INSERT … SELECT`` into the step log, then an ``UPDATE`` of the enrollments. Nothing here
loops over contacts in Python.

Step outcomes: ``processed`` (left by ``port``), ``skipped`` (moved on without waiting),
``completed`` (the run ended here normally) and the end reasons of exits (``exit_event``,
``excluded``, ``left_segment``, ``goal_reached``, ``journey_stopped``). So for every node,
entered = in progress + processed/skipped + ended there (DESIGN §6).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    ColumnElement,
    Connection,
    String,
    and_,
    insert,
    literal,
    null,
    select,
    update,
)

from app.engine.plan import VersionPlan
from app.store.schema import UTCDateTime, enrollments, messages, step_log

OPEN_MESSAGES = ("queued", "held")


def at_node(plan: VersionPlan, node_id: str, *extra: ColumnElement[bool]) -> ColumnElement[bool]:
    """Active enrollments of this version standing at ``node_id``."""
    return and_(
        enrollments.c.journey_id == plan.journey_id,
        enrollments.c.version == plan.version,
        enrollments.c.node_id == node_id,
        enrollments.c.status == "active",
        *extra,
    )


def due(now: datetime) -> ColumnElement[bool]:
    return enrollments.c.due_at <= now


def log_steps(
    connection: Connection,
    selector: ColumnElement[bool],
    outcome: str,
    now: datetime,
    *,
    node_id: str | None = None,
    port: str | None = None,
) -> int:
    """One step-log row per selected enrollment (at ``node_id``, else where each stands)."""
    node = literal(node_id, String) if node_id is not None else enrollments.c.node_id
    rows = select(
        enrollments.c.id,
        enrollments.c.journey_id,
        enrollments.c.version,
        node,
        literal(outcome, String),
        literal(port, String) if port is not None else null(),
        literal(now, UTCDateTime()),
    ).where(selector)
    columns = ["enrollment_id", "journey_id", "version", "node_id", "outcome", "port", "at"]
    return connection.execute(insert(step_log).from_select(columns, rows)).rowcount


def move(
    connection: Connection,
    plan: VersionPlan,
    node_id: str,
    selector: ColumnElement[bool],
    port: str,
    now: datetime,
    *,
    outcome: str = "processed",
) -> int:
    """Send the selected enrollments at ``node_id`` out by ``port``; complete them if it leads
    nowhere. Returns how many moved."""
    target = plan.target(node_id, port)
    if target is None:
        return end(connection, selector, "completed", now, node_id=node_id, port=port)
    moved = log_steps(connection, selector, outcome, now, node_id=node_id, port=port)
    if moved:
        connection.execute(
            update(enrollments)
            .where(selector)
            .values(node_id=target, due_at=now, waiting_since=None)
        )
    return moved


def end(
    connection: Connection,
    selector: ColumnElement[bool],
    reason: str,
    now: datetime,
    *,
    node_id: str | None = None,
    port: str | None = None,
) -> int:
    """End the selected runs with ``reason``.

    A run that exits early (any reason but ``completed``) has its queued and held messages
    cancelled; one that completes keeps them: contacts never wait for delivery, so a message
    queued just before the exit node still goes out.
    """
    ended = log_steps(connection, selector, reason, now, node_id=node_id, port=port)
    if not ended:
        return 0
    if reason != "completed":
        _cancel_messages(connection, selector, reason)
    connection.execute(
        update(enrollments)
        .where(selector)
        .values(status="ended", ended_at=now, end_reason=reason, due_at=None, waiting_since=None)
    )
    return ended


def _cancel_messages(connection: Connection, selector: ColumnElement[bool], reason: str) -> None:
    connection.execute(
        update(messages)
        .where(
            messages.c.status.in_(OPEN_MESSAGES),
            messages.c.enrollment_id.in_(select(enrollments.c.id).where(selector)),
        )
        .values(status="cancelled", reason=reason)
    )
