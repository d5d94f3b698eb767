"""``journey-studio init``: create, fill with demo data, run twice, refuse to mix data."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Table, func, insert, select

from app.cli import main
from app.store.schema import contacts, journeys, segments
from app.store.workspace import open_workspace

NOW = "2026-03-01T12:00:00Z"


def count(path: Path, table: Table) -> int:
    with open_workspace(str(path)) as workspace, workspace.reader() as connection:
        return int(connection.execute(select(func.count()).select_from(table)).scalar_one())


def test_init_demo_then_again_is_harmless(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "demo.db"
    argv = ["--db", str(db), "init", "--demo", "--contacts", "300", "--now", NOW]

    assert main(argv) == 0
    out = capsys.readouterr().out
    assert f"Demo workspace created: {db}" in out
    assert "contacts           300" in out
    assert "segments             4" in out and "journeys             3" in out

    assert main(argv) == 0
    assert capsys.readouterr().out == (
        f"workspace already initialised: {db} (demo data: 300 contacts, seed 1)\n"
    )
    assert (count(db, contacts), count(db, segments), count(db, journeys)) == (300, 4, 3)


def test_init_demo_refuses_a_workspace_with_other_data(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "real.db"
    with open_workspace(str(db)) as workspace, workspace.writer() as connection:
        moment = datetime(2026, 1, 5, tzinfo=UTC)
        connection.execute(
            insert(contacts).values(email="ana@shop.example", created_at=moment, updated_at=moment)
        )

    assert main(["--db", str(db), "init", "--demo", "--contacts", "50"]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert str(db) in captured.err and "1 contact" in captured.err
    assert (count(db, contacts), count(db, segments), count(db, journeys)) == (1, 0, 0)


def test_plain_init_then_demo_fills_the_still_empty_workspace(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "new.db"
    assert main(["--db", str(db), "init"]) == 0
    assert f"Workspace ready: {db}" in capsys.readouterr().out
    assert main(["--db", str(db), "init"]) == 0
    assert "already initialised" in capsys.readouterr().out

    assert main(["--db", str(db), "init", "--demo", "--contacts", "40", "--now", NOW]) == 0
    assert "Demo workspace created" in capsys.readouterr().out
    assert count(db, contacts) == 40


@pytest.mark.parametrize(
    "options",
    [
        ["--contacts", "10"],
        ["--demo", "--contacts", "0"],
        ["--demo", "--now", "2026-03-01T12:00:00"],
        ["--demo", "--now", "yesterday"],
    ],
    ids=" ".join,
)
def test_usage_errors_exit_2_and_create_nothing(
    tmp_path: Path, options: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "unused.db"
    assert main(["--db", str(db), "init", *options]) == 2
    assert capsys.readouterr().err.startswith("journey-studio: ")
    assert not db.exists()
