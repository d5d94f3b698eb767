"""Dispatch (DESIGN §5 step 9): render, claim, hand over, mark sent — exactly once.

A batch of due messages is rendered first (contact data at this moment, the version's
templates); a template error fails the message with ``template_error``. The rest are claimed
(``sending``) and committed before any transport sees them, handed over with the message id as
the idempotency key, then marked ``sent`` with their ``*_delivered`` event. A crash between
claim and mark leaves ``sending`` rows; once their claim is older than the lease they are
handed over again under the same id, which the transports treat as the same message.
Transient failures go back to the queue with backoff (3 attempts); permanent ones fail; while
a transport is down (unreachable) its messages wait without using up attempts.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import (
    JSON,
    ColumnElement,
    Connection,
    String,
    and_,
    bindparam,
    case,
    cast,
    func,
    insert,
    literal,
    or_,
    select,
    update,
)

from app.domain.conditions import CONTACT_FIELDS
from app.domain.journey import Node
from app.domain.node_configs import SendEmailConfig, SendPushConfig, SendSmsConfig
from app.domain.templates import TemplateProblem
from app.engine.nodes import CONTACT_COLUMNS
from app.engine.plan import VersionPlan
from app.engine.rendering import RenderCache
from app.engine.transports.base import DeliveryError, Outgoing, Transport
from app.store.schema import UTCDateTime, contacts, events, journeys, messages
from app.store.workspace import Workspace

CLAIM_LEASE = timedelta(minutes=5)
MAX_ATTEMPTS = 3
BACKOFF = (timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=15))
OUTAGE_WAIT = timedelta(minutes=1)
"""While a transport is down its messages wait this long between tries, for as long as it
takes: a transport that is down delays messages, it never loses them."""

PlanSource = Callable[[str, int], VersionPlan]


class MessageLinks(Protocol):
    """Per-message links: template variables, and tracking written into an email's HTML."""

    def __call__(self, message_id: str) -> Mapping[str, str]: ...

    def track_html(self, message_id: str, body: str) -> str: ...


Links = Callable[[datetime], MessageLinks]
"""Gives the link maker for a dispatch run at ``now`` (signing keys can rotate between runs)."""


@dataclass
class DispatchResult:
    sent: int = 0
    failed: int = 0
    retried: int = 0


def due_messages(now: datetime) -> Any:
    ready = and_(
        messages.c.status.in_(("queued", "held")),
        or_(messages.c.not_before.is_(None), messages.c.not_before <= now),
    )
    stale_claim = and_(messages.c.status == "sending", messages.c.claimed_at <= now - CLAIM_LEASE)
    live = messages.c.journey_id.in_(select(journeys.c.id).where(journeys.c.status == "live"))
    return and_(or_(ready, stale_claim), live)


_FIELDS = tuple(CONTACT_FIELDS)
_ROW = ("message_id", "journey_id", "version", "node_id", "channel", "attempts", "id")
_FIRST_FIELD = len(_ROW)
_ATTRIBUTES = _FIRST_FIELD + len(_FIELDS)


PAGES = 10
"""Batches of due messages found with one sort of the queue."""


def _due_page(now: datetime, size: int) -> Any:
    """The ids of the first ``size`` due messages, oldest first (sorting the queue once for
    several batches: no index serves that order)."""
    return (
        select(messages.c.id)
        .select_from(messages.join(contacts, contacts.c.id == messages.c.contact_id))
        .where(due_messages(now))
        .order_by(messages.c.queued_at, messages.c.id)
        .limit(size)
    )


def _batch_query(connection: Connection, ids: list[str], now: datetime) -> Any:
    """The messages of ``ids`` still due, with their contacts, oldest first."""
    return (
        select(
            messages.c.id.label("message_id"),
            messages.c.journey_id,
            messages.c.version,
            messages.c.node_id,
            messages.c.channel,
            messages.c.attempts,
            contacts.c.id,
            *CONTACT_COLUMNS,
            contacts.c.attributes,
        )
        .select_from(messages.join(contacts, contacts.c.id == messages.c.contact_id))
        .where(_among(connection, ids), _still_due(now))
        .order_by(messages.c.queued_at, messages.c.id)
    )


def _still_due(now: datetime) -> ColumnElement[bool]:
    """:func:`due_messages` for rows found by id. As a CASE, the test cannot steer SQLite to
    the status index (a scan of every due message); the rows are found by primary key."""
    return case((due_messages(now), 1), else_=0) == 1


