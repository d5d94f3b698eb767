"""SMTP and HTTP transports against real local servers: aiosmtpd with STARTTLS and AUTH, and an
HTTP server that answers as a provider would."""

from __future__ import annotations

import json
import socket
import ssl
import threading
from collections.abc import Iterator
from email import message_from_bytes, policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar

import pytest
import trustme
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from app.engine.transports.base import DeliveryError, Outgoing
from app.engine.transports.http import HttpSettings, HttpTransport
from app.engine.transports.smtp import SmtpSettings, SmtpTransport

EMAIL = Outgoing(
    id="m7-abc",
    channel="email",
    to="ana@example.com",
    subject="We miss you, Ana",
    body_text="Hi Ana. Unsubscribe: https://t.example/u/m7-abc",
    body_html="<p>Hi Ana</p><a href='https://t.example/u/m7-abc'>Unsubscribe</a>",
    from_name="Contoso",
    from_email="news@contoso.example",
    headers={"List-Unsubscribe": "<https://t.example/u/m7-abc>"},
)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Mailbox:
    def __init__(self) -> None:
        self.messages: list[bytes] = []
        self.refuse: set[str] = set()

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: Any
    ) -> str:
        if address in self.refuse:
            return "550 5.1.1 no such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(envelope.original_content or envelope.content)
        return "250 Message accepted"


def authenticate(server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> AuthResult:
    ok = isinstance(data, LoginPassword) and (data.login, data.password) == (b"app", b"s3cret")
    return AuthResult(success=ok, handled=False)


@pytest.fixture(scope="module")
def certificate_authority() -> trustme.CA:
    return trustme.CA()


@pytest.fixture
def smtp_server(certificate_authority: trustme.CA) -> Iterator[tuple[Mailbox, int]]:
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    certificate_authority.issue_cert("127.0.0.1").configure_cert(server_context)
    mailbox = Mailbox()
    port = free_port()
    controller = Controller(
        mailbox,
        hostname="127.0.0.1",
        port=port,
        tls_context=server_context,
        require_starttls=True,
        authenticator=authenticate,
        auth_required=True,
    )
    controller.start()
    try:
        yield mailbox, port
    finally:
        controller.stop()


def smtp(port: int, ca: trustme.CA, password: str = "s3cret") -> SmtpTransport:
    context = ssl.create_default_context()
    ca.configure_trust(context)
    settings = SmtpSettings(
        host="127.0.0.1",
        port=port,
        security="starttls",
        username="app",
        password=password,
        timeout=5,
    )
    return SmtpTransport(settings, ssl_context=context)


def test_smtp_delivers_both_parts_with_the_right_headers(
    smtp_server: tuple[Mailbox, int], certificate_authority: trustme.CA
) -> None:
    mailbox, port = smtp_server
    transport = smtp(port, certificate_authority)
    transport.send(EMAIL)
    transport.send(Outgoing(**{**EMAIL.__dict__, "id": "m8-abc"}))  # reuses the connection
    transport.close()
    assert len(mailbox.messages) == 2
    parsed = message_from_bytes(mailbox.messages[0], policy=policy.default)
    assert parsed["Message-ID"] == "<m7-abc@journey-studio.local>"
    assert parsed["Subject"] == "We miss you, Ana"
    assert parsed["List-Unsubscribe"] == "<https://t.example/u/m7-abc>"
    text = parsed.get_body(preferencelist=("plain",))
    html = parsed.get_body(preferencelist=("html",))
    assert text is not None and "https://t.example/u/m7-abc" in text.get_content()
    assert html is not None and "<p>Hi Ana</p>" in html.get_content()


def test_smtp_5xx_is_permanent_with_the_servers_words(
    smtp_server: tuple[Mailbox, int], certificate_authority: trustme.CA
) -> None:
    mailbox, port = smtp_server
    mailbox.refuse.add("ana@example.com")
    transport = smtp(port, certificate_authority)
    with pytest.raises(DeliveryError) as caught:
        transport.send(EMAIL)
    transport.close()
    assert (
        caught.value.permanent
        and "550" in caught.value.reason
        and "no such user" in caught.value.reason
    )


def test_smtp_wrong_password_is_permanent(
    smtp_server: tuple[Mailbox, int], certificate_authority: trustme.CA
) -> None:
    _mailbox, port = smtp_server
    transport = smtp(port, certificate_authority, password="wrong")
    with pytest.raises(DeliveryError) as caught:
        transport.send(EMAIL)
    transport.close()
    assert caught.value.permanent and "535" in caught.value.reason


def test_smtp_server_down_is_transient(certificate_authority: trustme.CA) -> None:
    with pytest.raises(DeliveryError) as caught:
        smtp(free_port(), certificate_authority).send(EMAIL)
    assert not caught.value.permanent


class Provider(BaseHTTPRequestHandler):
    answers: ClassVar[list[tuple[int, str]]] = []
    received: ClassVar[list[tuple[dict[str, str], dict[str, Any]]]] = []

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        self.received.append((dict(self.headers), body))
        code, text = self.answers.pop(0) if self.answers else (200, '{"ok": true}')
        payload = text.encode()
        self.send_response(code)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format: str, *args: Any) -> None:
        return


@pytest.fixture
def provider() -> Iterator[tuple[type[Provider], str]]:
    handler = type("ProviderUnderTest", (Provider,), {"answers": [], "received": []})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield handler, f"http://127.0.0.1:{server.server_address[1]}/sms"
    finally:
        server.shutdown()
        server.server_close()


SMS = Outgoing(id="m9-sms", channel="sms", to="+4915100000001", body_text="Hi! STOP to opt out")


def test_http_retry_carries_the_same_idempotency_key(provider: tuple[type[Provider], str]) -> None:
    handler, url = provider
    handler.answers.append((500, "upstream down"))
    transport = HttpTransport(HttpSettings(url=url, token="tok-123"))
    with pytest.raises(DeliveryError) as caught:
        transport.send(SMS)
    assert not caught.value.permanent
    transport.send(SMS)
    assert [headers["Idempotency-Key"] for headers, _ in handler.received] == ["m9-sms", "m9-sms"]
    assert handler.received[1][0]["Authorization"] == "Bearer tok-123"
    assert handler.received[1][1]["to"] == "+4915100000001"


def test_http_429_is_transient_and_400_permanent_with_the_reason(
    provider: tuple[type[Provider], str],
) -> None:
    handler, url = provider
    handler.answers += [(429, "slow down"), (400, '{"error": "invalid number"}')]
    transport = HttpTransport(HttpSettings(url=url))
    with pytest.raises(DeliveryError) as first:
        transport.send(SMS)
    with pytest.raises(DeliveryError) as second:
        transport.send(SMS)
    assert not first.value.permanent
    assert second.value.permanent and "invalid number" in second.value.reason
