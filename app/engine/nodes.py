"""Node executors (DESIGN §5 "Rules for nodes"): what happens to a batch arriving at a node.

Each executor gets a selector of due, active enrollments standing at its node and moves them
on with set-based SQL. Work that depends on local time (time-of-day waits, quiet hours) is
computed once per distinct time zone in the batch, not once per contact; only date waits on a
contact's own field, A/B hashing and task text are computed per row, in batches.

Waiting nodes (wait, branch with ``wait_up_to``) mark arrivals with ``waiting_since`` and a
future ``due_at``; when due again they move on.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, NamedTuple

from sqlalchemy import (
    ColumnElement,
    Connection,
    String,
    and_,
    bindparam,
    case,
    exists,
    func,
    insert,
    literal,
    not_,
    or_,
    select,
    update,
)

from app.domain.ab_testing import bucket, variant_for
from app.domain.conditions import CONTACT_FIELDS, AnyCondition, InteractionCondition
from app.domain.journey import Node
from app.domain.node_configs import (
    AbTestConfig,
    BranchConfig,
    CreateTaskConfig,
    SplitConfig,
    WaitDuration,
    WaitTimeOfDay,
    WaitUntil,
    WaitUntilAttribute,
)
from app.domain.registry import NEXT, OTHERWISE, interaction_event_types
from app.domain.templates import TemplateProblem, render
from app.domain.timing import attribute_wait_due, next_time_of_day, quiet_hours_release
from app.engine.moves import end, message_id, move
from app.engine.plan import VersionPlan
from app.store.schema import (
    UTCDateTime,
    ab_decisions,
    contacts,
    enrollments,
    events,
    messages,
    tasks,
)

LIVE_MESSAGE_STATUSES = ("queued", "held", "sending", "sent")
ADDRESS_COLUMNS = {"email": contacts.c.email, "sms": contacts.c.phone}
CONSENT_COLUMNS = {
    "email": contacts.c.email_opt_in,
    "sms": contacts.c.sms_opt_in,
    "push": contacts.c.push_opt_in,
}

ConditionCompiler = Callable[[AnyCondition], ColumnElement[bool]]
"""Turns a segment-style condition into a test on a ``contacts`` row, at this tick's now."""


@dataclass
class NodeContext:
    """What executors need besides the batch: the tick's moment and the condition compiler."""

    now: datetime
    condition: ConditionCompiler


class Batch(NamedTuple):
    """Due enrollments at one node, to be moved on inside one transaction."""

    connection: Connection
    plan: VersionPlan
    node: Node
    selector: ColumnElement[bool]
    ctx: NodeContext
    carrying: bool = False
    """The runs belong to the carried batch (:func:`app.engine.moves.carry`): moves change
    their position in it, and writes that stop a run (waiting, ending) set its node."""


def _contact_holds(predicate: ColumnElement[bool]) -> ColumnElement[bool]:
    return enrollments.c.contact_id.in_(select(contacts.c.id).where(predicate))


def _arrivals(selector: ColumnElement[bool]) -> ColumnElement[bool]:
    return and_(selector, enrollments.c.waiting_since.is_(None))


def _waited(selector: ColumnElement[bool]) -> ColumnElement[bool]:
    return and_(selector, enrollments.c.waiting_since.is_not(None))


def _zones(connection: Connection, selector: ColumnElement[bool]) -> list[str | None]:
    rows = connection.execute(
        select(contacts.c.timezone)
        .distinct()
        .select_from(enrollments.join(contacts, contacts.c.id == enrollments.c.contact_id))
        .where(selector)
    )
    return [row[0] for row in rows]


def _in_zone(zone: str | None) -> ColumnElement[bool]:
    return enrollments.c.contact_id.in_(
        select(contacts.c.id).where(contacts.c.timezone.is_not_distinct_from(zone))
    )


# -- start and exit ---------------------------------------------------------------------------


def run_start(batch: Batch) -> None:
    connection, plan, node, selector, ctx, carrying = batch
    move(connection, plan, node.id, selector, NEXT, ctx.now, carrying=carrying)


def run_exit(batch: Batch) -> None:
    connection, plan, node, selector, ctx, _carrying = batch
    end(connection, selector, "completed", ctx.now, node_id=node.id, plan=plan)


# -- send -------------------------------------------------------------------------------------


