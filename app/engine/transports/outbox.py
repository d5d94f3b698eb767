"""The outbox transport: one file per message in a folder beside the workspace (DESIGN §7).

Email is written as ``<id>.eml`` (multipart text and HTML, ``Message-ID`` from the id), SMS and
push as ``<id>.json``. Files are written to a temporary name and renamed into place, so a
reader never sees half a message and a retry overwrites instead of duplicating.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

from app.engine.transports.base import DeliveryError, Outgoing
from app.engine.transports.email_format import compose_email


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
