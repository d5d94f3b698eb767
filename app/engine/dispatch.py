"""Dispatch (DESIGN §5 step 9): render, claim, hand over, mark sent — exactly once.

A batch of due messages is rendered first (contact data at this moment, the version's
templates); a template error fails the message with ``template_error``. The rest are claimed
(``sending``) and committed before any transport sees them, handed over with the message id as
the idempotency key, then marked ``sent`` with their ``*_delivered`` event. A crash between
claim and mark leaves ``sending`` rows; once their claim is older than the lease they are
handed over again under the same id, which the transports treat as the same message.
Transient failures go back to the queue with backoff (3 attempts); permanent ones fail; while
a transport is down (unreachable) its messages wait without using up attempts.

Throughput (DESIGN §8): due messages are found a page at a time (one sort of the queue for
several batches) and each batch is then read by id, rendered through a :class:`RenderCache`
(once per distinct input, links filled in per message), claimed, marked and given its events
with one statement each. Reading the next batch and delivering the last run on helper threads
while a batch renders; a batch is claimed only once the one before it is marked. Python's
automatic cycle collection waits while a run dispatches (the batches make and drop many small
containers, and its collections took about 15 % of the time); the young generations are
collected once per batch instead, so cycles (a template error's traceback) still go.
"""

from __future__ import annotations

import gc
import json
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
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
    type_coerce,
    update,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.types import NullType

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

    def __call__(self, message_id: str, names: Collection[str] = ...) -> Mapping[str, str]:
        """The links of ``names`` (of ``unsubscribe_url`` and ``view_url``; both when not
        given) for the message."""
        ...

    def track_html(self, message_id: str, body: str) -> str: ...

    def track_parts(self, message_id: str, parts: tuple[str, ...]) -> str | None: ...


Links = Callable[[datetime], MessageLinks]
"""Gives the link maker for a dispatch run at ``now`` (signing keys can rotate between runs)."""


@dataclass
class DispatchResult:
    sent: int = 0
    failed: int = 0
    retried: int = 0

    def add(self, counts: tuple[int, int, int]) -> None:
        self.sent += counts[0]
        self.failed += counts[1]
        self.retried += counts[2]


def due_messages(now: datetime) -> Any:
    ready = and_(
        messages.c.status.in_(("queued", "held")),
        or_(messages.c.not_before.is_(None), messages.c.not_before <= now),
    )
    stale_claim = and_(messages.c.status == "sending", messages.c.claimed_at <= now - CLAIM_LEASE)
    live = messages.c.journey_id.in_(select(journeys.c.id).where(journeys.c.status == "live"))
    return and_(or_(ready, stale_claim), live)


_ROW = ("message_id", "journey_id", "version", "node_id", "channel", "attempts", "id")
_CONTACT = (*CONTACT_COLUMNS, contacts.c.attributes)
"""The contact's columns in a batch row, after ``_ROW``: every field, then ``attributes``."""
_PLACES = {column.name: len(_ROW) + i for i, column in enumerate(_CONTACT)}


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
            *[type_coerce(column, NullType()) for column in _CONTACT],  # as the database has it
        )
        .select_from(messages.join(contacts, contacts.c.id == messages.c.contact_id))
        .where(_among(connection, ids), _still_due(now))
        .order_by(messages.c.queued_at, messages.c.id)
    )


def _still_due(now: datetime) -> ColumnElement[bool]:
    """:func:`due_messages` for rows found by id. As a CASE, the test cannot steer SQLite to
    the status index (a scan of every due message); the rows are found by primary key."""
    return case((due_messages(now), 1), else_=0) == 1


Converter = Callable[[Any], Any] | None


def _converters(dialect: Dialect) -> tuple[Converter, ...]:
    """What SQLAlchemy would do to each contact column of a row read on ``dialect``."""
    return tuple(
        column.type.dialect_impl(dialect).result_processor(dialect, None) for column in _CONTACT
    )


