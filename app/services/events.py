"""Recording an event for a contact (behaviour, or an interaction tied to a message)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, insert, select

from app.store.schema import contacts, events, messages
from app.store.workspace import Workspace


class EventTargetMissing(LookupError):
    """The contact or message the event names does not exist."""


def record_event(
    workspace: Workspace,
    *,
    email: str,
    kind: str,
    at: datetime,
    message_id: str | None = None,
    properties: dict[str, object] | None = None,
) -> int:
    """Store the event and return its id. With ``message_id`` it carries that message's
    journey and node, so branches on interactions see it."""
    values = dict(properties or {})
    with workspace.writer() as connection:
        contact = connection.execute(
            select(contacts.c.id).where(func.lower(contacts.c.email) == email.strip().lower())
        ).scalar_one_or_none()
        if contact is None:
            raise EventTargetMissing(f"no contact with the email {email}")
        if message_id is not None:
            message = connection.execute(
                select(messages.c.contact_id, messages.c.journey_id, messages.c.node_id).where(
                    messages.c.id == message_id
                )
            ).one_or_none()
            if message is None:
                raise EventTargetMissing(f"no message with the id {message_id}")
            if message.contact_id != contact:
                raise EventTargetMissing(f"message {message_id} was not sent to {email}")
            values |= {
                "message_id": message_id,
                "journey_id": message.journey_id,
                "node_id": message.node_id,
            }
        result = connection.execute(
            insert(events).values(
                contact_id=contact,
                type=kind,
                occurred_at=at,
                properties=values,
                message_id=message_id,
            )
        )
        return int(result.inserted_primary_key[0])
