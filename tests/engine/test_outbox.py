"""The outbox transport writes one file per message id; a retry overwrites it."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy
from pathlib import Path

import pytest

from app.engine.clock import SimulatedClock
from app.engine.transports.base import Outgoing
from app.engine.transports.outbox import OutboxTransport

EMAIL = Outgoing(
    id="m-1f2e",
    channel="email",
    to="ana@example.com",
    subject="We miss you, Ana",
    body_text="Hi Ana. Unsubscribe: https://t.example/u",
    body_html="<p>Hi Ana</p><a href='https://t.example/u'>Unsubscribe</a>",
    from_name="Contoso",
    from_email="news@contoso.example",
    headers={"List-Unsubscribe": "<https://t.example/u>"},
)


def test_email_is_a_multipart_eml_named_by_its_id(tmp_path: Path) -> None:
    outbox = OutboxTransport(tmp_path / "outbox")
    outbox.send(EMAIL)
    path = tmp_path / "outbox" / "m-1f2e.eml"
    parsed = message_from_bytes(path.read_bytes(), policy=policy.default)
    assert parsed["Message-ID"] == "<m-1f2e@journey-studio.local>"
    assert parsed["Subject"] == "We miss you, Ana"
    assert parsed["From"] == "Contoso <news@contoso.example>"
    assert parsed["List-Unsubscribe"] == "<https://t.example/u>"
    text = parsed.get_body(preferencelist=("plain",))
    html = parsed.get_body(preferencelist=("html",))
    assert text is not None and "Unsubscribe" in text.get_content()
    assert html is not None and "<p>Hi Ana</p>" in html.get_content()


def test_a_retry_overwrites_instead_of_duplicating(tmp_path: Path) -> None:
    outbox = OutboxTransport(tmp_path)
    outbox.send(EMAIL)
    outbox.send(EMAIL)
    assert [p.name for p in tmp_path.iterdir()] == ["m-1f2e.eml"]


def test_sms_is_json(tmp_path: Path) -> None:
    sms = Outgoing(id="m-2", channel="sms", to="+4915112345678", body_text="Hi! Reply STOP")
    OutboxTransport(tmp_path).send(sms)
    data = json.loads((tmp_path / "m-2.json").read_text(encoding="utf-8"))
    assert data["to"] == "+4915112345678" and data["text"] == "Hi! Reply STOP"


def test_simulated_clock_moves_only_forward() -> None:
    clock = SimulatedClock(datetime(2026, 1, 1, tzinfo=UTC))
    assert clock.advance(timedelta(hours=1)) == datetime(2026, 1, 1, 1, tzinfo=UTC)
    with pytest.raises(ValueError):
        clock.advance(timedelta(seconds=-1))
    with pytest.raises(ValueError):
        clock.set(datetime(2025, 1, 1, tzinfo=UTC))


def test_each_database_has_its_own_outbox(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Message ids are unique within a workspace only, and the outbox takes a file already there
    for a message already handed over: two PostgreSQL workspaces must not share a folder."""
    from types import SimpleNamespace

    from app.services.runtime import outbox_folder

    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))

    def folder(url: str) -> Path:
        return outbox_folder(SimpleNamespace(url=url))  # type: ignore[arg-type]

    base = "postgresql+psycopg://ana:secret@db.example/journeys"
    one, other = folder(base), folder(base + "?options=-csearch_path%3Dteam_b")
    assert one != other and one.parent == other.parent
    assert one.name.startswith("journeys-") and "secret" not in str(one)
    assert folder("postgresql+psycopg://ana:changed@db.example/journeys") == one
    assert one.is_relative_to(tmp_path)
    assert folder(f"sqlite:///{tmp_path / 'demo.db'}") == tmp_path / "demo.outbox"