class _Contact(Mapping[str, Any]):
    """A batch row's contact as template variables, as :func:`contact_data` gives them. Each
    value is converted from the database's form when it is first read: most messages read
    only their address and a name (the render cache asks for the values a template uses)."""

    __slots__ = ("_converters", "_row", "_values")

    def __init__(self, row: Sequence[Any], converters: tuple[Converter, ...]) -> None:
        self._row = row
        self._converters = converters
        self._values: dict[str, Any] = {}

    def __getitem__(self, name: str) -> Any:
        known = self._values.get(name, _UNREAD)
        if known is not _UNREAD:
            return known
        place = _PLACES[name]
        value = self._row[place]
        convert = self._converters[place - len(_ROW)]
        if convert is not None:
            value = convert(value)
        if name == "attributes":
            value = value or {}
        self._values[name] = value
        return value

    def get(self, name: str, default: Any = None) -> Any:
        return self[name] if name in _PLACES else default

    def __contains__(self, name: object) -> bool:
        return name in _PLACES

    def __iter__(self) -> Iterator[str]:
        return iter(_PLACES)

    def __len__(self) -> int:
        return len(_PLACES)


_UNREAD = object()


def dispatch(
    workspace: Workspace,
    plans: PlanSource,
    transports: Mapping[str, Transport],
    links: Links,
    now: datetime,
    *,
    batch_size: int = 5000,
) -> DispatchResult:
    """Dispatches every due message, in batches, on three threads: while a batch is rendered,
    the next one is read and the one before is claimed, handed over and marked (the database
    works without holding Python's lock, so they overlap). One batch at a time is read and
    one delivered; a page of batches is done before the next page of due messages is read."""
    result = DispatchResult()
    cache = RenderCache()
    page_size = batch_size * PAGES
    page = _read_page(workspace, now, page_size)
    if not page:
        return result
    with (
        _collection_paused() as collect,
        ThreadPoolExecutor(2, thread_name_prefix="dispatch") as helpers,
    ):
        while True:
            message_links = links(now)
            batches = [
                page[start : start + batch_size] for start in range(0, len(page), batch_size)
            ]
            reading = [helpers.submit(_read_batch, workspace, ids, now) for ids in batches[:1]]
            in_flight: list[Future[tuple[int, int, int]]] = []
            for place in range(len(batches)):
                rows, converters = reading.pop().result()
                if place + 1 < len(batches):
                    reading.append(helpers.submit(_read_batch, workspace, batches[place + 1], now))
                batch = _render_batch(plans, message_links, cache, rows, converters)
                if in_flight:
                    result.add(in_flight.pop().result())
                in_flight.append(helpers.submit(_deliver, workspace, transports, now, batch))
                collect()
            if in_flight:  # before the next page is read
                result.add(in_flight.pop().result())
            if len(page) < page_size:
                return result
            page = _read_page(workspace, now, page_size)


@contextmanager
def _collection_paused() -> Iterator[Callable[[], None]]:
    """Automatic cycle collection off for the block, as it was found afterwards; gives the
    collection to run once per batch meanwhile (none when it was off already: the desktop app
    collects on its own timer, ``app/ui/collector.py``)."""
    if not gc.isenabled():
        yield _nothing
        return
    gc.disable()
    try:
        yield _collect_young
    finally:
        gc.enable()


def _nothing() -> None:
    pass


def _collect_young() -> None:
    gc.collect(1)


def _read_page(workspace: Workspace, now: datetime, size: int) -> list[str]:
    with workspace.reader() as connection:
        return list(connection.execute(_due_page(now, size)).scalars().all())


@dataclass
class _Batch:
    ready: list[Outgoing]
    broken: list[dict[str, Any]]


def _read_batch(
    workspace: Workspace, ids: list[str], now: datetime
) -> tuple[Sequence[Sequence[Any]], tuple[Converter, ...]]:
    """The rows of the messages of ``ids`` still due, and how to read their contacts."""
    with workspace.reader() as connection:
        rows = connection.execute(_batch_query(connection, ids, now)).all()
        return rows, _converters(connection.dialect)


