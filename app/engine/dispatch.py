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

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import (
    Connection,
    String,
    and_,
    bindparam,
    func,
    insert,
    literal,
    or_,
    select,
    update,
)

from app.domain.journey import Node
from app.domain.node_configs import SendEmailConfig, SendPushConfig, SendSmsConfig
from app.domain.templates import TemplateProblem
from app.engine.nodes import CONTACT_COLUMNS, contact_data
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


def dispatch(
    workspace: Workspace,
    plans: PlanSource,
    transports: Mapping[str, Transport],
    links: Links,
    now: datetime,
    *,
    batch_size: int = 1000,
) -> DispatchResult:
    result = DispatchResult()
    cache = RenderCache()
    while True:
        with workspace.reader() as connection:
            rows = (
                connection.execute(
                    select(
                        messages.c.id.label("message_id"),
                        messages.c.journey_id,
                        messages.c.version,
                        messages.c.node_id,
                        messages.c.channel,
                        messages.c.attempts,
                        contacts.c.id,
                        contacts.c.attributes,
                        *CONTACT_COLUMNS,
                    )
                    .select_from(messages.join(contacts, contacts.c.id == messages.c.contact_id))
                    .where(due_messages(now))
                    .order_by(messages.c.queued_at, messages.c.id)
                    .limit(batch_size)
                )
                .mappings()
                .all()
            )
        if not rows:
            return result
        ready: list[Outgoing] = []
        broken: list[dict[str, Any]] = []
        message_links = links(now)
        for row in rows:
            plan = plans(row["journey_id"], row["version"])
            try:
                node = plan.nodes[row["node_id"]]
                ready.append(_compose(plan, node, row, message_links, cache))
            except TemplateProblem as problem:
                broken.append({"mid": row["message_id"], "why": f"template_error: {problem}"})
        with workspace.writer() as connection:
            _fail(connection, broken, now)
            claimed = _claim(connection, [m.id for m in ready], now)
        result.failed += len(broken)
        outcomes = _hand_over([m for m in ready if m.id in claimed], transports)
        attempts = {row["message_id"]: row["attempts"] + 1 for row in rows}
        with workspace.writer() as connection:
            counts = _record(connection, outcomes, attempts, now)
        result.sent += counts[0]
        result.failed += counts[1]
        result.retried += counts[2]
        if len(rows) < batch_size:
            return result


def _compose(
    plan: VersionPlan, node: Node, row: Any, links: MessageLinks, cache: RenderCache
) -> Outgoing:
    contact = contact_data(row)
    context = {"journey": {"name": plan.document.name}, **links(row["message_id"])}
    config = cache.config(node)
    message_id = row["message_id"]
    if isinstance(config, SendEmailConfig):
        unsubscribe = context.get("unsubscribe_url", "")
        return Outgoing(
            id=message_id,
            channel="email",
            to=contact["email"] or "",
            subject=cache.render(config.subject, contact, context).strip(),
            body_text=cache.render(config.body_text, contact, context),
            body_html=links.track_html(
                message_id, cache.render(config.body_html, contact, context, html=True)
            ),
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
        to=str(contact.get("external_id") or row["id"]),
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


CHUNK = 500
"""Message ids per statement (``IN`` lists)."""


def _chunks(ids: list[str]) -> list[list[str]]:
    return [ids[start : start + CHUNK] for start in range(0, len(ids), CHUNK)]


def _claim(connection: Connection, ids: list[str], now: datetime) -> set[str]:
    """Claim those still due (``sending``); returns the ids claimed (one statement a chunk)."""
    claimed: set[str] = set()
    for chunk in _chunks(ids):
        claimed |= set(
            connection.execute(
                update(messages)
                .where(messages.c.id.in_(chunk), due_messages(now))
                .values(status="sending", claimed_at=now, attempts=messages.c.attempts + 1)
                .returning(messages.c.id)
            ).scalars()
        )
    return claimed


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
    """Mark the messages sent, with the subject they went out with, and record each one's
    ``*_delivered`` event: one UPDATE per distinct subject and one INSERT … SELECT per chunk,
    not a statement per message."""
    by_subject: dict[str | None, list[str]] = {}
    for message in sent:
        by_subject.setdefault(message.subject or None, []).append(message.id)
    for subject, ids in by_subject.items():
        for chunk in _chunks(ids):
            connection.execute(
                update(messages)
                .where(messages.c.id.in_(chunk))
                .values(status="sent", sent_at=now, subject=subject, reason=None)
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
    for chunk in _chunks([message.id for message in sent]):
        delivered = select(
            messages.c.contact_id,
            messages.c.channel + literal("_delivered", String),
            literal(now, UTCDateTime()),
            properties,
            messages.c.id,
        ).where(messages.c.id.in_(chunk))
        connection.execute(insert(events).from_select(columns, delivered))
