"""The `journey-studio` command: version, usage errors, `--db`, GUI dispatch, headless imports."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from app import __version__
from app.cli import DB_ENV_VAR, main

REPO = Path(__file__).resolve().parents[2]
VERSION_LINE = f"journey-studio {__version__}"


def run(*command: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        command, cwd=REPO, capture_output=True, text=True, timeout=60, env=env, check=False
    )


def test_version_prints_name_and_version(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--version"]) == 0
    assert capsys.readouterr().out.strip() == VERSION_LINE == "journey-studio 0.1.0"


def test_installed_command_prints_version() -> None:
    script = Path(sys.executable).parent / "journey-studio"
    result = run(str(script), "--version")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == VERSION_LINE


def test_main_py_prints_version() -> None:
    result = run(sys.executable, "main.py", "--version")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == VERSION_LINE


@pytest.mark.parametrize(
    "argv",
    [
        ["frobnicate"],
        ["journey"],
        ["journey", "publish"],
        ["journey", "validate"],
        ["schema", "contact"],
        ["--no-such-option"],
        ["journey", "validate", "x.journey.json", "--db", "late.db"],
    ],
    ids=" ".join,
)
def test_usage_errors_exit_2_with_a_message_on_stderr(
    argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(argv) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "usage: journey-studio" in captured.err


def test_help_lists_the_commands(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--help"]) == 0
    out = capsys.readouterr().out
    for word in ("--db", "journey", "schema"):
        assert word in out


class FakeGui:
    def __init__(self) -> None:
        self.opened_with: list[str | None] = []

    def __call__(self, db: str | None) -> int:
        self.opened_with.append(db)
        return 0


@pytest.fixture
def fake_gui(monkeypatch: pytest.MonkeyPatch) -> FakeGui:
    import app.ui.app

    gui = FakeGui()
    monkeypatch.setattr(app.ui.app, "run_gui", gui)
    monkeypatch.delenv(DB_ENV_VAR, raising=False)
    return gui


def test_without_a_command_opens_the_gui_on_the_default_workspace(fake_gui: FakeGui) -> None:
    assert main([]) == 0
    assert fake_gui.opened_with == [None]


def test_db_option_chooses_the_workspace(fake_gui: FakeGui) -> None:
    assert main(["--db", "campaigns.db"]) == 0
    assert fake_gui.opened_with == ["campaigns.db"]


def test_environment_variable_is_the_fallback_for_db(
    fake_gui: FakeGui, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(DB_ENV_VAR, "postgresql+psycopg://crm/journeys")
    assert main([]) == 0
    assert main(["--db", "local.db"]) == 0
    assert fake_gui.opened_with == ["postgresql+psycopg://crm/journeys", "local.db"]


@pytest.mark.parametrize(
    "argv",
    [
        ["--version"],
        ["--help"],
        ["schema", "journey"],
        ["journey", "validate", "missing.journey.json", "--json"],
    ],
    ids=" ".join,
)
def test_headless_commands_do_not_import_qt(argv: list[str]) -> None:
    probe = (
        "import sys\n"
        "from app.cli import main\n"
        f"main({argv!r})\n"
        "loaded = sorted(m for m in sys.modules if m.split('.')[0] in ('PySide6', 'shiboken6'))\n"
        "print(loaded, file=sys.stderr)\n"
        "sys.exit(1 if loaded else 0)\n"
    )
    env = {**os.environ}
    env.pop(DB_ENV_VAR, None)
    result = run(sys.executable, "-c", probe, env=env)
    assert result.returncode == 0, f"Qt was imported: {result.stderr}"
