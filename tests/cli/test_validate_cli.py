"""`journey-studio journey validate`: the samples pass, each catalogued breakage is named."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from app.cli import main

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "resources" / "samples"
JOURNEYS = sorted(SAMPLES.glob("*.journey.json"))

Edit = Callable[[dict[str, Any]], None]


def run_validate(
    path: Path, capsys: pytest.CaptureFixture[str], *extra: str
) -> tuple[int, Any, str]:
    code = main(["journey", "validate", str(path), "--segments", str(SAMPLES), "--json", *extra])
    captured = capsys.readouterr()
    return code, json.loads(captured.out), captured.err


def broken(tmp_path: Path, sample: str, edit: Edit) -> Path:
    data = json.loads((SAMPLES / sample).read_text(encoding="utf-8"))
    edit(data)
    path = tmp_path / sample
    path.write_text(json.dumps(data, indent=2), encoding="utf-8")
    return path


def node(data: dict[str, Any], node_id: str) -> dict[str, Any]:
    return next(n for n in data["nodes"] if n["id"] == node_id)


@pytest.mark.parametrize("path", JOURNEYS, ids=lambda p: p.name)
def test_every_sample_validates_clean(path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, findings, _err = run_validate(path, capsys)
    assert (code, findings) == (0, [])


def _drop(data: dict[str, Any], *node_ids: str) -> None:
    data["nodes"] = [n for n in data["nodes"] if n["id"] not in node_ids]
    data["edges"] = [e for e in data["edges"] if not {e["from"], e["to"]} & set(node_ids)]


def _unplug_no(data: dict[str, Any]) -> None:
    _drop(data, "sms", "exit-sms")


def _loop_back(data: dict[str, Any]) -> None:
    _drop(data, "exit-sms")
    data["edges"].append({"from": "sms", "to": "wait-5d"})


def _orphan(data: dict[str, Any]) -> None:
    data["nodes"].append({"id": "orphan", "kind": "send_sms", "config": {"text": "Hi. STOP"}})


def _unknown_segment(data: dict[str, Any]) -> None:
    data["settings"]["entry_segment"] = "No purchase in 90 days"


def _template_syntax(data: dict[str, Any]) -> None:
    node(data, "offer")["config"]["subject"] = "Your offer, {{ first_name "


def _branch_not_upstream(data: dict[str, Any]) -> None:
    node(data, "clicked")["config"]["condition"]["interaction"]["node"] = "welcome-a"


def _weights_60_30(data: dict[str, Any]) -> None:
    variants = node(data, "subject-test")["config"]["variants"]
    variants[0]["weight"], variants[1]["weight"] = 60, 30


@pytest.mark.parametrize(
    ("sample", "edit", "code", "node_id"),
    [
        ("re-engagement.journey.json", _unplug_no, "ports.partly_connected", "opened"),
        ("re-engagement.journey.json", _loop_back, "graph.cycle", "wait-5d"),
        ("re-engagement.journey.json", _orphan, "node.unreachable", "orphan"),
        ("re-engagement.journey.json", _unknown_segment, "segment.unknown", "settings"),
        ("re-engagement.journey.json", _template_syntax, "template.syntax", "offer"),
        ("welcome-series.journey.json", _branch_not_upstream, "branch.not_upstream", "clicked"),
        ("welcome-series.journey.json", _weights_60_30, "ab_test.weights", "subject-test"),
    ],
    ids=lambda value: value if isinstance(value, str) and "." in value else None,
)
def test_each_catalogued_breakage_exits_1_and_names_the_node(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    sample: str,
    edit: Edit,
    code: str,
    node_id: str,
) -> None:
    exit_code, findings, _err = run_validate(broken(tmp_path, sample, edit), capsys)
    assert exit_code == 1
    errors = [(f["code"], f["node"]) for f in findings if f["severity"] == "error"]
    assert errors == [(code, node_id)]
    assert all(set(f) == {"severity", "code", "node", "field", "message"} for f in findings)


def test_warnings_alone_exit_0(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    def unknown_variable(data: dict[str, Any]) -> None:
        node(data, "sms")["config"]["text"] = "Hi {{ nickname }}, reply STOP to opt out."

    exit_code, findings, _err = run_validate(
        broken(tmp_path, "re-engagement.journey.json", unknown_variable), capsys
    )
    assert exit_code == 0
    assert [(f["severity"], f["code"], f["node"], f["field"]) for f in findings] == [
        ("warning", "template.unknown_variable", "sms", "text")
    ]


def test_truncated_file_exits_2_and_says_where(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = (SAMPLES / "re-engagement.journey.json").read_text(encoding="utf-8")
    cut = text[: len(text) // 2]
    path = tmp_path / "cut.journey.json"
    path.write_text(cut, encoding="utf-8")
    line = cut.count("\n") + 1
    exit_code, findings, err = run_validate(path, capsys)
    assert exit_code == 2
    [finding] = findings
    assert finding["code"] == "file.unreadable"
    assert finding["field"].startswith(f"line {line}, column ")
    assert f"line {line}, column" in err and "truncated" in err


def test_wrong_type_exits_2_with_the_json_path(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    def number_subject(data: dict[str, Any]) -> None:
        node(data, "offer")["config"]["subject"] = 42

    path = broken(tmp_path, "re-engagement.journey.json", number_subject)
    exit_code, findings, _err = run_validate(path, capsys)
    assert exit_code == 2
    assert [f["field"] for f in findings] == ["nodes[4].config.subject"]


def test_missing_file_exits_2(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    exit_code, findings, err = run_validate(tmp_path / "nope.journey.json", capsys)
    assert exit_code == 2 and "no such file" in err
    assert findings[0]["code"] == "file.unreadable"


def test_human_output_lists_findings_with_their_node(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = broken(tmp_path, "welcome-series.journey.json", _weights_60_30)
    assert main(["journey", "validate", str(path), "--segments", str(SAMPLES)]) == 1
    out = capsys.readouterr().out
    assert "1 error, 0 warnings" in out
    assert "ab_test.weights" in out and "subject-test" in out and "add up to 90%" in out


def test_without_segments_the_names_are_not_checked(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["journey", "validate", str(SAMPLES / "re-engagement.journey.json")])
    captured = capsys.readouterr()
    assert code == 0
    assert "segment names were not checked" in captured.err


def test_the_installed_command_validates_a_sample() -> None:
    """The real console script, as a user runs it."""
    script = Path(sys.executable).with_name("journey-studio")
    result = subprocess.run(
        [str(script), "journey", "validate", str(JOURNEYS[0]), "--segments", str(SAMPLES)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "ready to go live" in result.stdout


def test_schema_command_prints_the_committed_schema(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["schema", "segment"]) == 0
    printed = capsys.readouterr().out
    committed = (ROOT / "resources" / "schema" / "segment.schema.json").read_text(encoding="utf-8")
    assert printed == committed