def run_send(batch: Batch) -> None:
    connection, plan, node, selector, ctx, carrying = batch
    """Queue one message per arrival (or block it with a reason), then move on at once."""
    channel = node.spec.channel
    assert channel is not None
    config = node.typed_config()
    purpose = str(getattr(config, "purpose", "commercial"))
    now = ctx.now
    settings = plan.document.settings
    commercial = purpose == "commercial"
    reasons: list[tuple[ColumnElement[bool], str]] = []
    if commercial:
        reasons.append((func.coalesce(CONSENT_COLUMNS[channel], False) == False, "no_consent"))  # noqa: E712
    address = ADDRESS_COLUMNS.get(channel)
    if address is not None:
        reasons.append((func.coalesce(func.trim(address), "") == "", "no_address"))
    cap = settings.frequency_cap
    source = enrollments.join(contacts, contacts.c.id == enrollments.c.contact_id)
    if commercial and cap is not None:
        # Counted once per contact of the batch (a grouped subquery joined in), not once per
        # use of the reason in the statement.
        earlier = messages.alias("earlier")
        recent = (
            select(earlier.c.contact_id, func.count().label("sent"))
            .where(
                earlier.c.contact_id.in_(select(enrollments.c.contact_id).where(selector)),
                earlier.c.purpose == "commercial",
                earlier.c.status.in_(LIVE_MESSAGE_STATUSES),
                earlier.c.queued_at > now - cap.per,
            )
            .group_by(earlier.c.contact_id)
            .subquery("recent")
        )
        source = source.outerjoin(recent, recent.c.contact_id == enrollments.c.contact_id)
        reasons.append((func.coalesce(recent.c.sent, 0) >= cap.max_messages, "frequency_cap"))
    reason = case(*reasons, else_=None) if reasons else literal(None, String)
    release: ColumnElement[Any] = literal(None, UTCDateTime())
    if commercial and settings.quiet_hours is not None:
        release = _quiet_hours_release(connection, plan, selector, now)
    status = case((reason.is_not(None), "blocked"), (release.is_not(None), "held"), else_="queued")
    rows = (
        select(
            message_id(plan.journey_id, node.id),
            enrollments.c.id,
            literal(plan.journey_id, String),
            literal(plan.version),
            literal(node.id, String),
            enrollments.c.contact_id,
            literal(channel, String),
            literal(purpose, String),
            status,
            reason,
            case((reason.is_(None), release), else_=None),
            literal(now, UTCDateTime()),
        )
        .select_from(source)
        .where(selector)
    )
    columns = [
        "id",
        "enrollment_id",
        "journey_id",
        "version",
        "node_id",
        "contact_id",
        "channel",
        "purpose",
        "status",
        "reason",
        "not_before",
        "queued_at",
    ]
    connection.execute(insert(messages).from_select(columns, rows))
    move(connection, plan, node.id, selector, NEXT, now, carrying=carrying)


def _quiet_hours_release(
    connection: Connection, plan: VersionPlan, selector: ColumnElement[bool], now: datetime
) -> ColumnElement[Any]:
    """When quiet hours end for each contact of the batch (NULL: not quiet now), as a CASE on
    the contact's time zone: computed once per distinct zone, then held in the same INSERT
    that queues the messages."""
    quiet = plan.document.settings.quiet_hours
    assert quiet is not None
    whens: list[tuple[ColumnElement[bool], ColumnElement[Any]]] = []
    for zone in _zones(connection, selector):
        release = quiet_hours_release(quiet, now, zone, plan.document.settings.timezone)
        if release is not None:
            whens.append(
                (contacts.c.timezone.is_not_distinct_from(zone), literal(release, UTCDateTime()))
            )
    if not whens:
        return literal(None, UTCDateTime())
    return case(*whens, else_=literal(None, UTCDateTime()))


# -- wait -------------------------------------------------------------------------------------


def run_wait(batch: Batch) -> None:
    connection, plan, node, selector, ctx, carrying = batch
    """Arrivals get their ``due_at``; those whose wait is over move on."""
    now = ctx.now
    config = node.typed_config()
    arrivals = _arrivals(selector)
    if isinstance(config, WaitDuration | WaitUntil):
        due_at = now + config.duration if isinstance(config, WaitDuration) else max(config.at, now)
        _start_waiting(connection, arrivals, node.id, due_at, now)
    elif isinstance(config, WaitTimeOfDay):
        journey_zone = plan.document.settings.timezone
        for zone in _zones(connection, arrivals):
            due_at = next_time_of_day(config, now, zone, journey_zone)
            _start_waiting(connection, and_(arrivals, _in_zone(zone)), node.id, due_at, now)
    elif isinstance(config, WaitUntilAttribute):
        _wait_for_attribute(connection, plan, node, config, arrivals, now, carrying)
    move(connection, plan, node.id, _waited(selector), NEXT, now, carrying=carrying)


def _start_waiting(
    connection: Connection,
    selector: ColumnElement[bool],
    node_id: str,
    due_at: datetime,
    now: datetime,
) -> None:
    """The selected runs wait at ``node_id`` until ``due_at`` (the node is written too: a
    carried run's row was not moved here)."""
    connection.execute(
        update(enrollments)
        .where(selector)
        .values(node_id=node_id, due_at=due_at, waiting_since=now)
    )


