"""The outbox transport: one file per message in a folder beside the workspace (DESIGN §7).

Email is written as ``<id>.eml`` (multipart text and HTML, ``Message-ID`` from the id), SMS and
push as ``<id>.json``. Files are written to a temporary name and renamed into place, so a
reader never sees half a message and a retry overwrites instead of duplicating.
"""

from __future__ import annotations

import json
import os
import tempfile
from datetime import UTC, datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path

from app.engine.transports.base import DeliveryError, Outgoing

MESSAGE_ID_DOMAIN = "journey-studio.local"


def message_id_header(message_id: str, domain: str = MESSAGE_ID_DOMAIN) -> str:
    """The email ``Message-ID`` for a message id (stable, so a resend is recognisable)."""
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


class OutboxTransport:
    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def path_for(self, message: Outgoing) -> Path:
        suffix = ".eml" if message.channel == "email" else ".json"
        return self.folder / f"{message.id}{suffix}"

    def send(self, message: Outgoing) -> None:
        if message.channel == "email":
            data = bytes(compose_email(message))
        else:
            payload = {
                "id": message.id,
                "channel": message.channel,
                "to": message.to,
                "title": message.subject,
                "text": message.body_text,
                "url": message.url,
            }
            data = (json.dumps(payload, ensure_ascii=False, indent=2) + "\n").encode()
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            _write_atomically(self.path_for(message), data)
        except OSError as error:
            raise DeliveryError(f"outbox folder: {error}", permanent=False) from error


def _write_atomically(path: Path, data: bytes) -> None:
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".", suffix=".part")
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(data)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
