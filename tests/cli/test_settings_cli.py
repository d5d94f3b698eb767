"""Workspace settings and delivery secrets from the command line: the secrets check."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest

from app.cli import main
from app.engine.transports.outbox import OutboxTransport
from app.engine.transports.smtp import SmtpTransport
from app.services.secrets import FileSecrets
from app.services.transports import transports_for
from app.store.workspace import open_workspace

PASSWORD = "correct-horse-battery-staple-7731"


@pytest.fixture
def config_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "config"
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home))
    monkeypatch.setattr(
        "keyring.get_keyring", lambda: __import__("keyring.backends.fail").backends.fail.Keyring()
    )
    return home


def test_the_smtp_password_never_reaches_the_workspace(
    tmp_path: Path, config_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = str(tmp_path / "w.db")
    for key, value in [
        ("email_transport", "smtp"),
        ("smtp_host", "smtp.contoso.example"),
        ("smtp_username", "app"),
        ("smtp_password", PASSWORD),
    ]:
        assert main(["--db", db, "settings", "set", key, value]) == 0
    assert main(["--db", db, "settings", "show", "--json"]) == 0
    out, err = capsys.readouterr()
    shown = json.loads(out.splitlines()[-1] if False else out[out.index("{") :])
    assert shown["smtp_password"] == "set" and shown["smtp_host"] == "smtp.contoso.example"
    assert PASSWORD not in out and PASSWORD not in err
    for path in tmp_path.glob("w.db*"):
        assert PASSWORD.encode() not in path.read_bytes(), path
    secrets_file = config_home / "journey-studio" / "secrets.json"
    assert stat.S_IMODE(secrets_file.stat().st_mode) == 0o600
    assert PASSWORD in secrets_file.read_text(encoding="utf-8")
    with open_workspace(db) as workspace:
        chosen = transports_for(workspace, OutboxTransport(tmp_path / "outbox"), FileSecrets())
    assert isinstance(chosen["email"], SmtpTransport)
    assert chosen["email"].settings.password == PASSWORD


def test_bad_values_are_refused(tmp_path: Path, config_home: Path) -> None:
    db = str(tmp_path / "w.db")
    assert main(["--db", db, "settings", "set", "smtp_port", "seventy"]) == 1
    assert main(["--db", db, "settings", "set", "colour", "blue"]) == 1
    assert main(["--db", db, "settings", "set", "sms_http_url", "ftp://x"]) == 1
