"""``journey-studio journey report``: the re-engagement sample published, simulated and
reported from the command line, as JSON and as a table; unknown names and versions exit 3."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.cli.test_engine_cli import SAMPLES, cli, db, messages  # noqa: F401  (the db fixture)

NODE_KEYS = {"entered", "processed", "in_progress", "exited", "ports", "messages"}
MESSAGE_KEYS = {"queued", "sent", "delivered", "opened", "clicked", "bounced", "failed", "blocked"}


@pytest.fixture
def simulated(capsys: pytest.CaptureFixture[str], db: str) -> str:  # noqa: F811
    """Ana and Bo run the re-engagement journey for six days; Ana opens the reminder."""
    journey = str(SAMPLES / "re-engagement.journey.json")
    assert cli(capsys, db, "journey", "publish", journey, "--at", "2026-12-01T10:00:00Z")[0] == 0
    simulate = ["engine", "run", "--simulate", "--step", "6h"]
    span = ["--from", "2026-12-01T10:00:00Z", "--to", "2026-12-01T10:00:00Z"]
    assert cli(capsys, db, *simulate, *span)[0] == 0
    ana = next(m for m in messages(capsys, db) if m["contact"] == "ana@example.com")
    code, _, err = cli(
        capsys, db, "event", "record", "--contact", "ana@example.com", "--type", "email_opened",
        "--at", "2026-12-02T08:00:00Z", "--message", ana["id"],
    )  # fmt: skip
    assert code == 0, err
    span = ["--from", "2026-12-01T16:00:00Z", "--to", "2026-12-07T10:00:00Z"]
    assert cli(capsys, db, *simulate, *span)[0] == 0
    return db


def report(capsys: pytest.CaptureFixture[str], path: str, *argv: str) -> dict[str, Any]:
    code, out, err = cli(capsys, path, "journey", "report", "Re-engagement", "--json", *argv)
    assert code == 0, err
    result: dict[str, Any] = json.loads(out)
    return result


def test_json_report_has_the_documented_shape(
    capsys: pytest.CaptureFixture[str], simulated: str
) -> None:
    data = report(capsys, simulated)
    assert {
        "journey", "version", "status", "entered", "active", "completed", "ended", "goal", "nodes"
    } <= set(data)  # fmt: skip
    assert (data["journey"], data["version"], data["status"]) == ("Re-engagement", None, "live")
    assert (data["entered"], data["active"], data["completed"]) == (2, 0, 2)
    assert data["ended"] == {"completed": 2}
    assert {"reached", "rate"} <= set(data["goal"]) and data["goal"]["reached"] == 0
    for node_id, node in data["nodes"].items():
        assert set(node) >= NODE_KEYS, node_id
        assert node["entered"] == node["in_progress"] + node["processed"] + node["exited"]
    reminder = data["nodes"]["reminder"]["messages"]
    assert set(reminder) >= MESSAGE_KEYS
    assert (reminder["sent"], reminder["delivered"], reminder["opened"]) == (2, 2, 1)
    assert data["nodes"]["opened"]["ports"] == {"yes": 1, "no": 1}
    assert data["nodes"]["offer"]["messages"]["sent"] == 1
    assert data["nodes"]["sms"]["messages"]["sent"] == 1
    named = report(capsys, simulated, "--version", "1")
    assert (named["version"], named["entered"]) == (1, 2)


def test_table_has_the_totals_and_one_line_per_node(
    capsys: pytest.CaptureFixture[str], simulated: str
) -> None:
    code, out, _ = cli(capsys, simulated, "journey", "report", "Re-engagement")
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == "“Re-engagement” · all versions · live"
    assert lines[1].startswith("2 entered · 0 active · 2 completed · goal reached by 0 (0.0%")
    rows = {line.split()[0]: line for line in lines[lines.index("") + 2 :]}
    assert list(rows) == [
        "start", "reminder", "wait-5d", "opened", "offer", "sms", "exit-offer", "exit-sms"
    ]  # fmt: skip
    assert "Reminder email" in rows["reminder"] and "2 sent" in rows["reminder"]
    assert "1 opened (50%)" in rows["reminder"]
    assert "yes 1 (50%) · no 1 (50%)" in rows["opened"]


def test_unknown_journey_or_version_exits_3(
    capsys: pytest.CaptureFixture[str], simulated: str
) -> None:
    cases = [
        (["Nobody"], "no journey named “Nobody”"),
        (["Re-engagement", "--version", "7"], "“Re-engagement” has no version 7"),
    ]
    for argv, message in cases:
        code, out, err = cli(capsys, simulated, "journey", "report", *argv)
        assert (code, out) == (3, "")
        assert message in err
        code, out, _ = cli(capsys, simulated, "journey", "report", *argv, "--json")
        assert code == 3
        document = json.loads(out)
        assert message in document["error"] and document["journey"] == argv[0]


def test_a_version_that_is_not_a_number_is_a_usage_error(
    capsys: pytest.CaptureFixture[str],
    db: str,  # noqa: F811
) -> None:
    code, _, err = cli(capsys, db, "journey", "report", "Re-engagement", "--version", "two")
    assert code == 2 and "--version" in err
