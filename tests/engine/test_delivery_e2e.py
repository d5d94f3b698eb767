"""Delivery end to end: the engine sends through a real SMTP server and a real HTTP provider,
and the tracking server's links come back as events the journey acts on."""

from __future__ import annotations

import re
import ssl
from datetime import timedelta
from email import message_from_bytes, policy
from pathlib import Path

import trustme
from sqlalchemy import select

from app.engine.tick import Engine
from app.engine.tracking.links import workspace_links
from app.engine.tracking.server import TrackingServer, TrackingService
from app.engine.transports.http import HttpSettings, HttpTransport
from app.engine.transports.outbox import OutboxTransport
from app.engine.transports.smtp import SmtpSettings, SmtpTransport
from app.services.documents import read_journey
from app.store.schema import contacts
from app.store.settings import TRACKING, TRACKING_URL, set_setting
from app.store.workspace import Workspace
from tests.engine.test_tracking import fetch
from tests.engine.test_transports import (  # noqa: F401 - fixtures
    Mailbox,
    Provider,
    certificate_authority,
    free_port,
    provider,
    smtp_server,
)
from tests.engine.world import T0, World, chain, journey

SAMPLES = Path(__file__).resolve().parents[2] / "resources" / "samples"


def smtp_transport(port: int, ca: trustme.CA) -> SmtpTransport:
    context = ssl.create_default_context()
    ca.configure_trust(context)
    settings = SmtpSettings("127.0.0.1", port, "starttls", "app", "s3cret", timeout=5)
    return SmtpTransport(settings, ssl_context=context)


def lapsed_world(workspace: Workspace) -> World:
    world = World(workspace)
    segment = {"all": [
        {"behavior": {"event": "purchase", "count": {"at_least": 1}}},
        {"behavior": {"event": "purchase", "count": {"none": True}, "within": "60d"}}]}  # fmt: skip
    world.segment("No purchase in 60 days", segment)
    world.contact("ana")
    world.event("ana", "purchase", T0 - timedelta(days=100))
    return world


def test_reengagement_email_over_smtp_with_a_working_unsubscribe_link(
    workspace: Workspace,
    smtp_server: tuple[Mailbox, int],  # noqa: F811
    certificate_authority: trustme.CA,  # noqa: F811
) -> None:
    mailbox, port = smtp_server
    tracking = TrackingServer(TrackingService(workspace), port=0)
    tracking.start()
    try:
        with workspace.writer() as connection:
            set_setting(connection, TRACKING_URL, tracking.url)
            set_setting(connection, TRACKING, True)
        world = lapsed_world(workspace)
        transport = smtp_transport(port, certificate_authority)
        world.engine = Engine(
            workspace,
            {"email": transport, "sms": transport, "push": transport},
            workspace_links(workspace),
        )
        world.publish(read_journey(SAMPLES / "re-engagement.journey.json"))
        world.engine.tick(T0)
        transport.close()
        [raw] = mailbox.messages
        email = message_from_bytes(raw, policy=policy.default)
        message_id = world.message("ana", "reminder").id
        assert email["Subject"] == "We miss you, Ana"
        assert email["Message-ID"] == f"<{message_id}@journey-studio.local>"
        unsubscribe = email["List-Unsubscribe"].strip("<>")
        assert unsubscribe.startswith(tracking.url + "/u/")
        text = email.get_body(preferencelist=("plain",))
        html = email.get_body(preferencelist=("html",))
        assert text is not None and unsubscribe in text.get_content()
        assert html is not None and "/o/" in html.get_content()  # the open pixel
        assert fetch(unsubscribe, data=b"List-Unsubscribe=One-Click")[0] == 200
        with workspace.reader() as connection:
            assert connection.execute(select(contacts.c.email_opt_in)).scalar_one() is False
    finally:
        tracking.stop()


def test_a_stopped_smtp_server_delays_messages_and_loses_none(
    workspace: Workspace,
    certificate_authority: trustme.CA,  # noqa: F811
) -> None:
    from aiosmtpd.controller import Controller

    from tests.engine.test_transports import authenticate

    port = free_port()
    world = World(workspace)
    world.segment("All", {"all": []})
    for name in ("ana", "bo", "cy"):
        world.contact(name)
    transport = smtp_transport(port, certificate_authority)
    world.engine = Engine(
        workspace, {"email": transport, "sms": transport, "push": transport}, world.engine.links
    )
    world.publish(journey([{"id": "mail", "kind": "send_email", "config": {
        "subject": "Hi", "body_html": "<a href='{{ unsubscribe_url }}'>u</a>",
        "from_name": "C", "from_email": "news@contoso.example"}}], chain("mail")))  # fmt: skip
    world.run(T0, T0 + timedelta(hours=3))  # the server is down for three hours
    assert {status for status, _ in world.messages().values()} == {"queued"}
    assert {world.message(n, "mail").attempts for n in ("ana", "bo", "cy")} == {0}
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    certificate_authority.issue_cert("127.0.0.1").configure_cert(server_context)
    mailbox = Mailbox()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port,
                            tls_context=server_context, require_starttls=True,
                            authenticator=authenticate, auth_required=True)  # fmt: skip
    controller.start()
    try:
        world.run(T0 + timedelta(hours=4), T0 + timedelta(hours=5))
        transport.close()
    finally:
        controller.stop()
    assert {status for status, _ in world.messages().values()} == {"sent"}
    recipients = sorted(
        message_from_bytes(raw, policy=policy.default)["To"] for raw in mailbox.messages
    )
    assert recipients == ["ana@example.com", "bo@example.com", "cy@example.com"]


