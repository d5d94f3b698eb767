"""What a transport receives and how it says a delivery failed."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, Protocol

Channel = Literal["email", "sms", "push"]


@dataclass(frozen=True)
class Outgoing:
    """A rendered message, ready to hand over. ``id`` is the idempotency key."""

    id: str
    channel: Channel
    to: str
    subject: str = ""
    body_text: str = ""
    body_html: str = ""
    from_name: str = ""
    from_email: str = ""
    reply_to: str | None = None
    url: str | None = None
    headers: dict[str, str] = field(default_factory=dict)


class DeliveryError(Exception):
    """A transport could not hand the message over; ``permanent`` ones are not retried.

    An ``outage`` (the server cannot be reached at all) says nothing about the message: it
    is retried until the transport is back, without using up its attempts.
    """

    def __init__(self, reason: str, *, permanent: bool, outage: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.permanent = permanent
        self.outage = outage


class Transport(Protocol):
    def send(self, message: Outgoing) -> None:
        """Hand the message over, or raise :class:`DeliveryError`."""
        ...
