"""The Settings page: saving reaches the workspace (what ``settings show`` reads), the SMTP
password goes to the secret store only, refusals are shown at their field, and the tracking
server started from the page records an open from a real HTTP request."""

from __future__ import annotations

import json
import logging
import re
import socket
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import shiboken6
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot
from sqlalchemy import select
from sqlalchemy.engine import make_url

from app.cli import main
from app.engine.tracking.keys import tracking_keys
from app.engine.tracking.links import TrackingLinks
from app.services.secrets import SECRET_KEYS, FileSecrets
from app.store.schema import events, messages
from app.store.settings import SETTINGS, all_settings
from app.ui.context import AppContext
from app.ui.pages import SettingsPage
from tests.ui.journey_runs import ran_context, ran_demo_db  # noqa: F401 - fixtures

PASSWORD = "tr0ub4dor-&-3-page-5521"
TIMEOUT = 10_000


@pytest.fixture
def config_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """No keyring: secrets go to the private file under this test's config folder, where
    ``settings show`` looks too."""
    home = tmp_path / "config"
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home))
    monkeypatch.setattr(
        "keyring.get_keyring", lambda: __import__("keyring.backends.fail").backends.fail.Keyring()
    )
    return home


def opened(context: AppContext, qtbot: QtBot, **options: object) -> SettingsPage:
    page = SettingsPage(context, **options)  # type: ignore[arg-type]
    qtbot.addWidget(page)
    with qtbot.waitSignal(page.loaded, timeout=TIMEOUT):
        pass
    return page


def database_file(context: AppContext) -> Path:
    return Path(str(make_url(context.workspace.url).database))


