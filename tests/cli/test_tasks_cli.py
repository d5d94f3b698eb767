"""Tasks made by a journey's task node, listed and completed from the command line."""

from __future__ import annotations

import json

import pytest

from app.cli import main
from app.store.workspace import Workspace
from tests.engine.world import T0, World, chain, journey


def test_tasks_list_and_done(workspace: Workspace, capsys: pytest.CaptureFixture[str]) -> None:
    world = World(workspace)
    world.segment("All", {"all": []})
    world.contact("ana", owner="Sam Sales")
    world.contact("bo", owner="Kim Sales")
    config = {"title": "Call {{ first_name }}", "assignee": "{{ owner }}", "priority": "high"}
    task = {"id": "call", "kind": "create_task", "config": config}
    world.publish(journey([task], chain("call")))
    world.engine.tick(T0)
    db = str(workspace.describe())
    assert main(["--db", db, "tasks", "list", "--json", "--assignee", "Sam Sales"]) == 0
    [row] = json.loads(capsys.readouterr().out)
    assert (row["title"], row["contact"], row["journey"], row["status"]) == (
        "Call Ana", "ana@example.com", "Test journey", "open"
    )  # fmt: skip
    assert row["due_at"] == "2026-12-03T10:00:00Z"
    assert main(["--db", db, "tasks", "done", str(row["id"])]) == 0
    assert main(["--db", db, "tasks", "list", "--json", "--status", "open"]) == 0
    capsys.readouterr()
    assert main(["--db", db, "tasks", "list", "--json", "--status", "open"]) == 0
    assert [r["title"] for r in json.loads(capsys.readouterr().out)] == ["Call Bo"]
    assert main(["--db", db, "tasks", "done", "999"]) == 3
