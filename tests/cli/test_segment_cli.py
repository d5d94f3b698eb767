"""``journey-studio segment …`` in-process on a temporary workspace: output and exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.cli import main
from app.resources import resource_path

SAMPLES = resource_path("samples")
NOW = "2026-03-01T00:00:00Z"
SAMPLE_NAMES = ["Employees", "High value customers", "New subscribers", "No purchase in 60 days"]


class Cli:
    """Runs the command against one workspace and keeps what it printed."""

    def __init__(self, db: Path, capsys: pytest.CaptureFixture[str]) -> None:
        self.db = str(db)
        self.capsys = capsys
        self.out = self.err = ""

    def __call__(self, *args: str) -> int:
        self.capsys.readouterr()
        code = main(["--db", self.db, *args])
        self.out, self.err = self.capsys.readouterr()
        return code


@pytest.fixture
def cli(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Cli:
    return Cli(tmp_path / "workspace.db", capsys)


@pytest.fixture
def demo(cli: Cli) -> Cli:
    assert cli("init", "--demo", "--contacts", "300", "--now", NOW) == 0
    return cli


def write(path: Path, name: str, definition: dict[str, object]) -> Path:
    path.write_text(json.dumps({"name": name, "audience": "any", "definition": definition}))
    return path


def test_count_agrees_with_members_for_each_sample_on_the_demo(demo: Cli) -> None:
    assert demo("segment", "list") == 0
    assert demo.out.splitlines() == SAMPLE_NAMES
    for name in SAMPLE_NAMES:
        assert demo("segment", "count", name, "--at", NOW) == 0
        count = int(demo.out)
        assert demo.out == f"{count}\n"
        assert demo("segment", "members", name, "--at", NOW) == 0
        lines = demo.out.splitlines()
        assert len(lines) == count, name
        assert lines == sorted(lines)
        assert demo("segment", "members", name, "--at", NOW, "--format", "json") == 0
        assert json.loads(demo.out) == lines
        assert demo("segment", "members", name, "--at", NOW, "--format", "csv") == 0
        assert demo.out.splitlines() == ["email", *lines]
    assert demo("segment", "count", "No purchase in 60 days", "--at", NOW) == 0
    assert int(demo.out) > 0


def test_save_creates_updates_and_refuses(cli: Cli, tmp_path: Path) -> None:
    germany = {"attribute": {"field": "country", "op": "eq", "value": "DE"}}
    file = write(tmp_path / "g.segment.json", "Germany", germany)
    assert cli("segment", "save", str(file)) == 0
    assert cli.out == "created\n"
    assert cli("segment", "save", str(file)) == 0
    assert cli.out == "unchanged\n"
    assert cli("segment", "save", str(write(file, "Germany", {"not": germany}))) == 0
    assert cli.out == "updated\n"
    assert cli("segment", "count", "Germany") == 0
    assert cli.out == "0\n"

    unknown = write(tmp_path / "u.segment.json", "U", {"segment": "Nobody"})
    assert cli("segment", "save", str(unknown)) == 1
    assert "“Nobody”" in cli.err
    itself = write(tmp_path / "c.segment.json", "C", {"not": {"segment": "C"}})
    assert cli("segment", "save", str(itself)) == 1
    assert "“C” → “C”" in cli.err

    (tmp_path / "bad.segment.json").write_text("{not json")
    assert cli("segment", "save", str(tmp_path / "bad.segment.json")) == 2
    assert cli("segment", "save", str(tmp_path / "missing.segment.json")) == 2
    assert "no such file" in cli.err


def test_unknown_names_and_bad_moments(cli: Cli) -> None:
    for args in (["count", "Nobody"], ["members", "Nobody"], ["delete", "Nobody"]):
        assert cli("segment", *args) == 3
        assert cli.out == ""
        assert "“Nobody”" in cli.err
    assert cli("segment", "count", "Nobody", "--at", "2026-03-01T00:00:00") == 2
    assert "offset" in cli.err
    assert cli("segment", "members", "Nobody", "--format", "xml") == 2


def test_segments_of_a_live_journey_cannot_change_until_it_stops(demo: Cli, tmp_path: Path) -> None:
    journey = str(SAMPLES / "re-engagement.journey.json")
    assert demo("journey", "publish", journey, "--at", NOW) == 0, demo.err
    edited = write(tmp_path / "n.segment.json", "No purchase in 60 days", {"all": []})
    assert demo("segment", "save", str(edited)) == 1
    assert "Re-engagement" in demo.err
    assert demo("segment", "delete", "No purchase in 60 days") == 1
    assert "Re-engagement" in demo.err
    assert demo("journey", "stop", "Re-engagement", "--at", NOW) == 0
    assert demo("segment", "save", str(edited)) == 0
    assert demo.out == "updated\n"
    assert demo("segment", "delete", "No purchase in 60 days") == 0
    assert demo("segment", "list") == 0
    assert "No purchase in 60 days" not in demo.out.splitlines()


def test_members_are_sorted_and_those_without_an_email_come_last(cli: Cli, tmp_path: Path) -> None:
    people = tmp_path / "people.csv"
    people.write_text("external_id,email\nx1,b@example.com\nx2,\nx3,a@example.com\n")
    assert cli("import", "contacts", str(people)) == 0, cli.err
    everyone = write(tmp_path / "e.segment.json", "Everyone", {"all": []})
    assert cli("segment", "save", str(everyone)) == 0
    assert cli("segment", "members", "Everyone", "--format", "json") == 0
    assert json.loads(cli.out) == ["a@example.com", "b@example.com", None]
    assert cli("segment", "members", "Everyone", "--format", "csv") == 0
    assert cli.out == 'email\na@example.com\nb@example.com\n""\n'
    assert cli("segment", "members", "Everyone") == 0
    assert cli.out == "a@example.com\nb@example.com\n\n"