def _contact(row: Sequence[Any]) -> dict[str, Any]:
    """The contact of a batch row as template variables: what :func:`contact_data` gives for
    the same row, from its columns by position."""
    contact = dict(zip(_FIELDS, row[_FIRST_FIELD:_ATTRIBUTES], strict=True))
    contact["attributes"] = row[_ATTRIBUTES] or {}
    return contact


def dispatch(
    workspace: Workspace,
    plans: PlanSource,
    transports: Mapping[str, Transport],
    links: Links,
    now: datetime,
    *,
    batch_size: int = 5000,
) -> DispatchResult:
    result = DispatchResult()
    cache = RenderCache()
    page_size = batch_size * PAGES
    while True:
        with workspace.reader() as connection:
            page = list(connection.execute(_due_page(now, page_size)).scalars())
        for start in range(0, len(page), batch_size):
            _dispatch_batch(
                workspace, plans, transports, links, now, cache, page[start : start + batch_size],
                result,
            )  # fmt: skip
        if len(page) < page_size:
            return result


def _dispatch_batch(
    workspace: Workspace,
    plans: PlanSource,
    transports: Mapping[str, Transport],
    links: Links,
    now: datetime,
    cache: RenderCache,
    ids: list[str],
    result: DispatchResult,
) -> None:
    with workspace.reader() as connection:
        rows = connection.execute(_batch_query(connection, ids, now)).all()
    if not rows:
        return
    ready: list[Outgoing] = []
    broken: list[dict[str, Any]] = []
    message_links = links(now)
    for row in rows:
        plan = plans(row[1], row[2])
        try:
            node = plan.nodes[row[3]]
            ready.append(_compose(plan, node, row, message_links, cache))
        except TemplateProblem as problem:
            broken.append({"mid": row[0], "why": f"template_error: {problem}"})
    with workspace.writer() as connection:
        _fail(connection, broken, now)
        claimed = _claim(connection, [m.id for m in ready], now)
    result.failed += len(broken)
    outcomes = _hand_over([m for m in ready if m.id in claimed], transports)
    attempts = {row[0]: row[5] + 1 for row in rows}
    with workspace.writer() as connection:
        counts = _record(connection, outcomes, attempts, now)
    result.sent += counts[0]
    result.failed += counts[1]
    result.retried += counts[2]


def _compose(
    plan: VersionPlan, node: Node, row: Sequence[Any], links: MessageLinks, cache: RenderCache
) -> Outgoing:
    contact = _contact(row)
    message_id = row[0]
    context = {"journey": {"name": plan.document.name}, **links(message_id)}
    config = cache.config(node)
    if isinstance(config, SendEmailConfig):
        unsubscribe = context.get("unsubscribe_url", "")
        subject, body_text, body_html = cache.render_all(
            ((config.subject, False), (config.body_text, False), (config.body_html, True)),
            contact,
            context,
        )
        return Outgoing(
            id=message_id,
            channel="email",
            to=contact["email"] or "",
            subject=subject.strip(),
            body_text=body_text,
            body_html=links.track_html(message_id, body_html),
            from_name=config.from_name,
            from_email=config.from_email,
            reply_to=config.reply_to,
            headers={"List-Unsubscribe": f"<{unsubscribe}>"} if unsubscribe else {},
        )
    if isinstance(config, SendSmsConfig):
        return Outgoing(
            id=message_id,
            channel="sms",
            to=contact["phone"] or "",
            body_text=cache.render(config.text, contact, context),
        )
    assert isinstance(config, SendPushConfig)
    return Outgoing(
        id=message_id,
        channel="push",
        to=str(contact.get("external_id") or row[6]),
        subject=cache.render(config.title, contact, context).strip(),
        body_text=cache.render(config.body, contact, context),
        url=cache.render(config.url, contact, context).strip() if config.url else None,
    )


def _fail(connection: Connection, broken: list[dict[str, Any]], now: datetime) -> None:
    if broken:
        connection.execute(
            update(messages)
            .where(messages.c.id == bindparam("mid"))
            .values(status="failed", reason=bindparam("why"), claimed_at=now),
            broken,
        )


def _among(connection: Connection, ids: list[str]) -> ColumnElement[bool]:
    """``messages.id IN ids`` with the ids as one JSON array parameter: one statement for a
    whole batch, compiled once, instead of an ``IN`` list of its own per chunk."""
    array = bindparam("ids", json.dumps(ids), type_=String)
    if connection.dialect.name == "postgresql":
        values = func.json_array_elements_text(cast(array, JSON)).table_valued("value")
    else:
        values = func.json_each(array).table_valued("value")
    return messages.c.id.in_(select(values.c.value))