def _wait_for_attribute(
    connection: Connection,
    plan: VersionPlan,
    node: Node,
    config: WaitUntilAttribute,
    arrivals: ColumnElement[bool],
    now: datetime,
    carrying: bool,
) -> None:
    if config.field.startswith("attributes."):
        value: ColumnElement[Any] = contacts.c.attributes[config.field.split(".", 1)[1]].as_string()
    elif config.field in CONTACT_FIELDS:
        value = contacts.c[config.field]
    else:
        value = literal(None, String)
    rows = connection.execute(
        select(enrollments.c.id, value, contacts.c.timezone)
        .select_from(enrollments.join(contacts, contacts.c.id == enrollments.c.contact_id))
        .where(arrivals)
    ).all()
    journey_zone = plan.document.settings.timezone
    waiting, missing = [], []
    for enrollment_id, raw, zone in rows:
        due_at = attribute_wait_due(config, raw, now, zone, journey_zone)
        if due_at is None:
            missing.append(enrollment_id)
        else:
            waiting.append({"eid": enrollment_id, "due": due_at})
    if waiting:
        connection.execute(
            update(enrollments)
            .where(enrollments.c.id == bindparam("eid"))
            .values(
                node_id=node.id, due_at=bindparam("due", type_=UTCDateTime()), waiting_since=now
            ),
            waiting,
        )
    for chunk in _chunks(missing):
        move(
            connection,
            plan,
            node.id,
            and_(arrivals, enrollments.c.id.in_(chunk)),
            NEXT,
            now,
            outcome="skipped",
            carrying=carrying,
        )


def _chunks(ids: list[int], size: int = 500) -> list[list[int]]:
    return [ids[start : start + size] for start in range(0, len(ids), size)]


# -- branch -----------------------------------------------------------------------------------


def branch_holds(plan: VersionPlan, config: BranchConfig, ctx: NodeContext) -> ColumnElement[bool]:
    """The branch's condition for an enrollment at this moment (interactions up to the
    deadline of a waiting one)."""
    condition = config.condition
    if not isinstance(condition, InteractionCondition):
        return _contact_holds(ctx.condition(condition))
    test = condition.interaction
    sender = plan.nodes[test.node]
    assert sender.spec.channel is not None  # validation: the named node sends a message
    event_types = interaction_event_types(sender.spec.channel, test.interaction)
    limit = func.coalesce(enrollments.c.due_at, ctx.now)
    sent = message_id(plan.journey_id, test.node)
    # Looked up by the message's id (its primary key, and the events' message_id index), so
    # each run costs two index probes, however many such events there are.
    return exists(
        select(1)
        .select_from(messages.join(events, events.c.message_id == messages.c.id))
        .where(
            messages.c.id == sent,
            events.c.message_id == sent,
            messages.c.enrollment_id == enrollments.c.id,
            messages.c.node_id == test.node,
            events.c.type.in_(event_types),
            events.c.occurred_at <= ctx.now,
            or_(enrollments.c.waiting_since.is_(None), events.c.occurred_at <= limit),
        )
    )


def _message_lost(plan: VersionPlan, config: BranchConfig) -> ColumnElement[bool] | None:
    """For an interaction branch: the message was never sent (blocked, cancelled, failed)."""
    condition = config.condition
    if not isinstance(condition, InteractionCondition):
        return None
    return not_(
        exists(
            select(1).where(
                messages.c.id == message_id(plan.journey_id, condition.interaction.node),
                messages.c.status.in_(LIVE_MESSAGE_STATUSES),
            )
        )
    )


def run_branch(batch: Batch) -> None:
    connection, plan, node, selector, ctx, carrying = batch
    config = node.typed_config()
    assert isinstance(config, BranchConfig)
    holds = branch_holds(plan, config, ctx)
    now = ctx.now
    move(connection, plan, node.id, and_(selector, holds), "yes", now, carrying=carrying)
    if config.wait_up_to <= timedelta(0):  # deciding now: everyone else, lost or not, says no
        move(connection, plan, node.id, selector, "no", now, carrying=carrying)
        return
    arrivals = _arrivals(selector)
    lost = _message_lost(plan, config)
    if lost is not None:
        move(connection, plan, node.id, and_(arrivals, lost), "no", now, carrying=carrying)
    _start_waiting(connection, arrivals, node.id, now + config.wait_up_to, now)
    move(connection, plan, node.id, _waited(selector), "no", now, carrying=carrying)


