"""`journey-studio import …` and `export …`: exit codes, the summary, rejected lines, --json."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.cli import main

DATA = Path(__file__).resolve().parents[1] / "store" / "data"
GOOD = "email,first_name,plan\nann@example.com,Ann,gold\nbo@example.com,Bo,silver\n"
BAD = "email,first_name\nann@example.com,Ann\nbob@,Bob\ncy@example.com,Cy,extra\n"


@pytest.fixture
def db(tmp_path: Path) -> str:
    return str(tmp_path / "workspace.db")


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8", newline="")
    return path


def run(capsys: pytest.CaptureFixture[str], *argv: str | Path) -> tuple[int, str, str]:
    code = main([str(arg) for arg in argv])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_a_clean_import_exits_0_with_a_summary(
    db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path, "good.csv", GOOD)
    code, out, err = run(capsys, "--db", db, "import", "contacts", path)
    assert (code, err) == (0, "")
    assert out == f"{path}: imported 2 new contacts, updated 0 existing contacts.\n"

    code, out, _ = run(capsys, "--db", db, "import", "contacts", path)
    assert (code, out) == (0, f"{path}: imported 0 new contacts, updated 2 existing contacts.\n")


def test_rejected_rows_exit_1_each_on_stderr_with_its_line(
    db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path, "bad.csv", BAD)
    code, out, err = run(capsys, "--db", db, "import", "contacts", path)
    assert code == 1
    assert out == f"{path}: imported 1 new contact, updated 0 existing contacts; 2 rows rejected.\n"
    assert err.splitlines() == [
        "line 3: bad email 'bob@'",
        "line 4: wrong column count: 3 cells where the header has 2 columns",
    ]


def test_json_prints_exactly_imported_updated_rejected(
    db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path, "bad.csv", BAD)
    code, out, err = run(capsys, "--db", db, "import", "contacts", path, "--json")
    assert (code, err) == (1, "")
    assert json.loads(out) == {
        "imported": 1,
        "updated": 0,
        "rejected": [
            {"line": 3, "reason": "bad email 'bob@'"},
            {"line": 4, "reason": "wrong column count: 3 cells where the header has 2 columns"},
        ],
    }


def test_strict_imports_nothing_and_exits_1(
    db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = write(tmp_path, "bad.csv", BAD)
    code, out, _ = run(capsys, "--db", db, "import", "contacts", bad, "--strict")
    assert (code, out) == (1, f"{bad}: nothing imported (--strict): 2 rows rejected.\n")
    export = tmp_path / "out.csv"
    assert run(capsys, "--db", db, "export", "contacts", export)[0] == 0
    assert len(export.read_text(encoding="utf-8").splitlines()) == 1  # the header only


@pytest.mark.parametrize(
    ("content", "error"),
    [
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "not a CSV file: it is a PNG image"),
        (b'{"contacts": []}', "not a CSV file: it looks like JSON"),
        ("email\nzoë@example.com\n".encode("latin-1"), "not UTF-8 text: byte 0xEB"),
        (b"name,phone\nAnn,123\n", "missing required column 'email' (or 'external_id')"),
    ],
    ids=["png", "json", "latin1", "no-email"],
)
def test_unreadable_files_exit_2_with_the_error_in_json(
    db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], content: bytes, error: str
) -> None:
    path = tmp_path / "input.csv"
    path.write_bytes(content)
    code, out, err = run(capsys, "--db", db, "import", "contacts", path, "--json")
    assert code == 2
    document = json.loads(out)
    assert document.keys() == {"imported", "updated", "rejected", "error"}
    assert (document["imported"], document["updated"], document["rejected"]) == (0, 0, [])
    assert document["error"].startswith(f"{path}: ") and error in document["error"]
    assert error in err


def test_a_missing_file_exits_2(
    db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(capsys, "--db", db, "import", "events", tmp_path / "nope.csv")
    assert (code, out) == (2, "")
    assert err == f"journey-studio: {tmp_path / 'nope.csv'}: no such file\n"


def test_events_for_unknown_contacts_are_rejected(
    db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run(
        capsys,
        "--db",
        db,
        "import",
        "contacts",
        write(tmp_path, "c.csv", "email\nann@example.com\n"),
    )
    code, out, err = run(capsys, "--db", db, "import", "events", DATA / "events_edge_cases.csv")
    assert code == 1
    assert out.endswith("imported 3 events; 5 rows rejected.\n")
    assert "line 3: unknown contact 'nobody@example.com'" in err.splitlines()


def test_export_then_import_into_a_fresh_workspace_gives_the_same_files(
    db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(capsys, "--db", db, "import", "contacts", DATA / "contacts_edge_cases.csv")[0] == 1
    assert run(capsys, "--db", db, "import", "events", DATA / "events_edge_cases.csv")[0] == 1
    first = {kind: tmp_path / f"first-{kind}.csv" for kind in ("contacts", "events")}
    second = {kind: tmp_path / f"second-{kind}.csv" for kind in ("contacts", "events")}
    fresh = str(tmp_path / "fresh.db")
    for kind, path in first.items():
        code, out, _ = run(capsys, "--db", db, "export", kind, path)
        assert code == 0 and out.startswith(f"{path}: exported ")
    for kind, path in first.items():
        assert run(capsys, "--db", fresh, "import", kind, path)[0] == 0
    for kind, path in second.items():
        assert run(capsys, "--db", fresh, "export", kind, path)[0] == 0
        assert path.read_text(encoding="utf-8") == first[kind].read_text(encoding="utf-8")


def test_export_to_a_missing_folder_exits_2(
    db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(capsys, "--db", db, "export", "contacts", tmp_path / "no" / "out.csv")
    assert code == 2 and "No such file or directory" in err


def test_import_and_export_need_what_and_a_file(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["import"]) == 2
    assert main(["import", "people", "x.csv"]) == 2
    assert main(["export", "contacts"]) == 2
    capsys.readouterr()
