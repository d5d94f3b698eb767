"""Messages the engine queued and sent: listing them, filtered and a page at a time.

Shared by ``journey-studio messages list`` (every message, oldest first) and the Messages page
(newest first, a page at a time). A page is fetched with LIMIT/OFFSET and counted in SQL, so a
workspace with a million messages never loads them all; its ids are chosen on the messages
table alone, in an order that needs no sort on SQLite (see :func:`_newest_first`). Whether a
message was opened or clicked is looked up for the rows of the page only
(``events(message_id, type, …)`` index).
Open counts are approximate by nature (DESIGN §7): blocked images hide opens, privacy proxies
fetch every pixel.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Connection, Select, exists, func, literal_column, select

from app.services.journeys import JourneyNotFound
from app.store.schema import contacts, events, journeys, messages
from app.store.workspace import Workspace

CHANNELS = ("email", "sms", "push")


@dataclass(frozen=True)
class MessageFilter:
    """Which messages to show; None means any."""

    journey: str | None = None
    status: str | None = None
    channel: str | None = None

    def conditions(self) -> list[ColumnElement[bool]]:
        """On the messages table alone (the journey by its id), so that a page and its count
        use the messages' own indexes."""
        found: list[ColumnElement[bool]] = []
        if self.journey is not None:
            journey_id = select(journeys.c.id).where(journeys.c.name == self.journey)
            found.append(messages.c.journey_id == journey_id.scalar_subquery())
        if self.status is not None:
            found.append(messages.c.status == self.status)
        if self.channel is not None:
            found.append(messages.c.channel == self.channel)
        return found


@dataclass(frozen=True)
class MessagePage:
    """One page of messages and how many match the filter in all."""

    rows: list[dict[str, Any]]
    total: int
    offset: int


def _interaction(kind: str) -> ColumnElement[bool]:
    return exists().where(events.c.message_id == messages.c.id, events.c.type == kind)


def _listing(where: MessageFilter, *, interactions: bool = False) -> Select[Any]:
    columns: list[Any] = [
        messages.c.id,
        journeys.c.name.label("journey"),
        messages.c.node_id.label("node"),
        contacts.c.email.label("contact"),
        messages.c.channel,
        messages.c.status,
        messages.c.reason,
        messages.c.subject,
        messages.c.queued_at,
        messages.c.sent_at,
    ]
    if interactions:
        columns += [
            (_interaction("email_opened") | _interaction("push_opened")).label("opened"),
            (_interaction("email_clicked") | _interaction("sms_clicked")).label("clicked"),
        ]
    return (
        select(*columns)
        .join(journeys, journeys.c.id == messages.c.journey_id)
        .join(contacts, contacts.c.id == messages.c.contact_id)
        .where(*where.conditions())
    )


def _check_journey(connection: Connection, name: str | None) -> None:
    if name is not None:
        found = connection.execute(select(journeys.c.id).where(journeys.c.name == name)).first()
        if found is None:
            raise JourneyNotFound(name)


def list_messages(workspace: Workspace, where: MessageFilter | None = None) -> list[dict[str, Any]]:
    """Every matching message, oldest first; :class:`JourneyNotFound` for an unknown journey."""
    where = where or MessageFilter()
    query = _listing(where).order_by(messages.c.queued_at, messages.c.id)
    with workspace.reader() as connection:
        _check_journey(connection, where.journey)
        return [dict(row) for row in connection.execute(query).mappings()]


def _newest_first(connection: Connection) -> list[ColumnElement[Any]]:
    """Newest first. On SQLite that is insertion order: messages are inserted when they are
    queued and a workspace's time never runs backwards (DESIGN §5), so the rowid follows
    ``queued_at`` and its order costs no sort (there is no index on ``queued_at``)."""
    if connection.dialect.name == "sqlite":
        return [literal_column("messages.rowid").desc()]
    return [messages.c.queued_at.desc(), messages.c.id.desc()]


def message_page(
    workspace: Workspace, where: MessageFilter, *, offset: int = 0, limit: int = 100
) -> MessagePage:
    """Newest first: ``limit`` messages from ``offset``, with whether each was opened or
    clicked, and the number of matching messages (read in one transaction). The page's ids
    are chosen on the messages table alone; names and interactions are looked up for those
    rows only."""
    if offset < 0 or limit < 1:
        raise ValueError("a page needs an offset of 0 or more and at least one row")
    counting = select(func.count()).select_from(messages).where(*where.conditions())
    with workspace.reader() as connection:
        order = _newest_first(connection)
        chosen = (
            select(messages.c.id)
            .where(*where.conditions())
            .order_by(*order)
            .limit(limit)
            .offset(offset)
            .subquery("page")
        )
        query = (
            _listing(MessageFilter(), interactions=True)
            .join(chosen, chosen.c.id == messages.c.id)
            .order_by(*order)
        )
        total = int(connection.execute(counting).scalar_one())
        rows = [dict(row) for row in connection.execute(query).mappings()]
    for row in rows:
        row["opened"], row["clicked"] = bool(row["opened"]), bool(row["clicked"])
    return MessagePage(rows, total, offset)


def journey_names(workspace: Workspace) -> list[str]:
    """The names of the workspace's journeys, for a filter."""
    with workspace.reader() as connection:
        return list(connection.execute(select(journeys.c.name).order_by(journeys.c.name)).scalars())