def _json_pairs(connection: Connection, pairs: Mapping[str, str | None]) -> Any:
    """``pairs`` as a table of (``key``, ``value``) text columns, from one JSON parameter."""
    document = bindparam("pairs", json.dumps(pairs), type_=String)
    if connection.dialect.name == "postgresql":
        return func.json_each_text(cast(document, JSON)).table_valued("key", "value")
    return func.json_each(document).table_valued("key", "value")


def _claim(connection: Connection, ids: list[str], now: datetime) -> set[str]:
    """Claim those still due (``sending``); returns the ids claimed."""
    if not ids:
        return set()
    return set(
        connection.execute(
            update(messages)
            .where(_among(connection, ids), _still_due(now))
            .values(status="sending", claimed_at=now, attempts=messages.c.attempts + 1)
            .returning(messages.c.id)
        ).scalars()
    )


Outcome = tuple[Outgoing, DeliveryError | None]


def _hand_over(ready: list[Outgoing], transports: Mapping[str, Transport]) -> list[Outcome]:
    """Hand each message over; once a channel's transport is down, the rest of that channel
    wait for the next run instead of knocking on a closed door."""
    outcomes: list[Outcome] = []
    down: dict[str, DeliveryError] = {}
    for message in ready:
        if message.channel in down:
            outcomes.append((message, down[message.channel]))
            continue
        try:
            transports[message.channel].send(message)
        except DeliveryError as error:
            outcomes.append((message, error))
            if error.outage:
                down[message.channel] = error
        else:
            outcomes.append((message, None))
    return outcomes


def _record(
    connection: Connection,
    outcomes: list[Outcome],
    attempts: Mapping[str, int],
    now: datetime,
) -> tuple[int, int, int]:
    sent: list[Outgoing] = []
    failed: list[dict[str, Any]] = []
    retried: list[dict[str, Any]] = []
    waiting: list[dict[str, Any]] = []
    for message, error in outcomes:
        if error is None:
            sent.append(message)
        elif error.outage:
            waiting.append({"mid": message.id, "why": error.reason, "later": now + OUTAGE_WAIT})
        elif error.permanent or attempts[message.id] >= MAX_ATTEMPTS:
            failed.append({"mid": message.id, "why": error.reason})
        else:
            delay = BACKOFF[min(attempts[message.id], len(BACKOFF)) - 1]
            retried.append({"mid": message.id, "why": error.reason, "later": now + delay})
    _mark_sent(connection, sent, now)
    _fail(connection, failed, now)
    if waiting:  # the attempt the claim counted is given back
        connection.execute(
            update(messages)
            .where(messages.c.id == bindparam("mid"))
            .values(
                status="queued",
                reason=bindparam("why"),
                not_before=bindparam("later"),
                attempts=messages.c.attempts - 1,
            ),
            waiting,
        )
    if retried:
        connection.execute(
            update(messages)
            .where(messages.c.id == bindparam("mid"))
            .values(status="queued", reason=bindparam("why"), not_before=bindparam("later")),
            retried,
        )
    return len(sent), len(failed), len(retried) + len(waiting)


def _mark_sent(connection: Connection, sent: list[Outgoing], now: datetime) -> None:
    """Mark the messages sent, with the subject each went out with (one statement run for
    them all), and record each one's ``*_delivered`` event (one INSERT … SELECT)."""
    if not sent:
        return
    subjects = _json_pairs(connection, {message.id: message.subject or None for message in sent})
    connection.execute(
        update(messages)
        .where(messages.c.id == subjects.c.key)
        .values(status="sent", sent_at=now, subject=subjects.c.value, reason=None)
    )
    build_object = (
        func.json_build_object if connection.dialect.name == "postgresql" else func.json_object
    )
    properties = build_object(
        "message_id",
        messages.c.id,
        "journey_id",
        messages.c.journey_id,
        "node_id",
        messages.c.node_id,
    )
    columns = ["contact_id", "type", "occurred_at", "properties", "message_id"]
    delivered = select(
        messages.c.contact_id,
        messages.c.channel + literal("_delivered", String),
        literal(now, UTCDateTime()),
        properties,
        messages.c.id,
    ).where(_among(connection, [message.id for message in sent]))
    connection.execute(insert(events).from_select(columns, delivered))
