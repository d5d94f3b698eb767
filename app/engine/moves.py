"""Moving groups of enrollments, set-based: log the step, then move or end them.

Every move is two statements over the same selector inside one transaction: an
``INSERT … SELECT`` into the step log, then an ``UPDATE`` of the enrollments. Nothing here
loops over contacts in Python.

A batch of due enrollments is *carried* through the nodes that take no time in one
transaction (:func:`carry`): its positions live in a temporary table while it travels, and a
run's enrollment row is written once, where it stops (starts waiting, ends, or is settled at
the end of the pass), instead of once per node. Every node still logs its step.

Step outcomes: ``processed`` (left by ``port``), ``skipped`` (moved on without waiting),
``completed`` (the run ended here normally) and the end reasons of exits (``exit_event``,
``excluded``, ``left_segment``, ``goal_reached``, ``journey_stopped``). So for every node,
entered = in progress + processed/skipped + ended there (DESIGN §6).
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import (
    Column,
    ColumnElement,
    Connection,
    Integer,
    MetaData,
    String,
    Table,
    and_,
    cast,
    delete,
    exists,
    func,
    insert,
    literal,
    null,
    select,
    union_all,
    update,
)

from app.engine.plan import VersionPlan
from app.store.schema import NO_PORT, UTCDateTime, enrollments, messages, step_counts, step_log
from app.store.workspace import upsert

OPEN_MESSAGES = ("queued", "held")
WAITING_KINDS = ("wait", "branch")
"""Node kinds where runs wait (``waiting_since`` set); runs leave others as they arrived."""


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


carried = Table(
    "engine_carried",
    MetaData(),
    Column("id", Integer, primary_key=True),
    Column("node_id", String(200), nullable=False),
    prefixes=["TEMPORARY"],
)
"""Where each run of the batch being carried stands (a temporary table of the writer)."""


def carry(
    connection: Connection, plan: VersionPlan, node_id: str, now: datetime, size: int
) -> bool:
    """Take up to ``size`` due runs standing at ``node_id``, earliest due first, as the batch
    to carry; False when there are none."""
    carried.create(connection, checkfirst=True)
    connection.execute(delete(carried))
    chosen = (
        select(enrollments.c.id, enrollments.c.node_id)
        .where(at_node(plan, node_id, due(now)))
        .order_by(enrollments.c.due_at, enrollments.c.id)
        .limit(size)
    )
    return bool(connection.execute(insert(carried).from_select(["id", "node_id"], chosen)).rowcount)


def carried_at(node_id: str, now: datetime) -> ColumnElement[bool]:
    """The runs of the carried batch standing at ``node_id`` and due there.

    Runs moved on stand elsewhere; runs that started waiting are due later and ended runs are
    due never, so they leave. No leading column of an enrollments index is named, so the
    batch's own ids drive every statement (primary-key lookups), not a scan of everyone due.
    """
    return and_(
        enrollments.c.id.in_(select(carried.c.id).where(carried.c.node_id == node_id)),
        due(now),
    )


def any_carried_at(connection: Connection, node_id: str, now: datetime) -> bool:
    return connection.execute(select(exists().where(carried_at(node_id, now)))).scalar_one()


def settle(connection: Connection, now: datetime) -> None:
    """Write where they stand to the runs of the batch that are still due (none, when every
    path ends in a wait or an exit). Runs that stopped had their node written then: waiting
    runs are due later, ended ones never."""
    stands = select(carried.c.node_id).where(carried.c.id == enrollments.c.id).scalar_subquery()
    connection.execute(
        update(enrollments)
        .where(
            enrollments.c.id.in_(select(carried.c.id)),
            due(now),
            enrollments.c.node_id != stands,
        )
        .values(node_id=stands)
    )


class Logged(NamedTuple):
    """Step-log rows just written: how many, and the highest id before them (theirs are
    higher: the writer's own)."""

    rows: int
    after: int


def log_steps(
    connection: Connection,
    selector: ColumnElement[bool],
    outcome: str,
    now: datetime,
    *,
    node_id: str | None = None,
    port: str | None = None,
    version: tuple[str, int] | None = None,
) -> Logged:
    """One step-log row per selected enrollment (at ``node_id``, else where each stands), and
    their totals added to ``step_counts`` in the same transaction.

    ``version`` is the (journey id, version) every selected run belongs to, when the caller
    knows it; with ``node_id`` too, the totals are the row count itself."""
    node = literal(node_id, String) if node_id is not None else enrollments.c.node_id
    rows = select(
        enrollments.c.id,
        node,
        literal(outcome, String),
        literal(port, String) if port is not None else null(),
        literal(now, UTCDateTime()),
    ).where(selector)
    after = connection.execute(select(func.max(step_log.c.id))).scalar() or 0
    columns = ["enrollment_id", "node_id", "outcome", "port", "at"]
    logged = Logged(connection.execute(insert(step_log).from_select(columns, rows)).rowcount, after)
    if logged.rows:
        _count_steps(connection, logged, outcome, port or NO_PORT, node_id, version)
    return logged


def _count_steps(
    connection: Connection,
    logged: Logged,
    outcome: str,
    port: str,
    node_id: str | None,
    version: tuple[str, int] | None,
) -> None:
    """Add the rows just logged to ``step_counts``: one row when the node and version are
    known (every move), else the new rows grouped by their runs' version and node."""
    totals: Any
    if version is not None and node_id is not None:
        totals = select(
            literal(version[0], String),
            literal(version[1]),
            literal(node_id, String),
            literal(outcome, String),
            literal(port, String),
            literal(logged.rows),
        )
    else:
        by = (enrollments.c.journey_id, enrollments.c.version, step_log.c.node_id)
        totals = (
            select(*by, literal(outcome, String), literal(port, String), func.count())
            .join(enrollments, enrollments.c.id == step_log.c.enrollment_id)
            .where(step_log.c.id > logged.after)
            .group_by(*by)
        )
    keys = [
        step_counts.c.journey_id,
        step_counts.c.version,
        step_counts.c.node_id,
        step_counts.c.outcome,
        step_counts.c.port,
    ]
    add = upsert(connection)(step_counts).from_select([*keys, step_counts.c.steps], totals)
    connection.execute(
        add.on_conflict_do_update(
            index_elements=keys, set_={"steps": step_counts.c.steps + add.excluded.steps}
        )
    )


def move(
    connection: Connection,
    plan: VersionPlan,
    node_id: str,
    selector: ColumnElement[bool],
    port: str,
    now: datetime,
    *,
    outcome: str = "processed",
    woken: bool = False,
    carrying: bool = False,
) -> int:
    """Send the selected enrollments at ``node_id`` out by ``port``; complete them if it leads
    nowhere. Returns how many moved.

    A due run keeps its ``due_at``: it is due at the next node too, and the tick takes it there
    before it ends (nodes run in topological order); leaving the column alone spares an index
    update per contact and step. Runs ``woken`` before their ``due_at`` become due now.
    When ``carrying`` (the selected runs belong to the carried batch), only their position in
    the batch changes, and ``waiting_since`` is cleared for those that were waiting. The runs
    moved are read back from the step-log rows just written (the writer's own, after the
    highest id before them), so the selector is evaluated once.
    """
    target = plan.target(node_id, port)
    if target is None:
        return end(connection, selector, "completed", now, node_id=node_id, port=port, plan=plan)
    moved, before = log_steps(
        connection, selector, outcome, now, node_id=node_id, port=port, version=plan.key
    )
    if moved and carrying:
        just_moved = select(step_log.c.enrollment_id).where(step_log.c.id > before)
        connection.execute(
            update(carried).where(carried.c.id.in_(just_moved)).values(node_id=target)
        )
        if plan.nodes[node_id].kind in WAITING_KINDS:
            connection.execute(
                update(enrollments)
                .where(enrollments.c.id.in_(just_moved), enrollments.c.waiting_since.is_not(None))
                .values(waiting_since=None)
            )
    elif moved:
        due_now = {"due_at": now} if woken else {}
        connection.execute(
            update(enrollments)
            .where(selector)
            .values(node_id=target, waiting_since=None, **due_now)
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
    plan: VersionPlan | None = None,
) -> int:
    """End the selected runs with ``reason`` (standing at ``node_id`` when given), all of
    ``plan``'s version when given.

    A run that exits early (any reason but ``completed``) has its queued and held messages
    cancelled; one that completes keeps them: contacts never wait for delivery, so a message
    queued just before the exit node still goes out. Without ``plan`` (stopping a journey,
    every version at once) the caller cancels the messages.
    """
    version = None if plan is None else plan.key
    ended = log_steps(
        connection, selector, reason, now, node_id=node_id, port=port, version=version
    ).rows
    if not ended:
        return 0
    if reason != "completed" and plan is not None:
        _cancel_messages(connection, plan, selector, reason)
    stands = {"node_id": node_id} if node_id is not None else {}
    connection.execute(
        update(enrollments)
        .where(selector)
        .values(
            status="ended",
            ended_at=now,
            end_reason=reason,
            due_at=None,
            waiting_since=None,
            **stands,
        )
    )
    return ended


def message_id(journey_id: str, node_id: str) -> ColumnElement[str]:
    """The deterministic id of the message an enrollment gets from a node: ``m<enr>-<hash>``."""
    suffix = hashlib.sha256(f"{journey_id}:{node_id}".encode()).hexdigest()[:12]
    return literal("m", String) + cast(enrollments.c.id, String) + literal(f"-{suffix}", String)


def _cancel_messages(
    connection: Connection, plan: VersionPlan, selector: ColumnElement[bool], reason: str
) -> None:
    """Cancel the selected runs' open messages, found by their ids (one per send node of the
    version and run): primary-key probes, whatever the selector's plan."""
    ids = [
        select(message_id(plan.journey_id, node.id)).where(selector) for node in plan.send_nodes()
    ]
    if not ids:
        return
    connection.execute(
        update(messages)
        .where(
            messages.c.id.in_(union_all(*ids)),
            unindexed(messages.c.status).in_(OPEN_MESSAGES),
        )
        .values(status="cancelled", reason=reason)
    )


def unindexed(column: ColumnElement[str]) -> ColumnElement[str]:
    """The same text value, hidden from the query planner's choice of index (``x || ''``).

    For a test that must not lead the plan: without statistics SQLite would rather scan every
    queued message by status than look up the few runs' messages by enrollment."""
    return column + literal("", String)
