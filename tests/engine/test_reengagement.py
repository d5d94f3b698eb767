"""The re-engagement sample run by the engine on a real SQLite workspace, in simulated time."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, insert, select

from app.engine.tick import Engine
from app.engine.tracking.links import workspace_links
from app.engine.transports.outbox import OutboxTransport
from app.services.documents import read_journey, read_segment
from app.services.journeys import publish
from app.store.schema import contacts, enrollments, events, messages, segments, step_log
from app.store.workspace import Workspace

SAMPLES = Path(__file__).resolve().parents[2] / "resources" / "samples"
T0 = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)


def add_contact(connection: Any, email: str, **fields: Any) -> int:
    values = {
        "email": email,
        "first_name": email.split("@")[0].title(),
        "email_opt_in": True,
        "sms_opt_in": True,
        "phone": "+4915100000000",
        "created_at": T0 - timedelta(days=400),
        "updated_at": T0 - timedelta(days=400),
        "attributes": {},
        **fields,
    }
    return int(connection.execute(insert(contacts).values(**values)).inserted_primary_key[0])


def add_event(connection: Any, contact: int, kind: str, at: datetime, **extra: Any) -> None:
    connection.execute(
        insert(events).values(
            contact_id=contact,
            type=kind,
            occurred_at=at,
            properties=extra,
            **({"message_id": extra["message_id"]} if "message_id" in extra else {}),
        )
    )


@pytest.fixture
def scenario(workspace: Workspace, tmp_path: Path) -> dict[str, Any]:
    segment = read_segment(SAMPLES / "no-purchase-60-days.segment.json")
    people: dict[str, int] = {}
    with workspace.writer() as connection:
        connection.execute(
            insert(segments).values(
                name=segment.name, document=segment.to_json(), created_at=T0, updated_at=T0
            )
        )
        people["ana"] = add_contact(connection, "ana@example.com")
        people["ben"] = add_contact(connection, "ben@example.com", email_opt_in=False)
        people["eve"] = add_contact(connection, "eve@example.com", phone=None)
        people["recent"] = add_contact(connection, "recent@example.com")
        people["never"] = add_contact(connection, "never@example.com")
        for name in ("ana", "ben", "eve"):
            add_event(connection, people[name], "purchase", T0 - timedelta(days=100))
        add_event(connection, people["recent"], "purchase", T0 - timedelta(days=10))
    outbox = tmp_path / "outbox"
    engine = Engine(
        workspace,
        {channel: OutboxTransport(outbox) for channel in ("email", "sms", "push")},
        workspace_links(workspace),
    )
    return {"people": people, "engine": engine, "outbox": outbox}


def run_until(engine: Engine, start: datetime, end: datetime, step: timedelta) -> None:
    moment = start
    while moment <= end:
        engine.tick(moment)
        moment += step


def message_rows(workspace: Workspace) -> dict[tuple[str, str], tuple[str, str | None]]:
    with workspace.reader() as connection:
        rows = connection.execute(
            select(contacts.c.email, messages.c.node_id, messages.c.status, messages.c.reason).join(
                contacts, contacts.c.id == messages.c.contact_id
            )
        ).all()
    return {(email.split("@")[0], node): (status, reason) for email, node, status, reason in rows}


def test_reengagement_end_to_end(workspace: Workspace, scenario: dict[str, Any]) -> None:
    engine: Engine = scenario["engine"]
    people = scenario["people"]
    result = publish(workspace, read_journey(SAMPLES / "re-engagement.journey.json"), T0)
    assert result.published and result.version == 1

    report = engine.tick(T0)
    assert report.enrolled == 3  # ana, ben, eve: bought before, not in the last 60 days
    assert message_rows(workspace) == {
        ("ana", "reminder"): ("sent", None),
        ("ben", "reminder"): ("blocked", "no_consent"),
        ("eve", "reminder"): ("sent", None),
    }
    with workspace.writer() as connection:
        ana_reminder = connection.execute(
            select(messages.c.id).where(
                messages.c.contact_id == people["ana"], messages.c.node_id == "reminder"
            )
        ).scalar_one()
        add_event(
            connection,
            people["ana"],
            "email_opened",
            T0 + timedelta(days=1),
            message_id=ana_reminder,
        )
        add_event(connection, people["eve"], "purchase", T0 + timedelta(days=2))

    run_until(engine, T0 + timedelta(hours=6), T0 + timedelta(days=6), timedelta(hours=6))

    assert message_rows(workspace) == {
        ("ana", "reminder"): ("sent", None),
        ("ana", "offer"): ("sent", None),
        ("ben", "reminder"): ("blocked", "no_consent"),
        ("ben", "sms"): ("sent", None),
        ("eve", "reminder"): ("sent", None),
    }
    with workspace.reader() as connection:
        ends = {
            email: reason
            for email, reason in connection.execute(
                select(contacts.c.email, enrollments.c.end_reason).join(
                    contacts, contacts.c.id == enrollments.c.contact_id
                )
            )
        }
        steps = {
            node: count
            for node, count in connection.execute(
                select(step_log.c.node_id, func.count()).group_by(step_log.c.node_id)
            )
        }
    # Eve bought: both the exit event and leaving the segment apply; the exit event wins.
    assert ends == {
        "ana@example.com": "completed",
        "ben@example.com": "completed",
        "eve@example.com": "exit_event",
    }
    assert steps == {
        "start": 3,
        "reminder": 3,
        "wait-5d": 3,
        "opened": 2,
        "offer": 1,
        "sms": 1,
        "exit-offer": 1,
        "exit-sms": 1,
    }
    files = sorted(path.suffix for path in scenario["outbox"].iterdir())
    assert files == [".eml", ".eml", ".eml", ".json"]
    sms = next(scenario["outbox"].glob("*.json"))
    assert json.loads(sms.read_text(encoding="utf-8"))["to"] == "+4915100000000"


def test_ticks_are_idempotent_and_time_never_runs_back(
    workspace: Workspace, scenario: dict[str, Any]
) -> None:
    engine: Engine = scenario["engine"]
    publish(workspace, read_journey(SAMPLES / "re-engagement.journey.json"), T0)
    engine.tick(T0)
    engine.tick(T0)
    with workspace.reader() as connection:
        assert connection.execute(select(func.count()).select_from(messages)).scalar_one() == 3
        assert connection.execute(select(func.count()).select_from(enrollments)).scalar_one() == 3
    with pytest.raises(ValueError, match="cannot go back"):
        engine.tick(T0 - timedelta(hours=1))