def test_saving_reaches_the_settings_command(
    app_context: AppContext,
    qtbot: QtBot,
    config_home: Path,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    page = opened(app_context, qtbot)
    assert not page.save_button.isEnabled()  # nothing changed yet
    smtp = page.fields["smtp_host"].editor
    assert not smtp.isEnabled()  # the outbox needs no server
    page.fields["email_transport"].write("smtp")
    assert smtp.isEnabled()
    qtbot.keyClicks(smtp, "smtp.contoso.example")
    page.fields["smtp_port"].write(465)
    page.fields["smtp_security"].write("tls")
    qtbot.keyClicks(page.fields["smtp_username"].editor, "journeys")
    qtbot.keyClicks(page.secret_fields["smtp_password"].editor, PASSWORD)
    page.fields["smtp_per_second"].write(12.5)
    page.fields["segment_refresh"].write(300)
    page.fields["tracking"].write(True)
    assert page.save_button.isEnabled() and page.state.text() == "Unsaved changes."

    with qtbot.waitSignal(page.saved, timeout=TIMEOUT):
        qtbot.mouseClick(page.save_button, Qt.MouseButton.LeftButton)
    assert page.state.text() == "Saved."
    password = page.secret_fields["smtp_password"]
    assert password.typed() == "" and password.place.text() == "Stored in file"
    assert not page.save_button.isEnabled()

    location = app_context.workspace.describe()
    assert main(["--db", location, "settings", "show", "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["email_transport"] == "smtp" and shown["smtp_host"] == "smtp.contoso.example"
    assert shown["smtp_port"] == 465 and shown["smtp_security"] == "tls"
    assert shown["smtp_username"] == "journeys" and shown["smtp_per_second"] == 12.5
    assert shown["segment_refresh"] == 300 and shown["tracking"] is True
    assert shown["smtp_password"] == "set"

    app_context.workspace.close()  # everything on disk, WAL included
    for path in database_file(app_context).parent.glob("workspace.db*"):
        assert PASSWORD.encode() not in path.read_bytes(), path
    captured = capsys.readouterr()
    assert PASSWORD not in captured.out + captured.err + caplog.text
    assert PASSWORD in (config_home / "journey-studio" / "secrets.json").read_text()


def test_a_refused_value_is_shown_at_its_field_and_nothing_is_saved(
    app_context: AppContext, qtbot: QtBot, tmp_path: Path
) -> None:
    secrets = FileSecrets(tmp_path / "secrets.json")
    page = opened(app_context, qtbot, secrets=secrets)
    page.fields["sms_transport"].write("http")
    endpoint = page.fields["sms_http_url"]
    qtbot.keyClicks(endpoint.editor, "ftp://sms.contoso.example")
    page.fields["segment_refresh"].write(120)
    qtbot.keyClicks(page.secret_fields["sms_http_token"].editor, "token-1")

    qtbot.mouseClick(page.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: endpoint.error.isVisibleTo(page), timeout=TIMEOUT)
    assert "http:// or https://" in endpoint.error.text()
    assert page.fields["sms_http_url"].editor.text() == "ftp://sms.contoso.example"  # kept
    assert page.state.text() == "1 field needs attention; nothing was saved."
    with app_context.workspace.reader() as connection:
        stored = all_settings(connection)
    assert stored["segment_refresh"] == 60 and stored["sms_transport"] == "outbox"
    assert secrets.get(app_context.workspace.describe(), "sms_http_token") is None

    endpoint.editor.setText("https://sms.contoso.example/send")
    with qtbot.waitSignal(page.saved, timeout=TIMEOUT):
        qtbot.mouseClick(page.save_button, Qt.MouseButton.LeftButton)
    assert not endpoint.error.isVisibleTo(page)
    with app_context.workspace.reader() as connection:
        stored = all_settings(connection)
    assert stored["sms_http_url"] == "https://sms.contoso.example/send"
    assert stored["segment_refresh"] == 120
    assert secrets.get(app_context.workspace.describe(), "sms_http_token") == "token-1"
    assert page.secret_fields["sms_http_token"].typed() == ""


def test_revert_drops_unsaved_edits(app_context: AppContext, qtbot: QtBot, tmp_path: Path) -> None:
    page = opened(app_context, qtbot, secrets=FileSecrets(tmp_path / "secrets.json"))
    assert set(page.fields) == set(SETTINGS)  # every workspace setting has its field
    assert tuple(page.secret_fields) == SECRET_KEYS
    page.fields["segment_refresh"].write(999)
    page.fields["push_transport"].write("http")
    assert page.fields["push_http_url"].editor.isEnabled()
    with qtbot.waitSignal(page.loaded, timeout=TIMEOUT):
        qtbot.mouseClick(page.revert_button, Qt.MouseButton.LeftButton)
    assert page.fields["segment_refresh"].read() == 60
    assert page.fields["push_transport"].read() == "outbox"
    assert not page.fields["push_http_url"].editor.isEnabled()
    assert not page.is_dirty()


@pytest.fixture
def tracking_page(ran_context: AppContext, qtbot: QtBot, tmp_path: Path) -> Iterator[SettingsPage]:  # noqa: F811
    page = opened(ran_context, qtbot, secrets=FileSecrets(tmp_path / "secrets.json"))
    try:
        yield page
    finally:
        page.stop_tracking_server()


def fetch(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def assert_refused(url: str) -> None:
    """Nothing listens there any more."""
    with pytest.raises(urllib.error.URLError) as failed:
        urllib.request.urlopen(url, timeout=5)
    assert isinstance(failed.value.reason, ConnectionRefusedError)


def test_the_tracking_server_started_from_the_page_records_an_open(
    tracking_page: SettingsPage, qtbot: QtBot
) -> None:
    page, panel = tracking_page, tracking_page.tracking
    assert set(page.fields) >= {"tracking", "tracking_base_url"}
    panel.port.setValue(0)  # any free port
    with qtbot.waitSignal(panel.status_changed, timeout=TIMEOUT):
        qtbot.mouseClick(panel.start_button, Qt.MouseButton.LeftButton)
    status = panel.status
    assert status.running and status.url is not None
    assert panel.state.text().startswith(f"Running at {status.url}")
    assert panel.start_button.text() == "Stop" and not panel.port.isEnabled()

    workspace = page.context.workspace
    with workspace.writer() as connection:
        message_id = (
            connection.execute(
                select(messages.c.id).where(
                    messages.c.channel == "email", messages.c.status == "sent"
                )
            )
            .scalars()
            .first()
        )
        keys = tracking_keys(connection, page.context.now())
    assert message_id is not None
    html = TrackingLinks(status.url, keys).track_html(message_id, "<p>Hello</p>")
    pixel = re.search(r'<img src="([^"]+)"', html)
    assert pixel is not None

    with qtbot.waitSignal(panel.status_changed, timeout=TIMEOUT):
        code, body = fetch(pixel[1])
    assert code == 200 and body.startswith(b"GIF")
    assert "1 open, 0 clicks" in panel.state.text()
    with workspace.reader() as connection:
        recorded = connection.execute(
            select(events.c.type, events.c.occurred_at).where(events.c.message_id == message_id)
        ).all()
    assert ("email_opened", page.context.now()) in [tuple(row) for row in recorded]

    forged = pixel[1].replace("/o/", "/o/x")
    assert fetch(forged)[0] == 400  # refused, nothing recorded, the count stays
    assert "1 open," in panel.state.text()

    with qtbot.waitSignal(panel.status_changed, timeout=TIMEOUT):
        qtbot.mouseClick(panel.start_button, Qt.MouseButton.LeftButton)
    assert not panel.status.running and panel.start_button.text() == "Start tracking server"
    assert_refused(pixel[1])


def test_a_taken_port_is_reported_next_to_the_button(
    tracking_page: SettingsPage, qtbot: QtBot
) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        panel = tracking_page.tracking
        panel.port.setValue(taken.getsockname()[1])
        with qtbot.waitSignal(panel.status_changed, timeout=TIMEOUT):
            qtbot.mouseClick(panel.start_button, Qt.MouseButton.LeftButton)
    assert not panel.status.running
    assert panel.state.text().startswith(f"cannot serve on 127.0.0.1:{panel.port.value()}")
    assert panel.start_button.isEnabled() and panel.start_button.text() == "Start tracking server"


def test_rotating_the_key_from_the_page(tracking_page: SettingsPage, qtbot: QtBot) -> None:
    panel = tracking_page.tracking
    with tracking_page.context.workspace.writer() as connection:
        before = tracking_keys(connection, tracking_page.context.now()).current_id
    qtbot.mouseClick(panel.rotate_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "Now signing" in panel.key_note.text(), timeout=TIMEOUT)
    with tracking_page.context.workspace.writer() as connection:
        keys = tracking_keys(connection, tracking_page.context.now())
    assert keys.current_id != before and before in keys.valid
    assert keys.current_id in panel.key_note.text()


class Mailbox:
    def __init__(self) -> None:
        self.messages: list[bytes] = []

    async def handle_DATA(self, server: object, session: object, envelope: Any) -> str:
        self.messages.append(envelope.original_content or envelope.content)
        return "250 Message accepted"


def test_a_test_email_goes_through_the_saved_transport(
    app_context: AppContext, qtbot: QtBot, tmp_path: Path
) -> None:
    from aiosmtpd.controller import Controller

    page = opened(app_context, qtbot, secrets=FileSecrets(tmp_path / "secrets.json"))
    qtbot.keyClicks(page.test_address, "marketing@contoso.example")
    qtbot.mouseClick(page.test_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.test_result.text().startswith("Test email"), timeout=TIMEOUT)
    assert page.test_result.text().startswith("Test email written to the outbox folder")
    folder = tmp_path / "workspace.outbox"
    assert [path.suffix for path in folder.iterdir()] == [".eml"]

    mailbox = Mailbox()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = Controller(mailbox, hostname="127.0.0.1", port=port)
    server.start()
    try:
        page.fields["email_transport"].write("smtp")
        page.fields["smtp_host"].write("127.0.0.1")
        page.fields["smtp_port"].write(port)
        page.fields["smtp_security"].write("none")
        qtbot.mouseClick(page.test_button, Qt.MouseButton.LeftButton)
        assert page.test_result.text().startswith("Save the settings first")
        with qtbot.waitSignal(page.saved, timeout=TIMEOUT):
            qtbot.mouseClick(page.save_button, Qt.MouseButton.LeftButton)
        qtbot.mouseClick(page.test_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: page.test_result.text().startswith("Test email"), timeout=TIMEOUT)
        assert page.test_result.text() == f"Test email sent through 127.0.0.1:{port}."
        assert len(mailbox.messages) == 1
        assert b"Subject: Journey Studio test email" in mailbox.messages[0]
    finally:
        server.stop()

    qtbot.mouseClick(page.test_button, Qt.MouseButton.LeftButton)  # the server is gone
    qtbot.waitUntil(lambda: page.test_result.text().startswith("Not sent"), timeout=TIMEOUT)
    assert "SMTP connection" in page.test_result.text()


def test_the_server_stops_when_the_page_goes(
    ran_context: AppContext,  # noqa: F811
    qtbot: QtBot,
    tmp_path: Path,
) -> None:
    page = SettingsPage(ran_context, secrets=FileSecrets(tmp_path / "secrets.json"))
    with qtbot.waitSignal(page.loaded, timeout=TIMEOUT):
        pass
    panel = page.tracking
    panel.port.setValue(0)
    with qtbot.waitSignal(panel.status_changed, timeout=TIMEOUT):
        panel.toggle()
    url = panel.status.url
    assert url is not None and fetch(f"{url}/o/forged.gif")[0] == 400  # it answers
    shiboken6.delete(page)  # the window closed
    assert_refused(f"{url}/o/forged.gif")


def test_values_stored_by_the_command_line_show_as_they_are(
    app_context: AppContext, qtbot: QtBot, tmp_path: Path
) -> None:
    location = app_context.workspace.describe()
    assert main(["--db", location, "settings", "set", "segment_refresh", "2592000"]) == 0
    assert main(["--db", location, "settings", "set", "smtp_per_second", "12.25"]) == 0
    page = opened(app_context, qtbot, secrets=FileSecrets(tmp_path / "secrets.json"))
    assert page.fields["segment_refresh"].read() == 2_592_000  # 30 days
    assert page.fields["smtp_per_second"].read() == 12.25
    assert not page.is_dirty() and not page.save_button.isEnabled()
