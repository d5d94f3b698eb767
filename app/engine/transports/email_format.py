"""How an email is written (shared by the outbox and SMTP): multipart text and HTML, the
product's headers, and a ``Message-ID`` derived from the message id, so a resend of the same
message is recognisable as the same message."""

from __future__ import annotations

from datetime import UTC, datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime

from app.engine.transports.base import Outgoing

MESSAGE_ID_DOMAIN = "journey-studio.local"


def message_id_header(message_id: str, domain: str = MESSAGE_ID_DOMAIN) -> str:
    """The email ``Message-ID`` for a message id."""
    return f"<{message_id}@{domain}>"


def compose_email(message: Outgoing, sent_at: datetime | None = None) -> EmailMessage:
    """A multipart/alternative email (text, then HTML) with the product's headers."""
    email = EmailMessage()
    email["Message-ID"] = message_id_header(message.id)
    email["Date"] = format_datetime(sent_at or datetime.now(UTC))
    email["From"] = Address(display_name=message.from_name, addr_spec=message.from_email)
    email["To"] = message.to
    if message.reply_to:
        email["Reply-To"] = message.reply_to
    email["Subject"] = message.subject
    for name, value in message.headers.items():
        email[name] = value
    email.set_content(message.body_text or " ")
    if message.body_html:
        email.add_alternative(message.body_html, subtype="html")
    return email