def sms_world(workspace: Workspace, url: str) -> World:
    world = World(workspace)
    world.segment("All", {"all": []})
    world.contact("ana")
    http = HttpTransport(HttpSettings(url=url, token="tok"))
    outbox = OutboxTransport(Path(str(workspace.describe()) + ".outbox"))
    world.engine = Engine(
        workspace, {"email": outbox, "sms": http, "push": http}, world.engine.links
    )
    sms = {"id": "sms", "kind": "send_sms", "config": {"text": "Hi {{ first_name }}! STOP to end"}}
    world.publish(journey([sms], chain("sms")))
    return world


def test_sms_retried_after_a_500_keeps_its_idempotency_key(
    workspace: Workspace,
    provider: tuple[type[Provider], str],  # noqa: F811
) -> None:
    handler, url = provider
    handler.answers.append((500, "provider hiccup"))
    world = sms_world(workspace, url)
    world.engine.tick(T0)
    assert world.messages()[("ana", "sms")] == (
        "queued",
        "HTTP 500 Internal Server Error: provider hiccup",
    )
    world.engine.tick(T0 + timedelta(minutes=1))
    assert world.messages()[("ana", "sms")] == ("sent", None)
    keys = [headers["Idempotency-Key"] for headers, _body in handler.received]
    assert keys == [world.message("ana", "sms").id] * 2
    assert handler.received[0][1]["text"] == "Hi Ana! STOP to end"


def test_sms_refused_with_400_fails_with_the_providers_reason(
    workspace: Workspace,
    provider: tuple[type[Provider], str],  # noqa: F811
) -> None:
    handler, url = provider
    handler.answers.append((400, '{"error": "number not reachable"}'))
    world = sms_world(workspace, url)
    world.engine.tick(T0)
    status, reason = world.messages()[("ana", "sms")]
    assert status == "failed" and reason is not None and "number not reachable" in reason


def test_a_click_through_the_tracking_server_takes_the_yes_port(workspace: Workspace) -> None:
    clicked_at = T0 + timedelta(minutes=30)
    tracking = TrackingServer(TrackingService(workspace, clock=lambda: clicked_at), port=0)
    tracking.start()
    try:
        with workspace.writer() as connection:
            set_setting(connection, TRACKING_URL, tracking.url)
            set_setting(connection, TRACKING, True)
        world = World(workspace)
        world.segment("All", {"all": []})
        world.contact("ana")
        world.contact("bo")
        mail = {"id": "mail", "kind": "send_email", "config": {
            "subject": "New", "from_name": "C", "from_email": "news@contoso.example",
            "body_html": "<a href='https://contoso.example/new'>See</a> "
                         "<a href='{{ unsubscribe_url }}'>u</a>"}}  # fmt: skip
        branch = {"id": "clicked", "kind": "branch", "config": {
            "condition": {"interaction": {"node": "mail", "interaction": "clicked"}},
            "wait_up_to": "1d"}}  # fmt: skip
        world.publish(journey(
            [mail, branch, {"id": "yes", "kind": "exit"}, {"id": "no", "kind": "exit"}],
            [*chain("mail", "clicked"), {"from": "clicked", "port": "yes", "to": "yes"},
             {"from": "clicked", "port": "no", "to": "no"}]))  # fmt: skip
        world.engine.tick(T0)
        [to_ana] = [m for m in world.transport.sent if m.to == "ana@example.com"]
        click = re.search(r"href='([^']+/c/[^']+)'", to_ana.body_html)
        assert click is not None
        status, headers, _ = fetch(click[1].replace("&amp;", "&"))  # not followed: off-machine
        assert (status, headers["Location"]) == (302, "https://contoso.example/new")
    finally:
        tracking.stop()
    world.run(T0 + timedelta(hours=1), T0 + timedelta(hours=1))
    world.run(T0 + timedelta(days=2), T0 + timedelta(days=2))
    assert world.runs() == {"ana": [(1, "yes", "completed")], "bo": [(1, "no", "completed")]}
