"""The tracking server (DESIGN §7): the open pixel, click redirects and the unsubscribe page.

Every request carries a signed token; one that does not verify gets 400 and records nothing.
Opens and clicks become ``email_opened`` / ``email_clicked`` (``sms_clicked`` for a text's
link) events tied to the message, which interaction branches see. Unsubscribing takes a POST
(the page's button, or a mail client's RFC 8058 one-click POST) so that link scanners that
fetch every URL do not unsubscribe anyone; it records ``unsubscribed`` and clears the contact's
email consent. Binds to 127.0.0.1 unless told otherwise.
"""

from __future__ import annotations

import base64
import html
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from sqlalchemy import insert, select, update

from app.engine.tracking.keys import tracking_keys
from app.engine.tracking.tokens import BadToken, Claim, verify
from app.store.schema import contacts, events, messages
from app.store.workspace import Workspace

PIXEL = base64.b64decode("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7")
_PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>{title}</title>
<style>body{{font-family:system-ui,sans-serif;max-width:32rem;margin:4rem auto;padding:0 1rem;
color:#1f2937}}button{{font:inherit;padding:.6rem 1.2rem;border:0;border-radius:6px;
background:#2563eb;color:white;cursor:pointer}}</style></head><body>{body}</body></html>"""


class TrackingService:
    """What the HTTP handler asks for: check a token, record what happened."""

    def __init__(self, workspace: Workspace, clock: Callable[[], datetime] | None = None) -> None:
        self.workspace = workspace
        self.clock = clock or (lambda: datetime.now(UTC))

    def claim(self, token: str) -> Claim:
        now = self.clock()
        with self.workspace.writer() as connection:
            keys = tracking_keys(connection, now)
        return verify(token, keys.valid)

    def record(self, claim: Claim) -> bool:
        """Store the event of a verified claim; False when its message does not exist."""
        now = self.clock()
        with self.workspace.writer() as connection:
            message = connection.execute(
                select(
                    messages.c.contact_id,
                    messages.c.journey_id,
                    messages.c.node_id,
                    messages.c.channel,
                ).where(messages.c.id == claim.message_id)
            ).one_or_none()
            if message is None:
                return False
            kind = {
                "open": f"{message.channel}_opened",
                "click": f"{message.channel}_clicked",
                "unsubscribe": "unsubscribed",
            }[claim.action]
            properties: dict[str, Any] = {
                "message_id": claim.message_id,
                "journey_id": message.journey_id,
                "node_id": message.node_id,
            }
            if claim.url is not None:
                properties["url"] = claim.url
            connection.execute(
                insert(events).values(
                    contact_id=message.contact_id,
                    type=kind,
                    occurred_at=now,
                    properties=properties,
                    message_id=claim.message_id,
                )
            )
            if claim.action == "unsubscribe":
                connection.execute(
                    update(contacts)
                    .where(contacts.c.id == message.contact_id)
                    .values(email_opt_in=False, updated_at=now)
                )
        return True


class _Handler(BaseHTTPRequestHandler):
    service: TrackingService
    server_version = "JourneyStudioTracking/1"

    def do_GET(self) -> None:
        claim = self._claim()
        if claim is None:
            return
        if claim.action == "open":
            self.service.record(claim)
            self._send(200, PIXEL, "image/gif", {"Cache-Control": "no-store"})
        elif claim.action == "click":
            self.service.record(claim)
            assert claim.url is not None
            self._send(302, b"", "text/plain", {"Location": claim.url})
        elif claim.action == "unsubscribe":
            body = (
                "<h1>Unsubscribe</h1><p>Stop receiving these emails?</p>"
                '<form method="post"><button type="submit">Unsubscribe</button></form>'
            )
            self._page(200, "Unsubscribe", body)
        else:
            self._page(404, "Not available", "<p>This message cannot be shown online.</p>")

    def do_POST(self) -> None:
        claim = self._claim()
        if claim is None:
            return
        if claim.action != "unsubscribe":
            self._page(405, "Not allowed", "<p>Nothing to do here.</p>")
            return
        length = int(self.headers.get("Content-Length") or 0)
        self.rfile.read(min(length, 10_000))
        if not self.service.record(claim):
            self._page(404, "Unknown message", "<p>That message is not known here.</p>")
            return
        self._page(200, "Unsubscribed", "<h1>You are unsubscribed</h1><p>You will not "
                   "receive these emails any more.</p>")  # fmt: skip

    def _claim(self) -> Claim | None:
        parts = self.path.split("?", 1)[0].strip("/").split("/")
        expected = {"o": "open", "c": "click", "u": "unsubscribe", "v": "view"}
        if len(parts) != 2 or parts[0] not in expected:
            self._page(404, "Not found", "<p>Not found.</p>")
            return None
        try:
            claim = self.service.claim(parts[1].removesuffix(".gif"))
        except BadToken:
            self._page(400, "Invalid link", "<p>This link is not valid.</p>")
            return None
        if claim.action != expected[parts[0]]:
            self._page(400, "Invalid link", "<p>This link is not valid.</p>")
            return None
        return claim

    def _page(self, code: int, title: str, body: str) -> None:
        page = _PAGE.format(title=html.escape(title), body=body).encode()
        self._send(code, page, "text/html; charset=utf-8", {})

    def _send(self, code: int, body: bytes, kind: str, headers: dict[str, str]) -> None:
        self.send_response(code)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        return  # tokens are not written to logs


class TrackingServer:
    """The HTTP server in a background thread (``serve_forever`` in the foreground for the
    command line)."""

    def __init__(self, service: TrackingService, host: str = "127.0.0.1", port: int = 8765):
        handler = type("TrackingHandler", (_Handler,), {"service": service})
        self.httpd = ThreadingHTTPServer((host, port), handler)
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host, port = self.httpd.server_address[:2]
        name = host.decode() if isinstance(host, bytes) else str(host)
        return f"http://{name}:{port}"

    def start(self) -> None:
        self._thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        if self._thread is not None:
            self._thread.join()