def _render_batch(
    plans: PlanSource,
    links: MessageLinks,
    cache: RenderCache,
    rows: Sequence[Sequence[Any]],
    converters: tuple[Converter, ...],
) -> _Batch:
    """The messages rendered; those with template errors apart."""
    batch = _Batch([], [])
    for row in rows:
        plan = plans(row[1], row[2])
        try:
            node = plan.nodes[row[3]]
            batch.ready.append(_compose(plan, node, row, converters, links, cache))
        except TemplateProblem as problem:
            batch.broken.append({"mid": row[0], "why": f"template_error: {problem}"})
    return batch


def _deliver(
    workspace: Workspace, transports: Mapping[str, Transport], now: datetime, batch: _Batch
) -> tuple[int, int, int]:
    """Fails the broken, claims the rest, hands over those claimed and records how it went:
    (sent, failed, retried)."""
    if not batch.ready and not batch.broken:
        return (0, 0, 0)
    with workspace.writer() as connection:
        broken = _fail(connection, batch.broken, now, unless_taken=now)
        claimed = _claim(connection, [m.id for m in batch.ready], now)
    outcomes = _hand_over([m for m in batch.ready if m.id in claimed], transports)
    with workspace.writer() as connection:
        sent, failed, retried = _record(connection, outcomes, claimed, now)
    return sent, failed + broken, retried


def _compose(
    plan: VersionPlan,
    node: Node,
    row: Sequence[Any],
    converters: tuple[Converter, ...],
    links: MessageLinks,
    cache: RenderCache,
) -> Outgoing:
    contact = _Contact(row, converters)
    message_id = row[0]
    config = cache.config(node)
    own = links(message_id, cache.links_read(node, _LINK_USES[type(config)]))
    context = {"journey": {"name": plan.document.name}, **own}
    if isinstance(config, SendEmailConfig):
        unsubscribe = context.get("unsubscribe_url", "")
        sources = cache.sources(node, _email_sources)
        subject, body_text, body = cache.render_with_holes(sources, contact, context)
        tracked = links.track_parts(message_id, body) if isinstance(body, tuple) else None
        if tracked is None:
            if isinstance(body, tuple):
                body = cache.render_all(sources, contact, context)[2]
            tracked = links.track_html(message_id, body)
        return Outgoing(
            id=message_id,
            channel="email",
            to=contact["email"] or "",
            subject=str(subject).strip(),
            body_text=str(body_text),
            body_html=tracked,
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


def _email_sources(config: Any) -> tuple[tuple[str, bool], ...]:
    return ((config.subject, False), (config.body_text, False), (config.body_html, True))


_LINK_USES: dict[type, Callable[[Any], tuple[tuple[str, bool], ...]]] = {
    # The email's List-Unsubscribe header holds its unsubscribe link, whatever it says.
    SendEmailConfig: lambda c: (*_email_sources(c), ("{{ unsubscribe_url }}", False)),
    SendSmsConfig: lambda c: ((c.text, False),),
    SendPushConfig: lambda c: ((c.title, False), (c.body, False), (c.url or "", False)),
}
"""What uses a message's own links, by the kind of node: its templates, and for an email its
List-Unsubscribe header (the links no template of the node reads are not signed)."""


def _fail(
    connection: Connection,
    broken: list[dict[str, Any]],
    now: datetime,
    *,
    unless_taken: datetime | None = None,
) -> int:
    """Fails the messages (``mid``) with their reasons (``why``); with ``unless_taken``, only
    those still due then (not claimed or sent meanwhile by another engine). Returns how many
    were given."""
    if not broken:
        return 0
    where = messages.c.id == bindparam("mid")
    if unless_taken is not None:
        where = and_(where, _still_due(unless_taken))
    connection.execute(
        update(messages)
        .where(where)
        .values(status="failed", reason=bindparam("why"), claimed_at=now),
        broken,
    )
    return len(broken)


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


def _claim(connection: Connection, ids: list[str], now: datetime) -> dict[str, int]:
    """Claim those still due (``sending``); returns the ids claimed with their attempts, this
    one counted."""
    if not ids:
        return {}
    claimed = connection.execute(
        update(messages)
        .where(_among(connection, ids), _still_due(now))
        .values(status="sending", claimed_at=now, attempts=messages.c.attempts + 1)
        .returning(messages.c.id, messages.c.attempts)
    ).all()
    return dict(claimed)  # type: ignore[arg-type]


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
