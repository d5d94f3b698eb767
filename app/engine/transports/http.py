"""The HTTP transport for SMS and push providers (DESIGN §7): a JSON POST to a configured URL
with a bearer token and an ``Idempotency-Key`` header carrying the message id, so a provider
that already took a message does not send it twice when it is retried.

A 5xx or 429 reply, a refused connection or a timeout is transient; any other 4xx is
permanent and the provider's own words become the failure reason.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from dataclasses import dataclass

from app.engine.transports.base import DeliveryError, Outgoing

REASON_LIMIT = 300


@dataclass(frozen=True)
class HttpSettings:
    url: str
    token: str | None = None
    timeout: float = 15.0


class HttpTransport:
    def __init__(self, settings: HttpSettings) -> None:
        self.settings = settings

    def send(self, message: Outgoing) -> None:
        body = {
            "id": message.id,
            "channel": message.channel,
            "to": message.to,
            "title": message.subject or None,
            "text": message.body_text,
            "url": message.url,
        }
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            "Idempotency-Key": message.id,
        }
        if self.settings.token:
            headers["Authorization"] = f"Bearer {self.settings.token}"
        request = urllib.request.Request(
            self.settings.url,
            data=json.dumps(body, ensure_ascii=False).encode(),
            headers=headers,
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=self.settings.timeout) as response:
                response.read()
        except urllib.error.HTTPError as error:
            reason = _reason(error)
            transient = error.code >= 500 or error.code == 429
            raise DeliveryError(reason, permanent=not transient) from None
        except (urllib.error.URLError, TimeoutError, OSError) as error:
            raise DeliveryError(f"HTTP connection: {error}", permanent=False, outage=True) from None


def _reason(error: urllib.error.HTTPError) -> str:
    try:
        text = error.read().decode(errors="replace").strip()
    except OSError:
        text = ""
    detail = f": {text[:REASON_LIMIT]}" if text else ""
    return f"HTTP {error.code} {error.reason}{detail}"
