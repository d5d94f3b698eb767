"""Importing a CSV under a column mapping (the import wizard's), the automatic mapping, the
preview and the rejected-rows CSV, on real files and a real workspace."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from sqlalchemy import select

from app.services.imports import (
    ImportRefused,
    import_contacts_file,
    import_events_file,
    preview_file,
    suggest_mapping,
    write_rejected_csv,
)
from app.store.schema import contacts, events
from app.store.workspace import Workspace

RENAMED = (
    "E-mail,Given name,Surname,Organisation,Shoe size,Notes\n"
    "ana@example.com,Ana,Lima,Contoso,38,first\n"
    "not-an-email,Bo,Berg,Fabrikam,44,second\n"
    "cy@example.com,Cy,Chen,,41\n"
)


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8", newline="")
    return path


def test_synonyms_and_spelling_variants_map_to_known_fields() -> None:
    header = ["E-mail", "Given name", "SURNAME", " Company ", "Mobile", "id", "Shoe size"]
    assert suggest_mapping("contacts", header) == [
        "email",
        "first_name",
        "last_name",
        "company",
        "phone",
        None,
        "Shoe size",
    ]
    assert suggest_mapping("events", ["Email Address", "Event", "Timestamp", "Amount"]) == [
        "email",
        "type",
        "occurred_at",
        "Amount",
    ]


def test_a_field_named_twice_is_suggested_for_its_first_column_only() -> None:
    assert suggest_mapping("contacts", ["email", "E-mail"]) == ["email", None]


def test_a_mapped_import_reads_renamed_columns_skips_some_and_reports_bad_lines(
    workspace: Workspace, tmp_path: Path
) -> None:
    path = write(tmp_path, "people.csv", RENAMED)
    mapping = suggest_mapping("contacts", RENAMED.splitlines()[0].split(","))
    mapping[-1] = None  # skip Notes
    report = import_contacts_file(workspace, path, mapping=mapping)
    assert report.imported == 1
    assert [(row.line, row.reason) for row in report.rejected] == [
        (3, "bad email 'not-an-email'"),
        (4, "wrong column count: 5 cells where the header has 6 columns"),
    ]
    with workspace.reader() as connection:
        rows = connection.execute(
            select(contacts.c.email, contacts.c.first_name, contacts.c.attributes)
        ).all()
    [ana] = rows
    assert (ana.email, ana.first_name, ana.attributes) == (
        "ana@example.com",
        "Ana",
        {"Shoe size": 38},
    )
    assert "Notes" in report.ignored_columns


def test_the_mapping_must_fit_the_file_and_name_each_field_once(
    workspace: Workspace, tmp_path: Path
) -> None:
    path = write(tmp_path, "people.csv", RENAMED)
    with pytest.raises(ImportRefused, match="6 columns"):
        import_contacts_file(workspace, path, mapping=["email"])
    with pytest.raises(ImportRefused, match=r"columns 1 \('E-mail'\) and 2 \('Given name'\)"):
        import_contacts_file(workspace, path, mapping=["email", "email", None, None, None, None])
    with pytest.raises(ImportRefused, match="missing required column 'email'"):
        import_contacts_file(workspace, path, mapping=[None, "first_name", None, None, None, None])
    with workspace.reader() as connection:
        assert connection.execute(select(contacts.c.id)).all() == []


def test_events_import_under_a_mapping(workspace: Workspace, tmp_path: Path) -> None:
    import_contacts_file(workspace, write(tmp_path, "c.csv", "email\nana@example.com\n"))
    path = write(
        tmp_path,
        "events.csv",
        "Contact,What,When,Amount\n"
        "ana@example.com,purchase,2026-11-02T10:00:00Z,19.5\n"
        "nobody@example.com,purchase,2026-11-02T10:00:00Z,5\n",
    )
    report = import_events_file(workspace, path, mapping=["email", "type", "occurred_at", "amount"])
    assert report.imported == 1
    assert [(row.line, row.reason) for row in report.rejected] == [
        (3, "unknown contact 'nobody@example.com'")
    ]
    with workspace.reader() as connection:
        stored = connection.execute(select(events.c.type, events.c.properties)).one()
    assert stored.type == "purchase"
    assert stored.properties == {"amount": 19.5}


def test_preview_shows_the_first_rows_with_their_lines_and_refuses_what_import_refuses(
    tmp_path: Path,
) -> None:
    text = "email,note\n" + "".join(f'p{n}@example.com,"two\nlines"\n' for n in range(30))
    preview = preview_file(write(tmp_path, "p.csv", text), rows=3)
    assert preview.header == ["email", "note"]
    assert [line for line, _cells in preview.rows] == [2, 4, 6]
    assert preview.rows[0][1] == ["p0@example.com", "two\nlines"]
    (tmp_path / "x.csv").write_bytes(b"\x89PNG\r\n\x1a\n")
    with pytest.raises(ImportRefused, match="PNG"):
        preview_file(tmp_path / "x.csv")


def test_rejected_rows_are_saved_as_line_and_reason(workspace: Workspace, tmp_path: Path) -> None:
    header = RENAMED.splitlines()[0].split(",")
    with pytest.raises(ImportRefused, match="missing required column 'email'"):
        import_contacts_file(workspace, write(tmp_path, "people.csv", RENAMED))
    report = import_contacts_file(
        workspace, tmp_path / "people.csv", mapping=suggest_mapping("contacts", header)
    )
    out = tmp_path / "rejected.csv"
    write_rejected_csv(out, report.rejected)
    with out.open(encoding="utf-8", newline="") as saved:
        rows = list(csv.reader(saved))
    assert rows[0] == ["line", "reason"]
    assert rows[1:] == [[str(row.line), row.reason] for row in report.rejected]
    assert [row[0] for row in rows[1:]] == ["3", "4"]
