"""The engine from the command line: publish, simulate, messages, events, lifecycle, lease."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import insert

from app.cli import main
from app.engine.lease import try_acquire
from app.services.documents import read_segment
from app.store.schema import contacts, events, segments
from app.store.workspace import open_workspace

SAMPLES = Path(__file__).resolve().parents[2] / "resources" / "samples"
T0 = datetime(2026, 12, 1, 10, tzinfo=UTC)


@pytest.fixture
def db(tmp_path: Path) -> str:
    path = str(tmp_path / "w.db")
    segment = read_segment(SAMPLES / "no-purchase-60-days.segment.json")
    with open_workspace(path) as workspace, workspace.writer() as connection:
        connection.execute(
            insert(segments).values(
                name=segment.name, document=segment.to_json(), created_at=T0, updated_at=T0
            )
        )
        for index, email in enumerate(["ana@example.com", "bo@example.com"]):
            contact = connection.execute(
                insert(contacts).values(
                    email=email,
                    first_name=email[:3].title(),
                    phone=f"+49151000000{index}",
                    email_opt_in=True,
                    sms_opt_in=True,
                    created_at=T0 - timedelta(days=300),
                    updated_at=T0 - timedelta(days=300),
                    attributes={},
                )
            ).inserted_primary_key[0]
            connection.execute(
                insert(events).values(
                    contact_id=contact,
                    type="purchase",
                    occurred_at=T0 - timedelta(days=90),
                    properties={},
                )
            )
    return path


def cli(capsys: pytest.CaptureFixture[str], db: str, *argv: str) -> tuple[int, str, str]:
    code = main(["--db", db, *argv])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def messages(capsys: pytest.CaptureFixture[str], db: str) -> list[dict[str, Any]]:
    code, out, _err = cli(capsys, db, "messages", "list", "--json")
    assert code == 0
    result: list[dict[str, Any]] = json.loads(out)
    return result


def test_publish_simulate_and_read_the_messages(
    capsys: pytest.CaptureFixture[str], db: str
) -> None:
    journey = str(SAMPLES / "re-engagement.journey.json")
    assert cli(capsys, db, "journey", "publish", journey, "--at", "2026-12-01T10:00:00Z")[0] == 0
    code, out, _ = cli(
        capsys, db, "engine", "run", "--simulate",
        "--from", "2026-12-01T10:00:00Z", "--to", "2026-12-01T12:00:00Z", "--step", "1h",
    )  # fmt: skip
    assert code == 0 and "3 ticks" in out and "2 entered" in out
    sent = messages(capsys, db)
    assert [(m["node"], m["contact"], m["status"]) for m in sent] == [
        ("reminder", "ana@example.com", "sent"),
        ("reminder", "bo@example.com", "sent"),
    ]
    first = sent[0]
    assert set(first) == {
        "id", "journey", "node", "contact", "channel", "status", "reason", "subject",
        "queued_at", "sent_at",
    }  # fmt: skip
    assert first["journey"] == "Re-engagement" and first["subject"] == "We miss you, Ana"
    assert first["queued_at"] == "2026-12-01T10:00:00Z"

    # Ana opens the reminder; five days later she gets the offer, Bo the SMS.
    code, _, err = cli(
        capsys, db, "event", "record", "--contact", "ana@example.com", "--type", "email_opened",
        "--at", "2026-12-02T08:00:00Z", "--message", first["id"],
    )  # fmt: skip
    assert code == 0, err
    code, _, _ = cli(
        capsys, db, "engine", "run", "--simulate",
        "--from", "2026-12-06T10:00:00Z", "--to", "2026-12-06T12:00:00Z", "--step", "1h",
    )  # fmt: skip
    later = {(m["node"], m["contact"]): m["status"] for m in messages(capsys, db)}
    assert later[("offer", "ana@example.com")] == "sent"
    assert later[("sms", "bo@example.com")] == "sent"


def test_time_never_runs_backwards(capsys: pytest.CaptureFixture[str], db: str) -> None:
    cli(capsys, db, "journey", "publish", str(SAMPLES / "re-engagement.journey.json"))
    args = ["engine", "run", "--simulate", "--to", "2026-12-01T11:00:00Z"]
    assert cli(capsys, db, *args, "--from", "2026-12-01T11:00:00Z")[0] == 0
    code, _, err = cli(capsys, db, *args, "--from", "2026-12-01T10:00:00Z")
    assert code == 1 and "cannot go back" in err


def test_pause_resume_stop(capsys: pytest.CaptureFixture[str], db: str) -> None:
    cli(capsys, db, "journey", "publish", str(SAMPLES / "re-engagement.journey.json"))
    assert cli(capsys, db, "journey", "resume", "Re-engagement")[0] == 1
    assert cli(capsys, db, "journey", "pause", "Re-engagement")[0] == 0
    assert cli(capsys, db, "journey", "resume", "Re-engagement")[0] == 0
    assert cli(capsys, db, "journey", "stop", "Re-engagement")[0] == 0
    assert cli(capsys, db, "journey", "resume", "Re-engagement")[0] == 1
    code, _, err = cli(capsys, db, "journey", "pause", "Nope")
    assert code == 3 and "Nope" in err


def test_paused_journey_does_nothing(capsys: pytest.CaptureFixture[str], db: str) -> None:
    cli(capsys, db, "journey", "publish", str(SAMPLES / "re-engagement.journey.json"))
    cli(capsys, db, "journey", "pause", "Re-engagement")
    cli(capsys, db, "engine", "run", "--simulate", "--from", "2026-12-01T10:00:00Z",
        "--to", "2026-12-01T12:00:00Z")  # fmt: skip
    assert messages(capsys, db) == []


def test_a_second_engine_is_refused_while_the_lease_is_held(
    capsys: pytest.CaptureFixture[str], db: str
) -> None:
    with open_workspace(db) as workspace, workspace.writer() as connection:
        assert try_acquire(connection, "other-host:1", datetime.now(UTC)) is None
    code, _, err = cli(capsys, db, "engine", "run", "--once")
    assert code == 1 and "other-host:1" in err


def test_unknown_contact_or_message_is_not_found(
    capsys: pytest.CaptureFixture[str], db: str
) -> None:
    assert cli(capsys, db, "event", "record", "--contact", "x@y.z", "--type", "purchase")[0] == 3
    code = cli(capsys, db, "event", "record", "--contact", "ana@example.com", "--type",
               "email_opened", "--message", "m999-nope")[0]  # fmt: skip
    assert code == 3


def test_publishing_a_broken_journey_is_refused(
    capsys: pytest.CaptureFixture[str], db: str, tmp_path: Path
) -> None:
    data = json.loads((SAMPLES / "re-engagement.journey.json").read_text(encoding="utf-8"))
    data["settings"]["entry_segment"] = "Nobody"
    path = tmp_path / "broken.journey.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    code, out, err = cli(capsys, db, "journey", "publish", str(path), "--json")
    assert code == 1 and "did not go live" in err
    assert [f["code"] for f in json.loads(out)] == ["segment.unknown"]
