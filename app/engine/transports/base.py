"""What a transport receives and how it says a delivery failed."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, Protocol

Channel = Literal["email", "sms", "push"]


@dataclass(frozen=True, init=False)
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

    def __init__(
        self,
        id: str,
        channel: Channel,
        to: str,
        subject: str = "",
        body_text: str = "",
        body_html: str = "",
        from_name: str = "",
        from_email: str = "",
        reply_to: str | None = None,
        url: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        # What the dataclass's own __init__ does, in one step instead of a frozen setattr per
        # field (dispatch makes ten thousand a second).
        self.__dict__.update(
            id=id,
            channel=channel,
            to=to,
            subject=subject,
            body_text=body_text,
            body_html=body_html,
            from_name=from_name,
            from_email=from_email,
            reply_to=reply_to,
            url=url,
            headers={} if headers is None else headers,
        )


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