def wake_branches(connection: Connection, plan: VersionPlan, node: Node, ctx: NodeContext) -> None:
    """Step 7: a contact waiting at a branch leaves by ``yes`` as soon as it holds."""
    config = node.typed_config()
    assert isinstance(config, BranchConfig)
    waiting = and_(
        enrollments.c.journey_id == plan.journey_id,
        enrollments.c.version == plan.version,
        enrollments.c.node_id == node.id,
        enrollments.c.status == "active",
        enrollments.c.waiting_since.is_not(None),
    )
    holds = and_(waiting, branch_holds(plan, config, ctx))
    move(connection, plan, node.id, holds, "yes", ctx.now, woken=True)


# -- split and A/B ----------------------------------------------------------------------------


def run_split(batch: Batch) -> None:
    connection, plan, node, selector, ctx, carrying = batch
    config = node.typed_config()
    assert isinstance(config, SplitConfig)
    for split_case in config.cases:
        matching = and_(selector, _contact_holds(ctx.condition(split_case.condition)))
        move(connection, plan, node.id, matching, split_case.name, ctx.now, carrying=carrying)
    move(connection, plan, node.id, selector, OTHERWISE, ctx.now, carrying=carrying)


def run_ab_test(batch: Batch) -> None:
    connection, plan, node, selector, ctx, carrying = batch
    config = node.typed_config()
    assert isinstance(config, AbTestConfig)
    key = and_(
        ab_decisions.c.journey_id == plan.journey_id,
        ab_decisions.c.version == plan.version,
        ab_decisions.c.node_id == node.id,
    )
    decision = connection.execute(select(ab_decisions.c.winner).where(key)).one_or_none()
    if decision is None:
        connection.execute(
            insert(ab_decisions).values(
                journey_id=plan.journey_id,
                version=plan.version,
                node_id=node.id,
                first_assigned_at=ctx.now,
            )
        )
    elif decision[0] is not None:
        move(connection, plan, node.id, selector, decision[0], ctx.now, carrying=carrying)
        return
    rows = connection.execute(
        select(enrollments.c.id, enrollments.c.contact_id, enrollments.c.run).where(selector)
    ).all()
    groups: dict[str, list[int]] = {}
    for enrollment_id, contact_id, run in rows:
        name = variant_for(bucket(plan.journey_id, node.id, contact_id, run), config.variants)
        groups.setdefault(name, []).append(enrollment_id)
    for name, ids in groups.items():
        for chunk in _chunks(ids):
            move(
                connection,
                plan,
                node.id,
                and_(selector, enrollments.c.id.in_(chunk)),
                name,
                ctx.now,
                carrying=carrying,
            )


# -- task -------------------------------------------------------------------------------------


CONTACT_COLUMNS = [contacts.c[name] for name in CONTACT_FIELDS]


def contact_data(row: Any) -> dict[str, Any]:
    """A contact row as template variables: every field, plus ``attributes``."""
    return {name: row[name] for name in CONTACT_FIELDS} | {"attributes": row["attributes"] or {}}


def run_task(batch: Batch) -> None:
    connection, plan, node, selector, ctx, carrying = batch
    config = node.typed_config()
    assert isinstance(config, CreateTaskConfig)
    rows = connection.execute(
        select(
            enrollments.c.id.label("enrollment_id"),
            *CONTACT_COLUMNS,
            contacts.c.id,
            contacts.c.attributes,
        )
        .select_from(enrollments.join(contacts, contacts.c.id == enrollments.c.contact_id))
        .where(selector)
    ).mappings()
    context = {"journey": {"name": plan.document.name}}
    values = []
    for row in rows:
        contact = contact_data(row)
        values.append(
            {
                "enrollment_id": row["enrollment_id"],
                "contact_id": row["id"],
                "journey_id": plan.journey_id,
                "node_id": node.id,
                "title": _render_or_raw(config.title, contact, context),
                "description": _render_or_raw(config.description, contact, context),
                "assignee": _render_or_raw(config.assignee, contact, context) or None,
                "due_at": ctx.now + config.due_in,
                "priority": config.priority,
                "status": "open",
                "created_at": ctx.now,
            }
        )
    if values:
        connection.execute(insert(tasks), values)
    move(connection, plan, node.id, selector, NEXT, ctx.now, carrying=carrying)


def _render_or_raw(source: str, contact: Mapping[str, Any], context: Mapping[str, Any]) -> str:
    try:
        return render(source, contact, context).strip()
    except TemplateProblem as problem:
        return f"{source} (template error: {problem})"


Executor = Callable[[Batch], None]

EXECUTORS: dict[str, Executor] = {
    "start": run_start,
    "send_email": run_send,
    "send_sms": run_send,
    "send_push": run_send,
    "create_task": run_task,
    "wait": run_wait,
    "branch": run_branch,
    "split": run_split,
    "ab_test": run_ab_test,
    "exit": run_exit,
}
