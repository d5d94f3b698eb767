"""CSV import and export of contacts and events on real SQLite workspaces and real CSV files.

Each edge case of DESIGN §2 is checked with the line number a user would look up in the file.
"""

from __future__ import annotations

import codecs
import io
import json
import re
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, insert, select

from app.store.csv_export import export_contacts, export_events
from app.store.csv_import import (
    ImportCancelled,
    ImportProgress,
    ImportRefused,
    ImportReport,
    import_contacts,
    import_events,
)
from app.store.schema import attribute_catalogue, contacts, events
from app.store.workspace import Workspace, open_workspace
from tests.store import pg

DATA = Path(__file__).parent / "data"

workspace_location = pg.workspace_location


@pytest.fixture
def any_workspace(workspace_location: str) -> Iterator[Workspace]:
    """A workspace on SQLite, and on PostgreSQL too when JOURNEY_STUDIO_TEST_PG_URL is set."""
    opened = open_workspace(workspace_location)
    try:
        yield opened
    finally:
        opened.close()


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8", newline="")
    return path


def load(workspace: Workspace, path: Path, what: str = "contacts", **options: Any) -> ImportReport:
    importer = import_contacts if what == "contacts" else import_events
    with path.open("rb") as stream:
        return importer(workspace, stream, **options)


def lines(report: ImportReport) -> dict[int, str]:
    return {row.line: row.reason for row in report.rejected}


def people(workspace: Workspace) -> dict[str, dict[str, Any]]:
    """Every contact by email (or external_id), as a dict of its columns."""
    with workspace.reader() as connection:
        rows = connection.execute(select(contacts)).mappings().all()
    return {row["email"] or row["external_id"]: dict(row) for row in rows}


def catalogue(workspace: Workspace) -> dict[str, str]:
    with workspace.reader() as connection:
        return {row.key: row.type for row in connection.execute(select(attribute_catalogue))}


def count(workspace: Workspace, table: Any) -> int:
    with workspace.reader() as connection:
        return connection.scalar(select(func.count()).select_from(table)) or 0


# --- contacts: every edge case with its line --------------------------------------------------


def test_each_bad_contact_row_is_reported_with_its_line_and_reason(
    any_workspace: Workspace,
) -> None:
    report = load(any_workspace, DATA / "contacts_edge_cases.csv")

    assert lines(report) == {
        3: "bad email 'bob@'",
        6: "unknown kind 'vip' (contact or lead)",
        7: "unknown IANA timezone 'Mars/Olympus' (e.g. Europe/Berlin, UTC)",
        8: "email_opt_in: unparseable boolean 'maybe' (use true/false, yes/no or 1/0)",
        9: "created_at: unparseable date '31/01/2026' (use ISO 8601, e.g. 2026-01-31T09:00Z)",
        10: "wrong column count: 8 cells where the header has 9 columns",
        11: "wrong column count: 10 cells where the header has 9 columns",
        12: "duplicate email 'ann@example.com' (first on line 2)",
        14: "no email or external_id",
        17: "duplicate external_id 'crm-1' (first on line 15)",
        18: 'malformed CSV: text after a closing quote (write a quote inside a cell as "")',
        19: "malformed CSV: a quoted cell is never closed (it runs to the end of the file)",
    }
    assert (report.imported, report.updated) == (4, 0)
    stored = people(any_workspace)
    assert set(stored) == {"ann@example.com", "cy@example.com", "crm-1", "jo@example.com"}
    # The multi-line cell (lines 4-5) is one record; line numbers after it are not shifted.
    cy = stored["cy@example.com"]
    assert (cy["first_name"], cy["kind"], cy["timezone"]) == ("Cy\nMulti", "lead", "UTC")
    assert cy["email_opt_in"] is False
    assert cy["created_at"] == datetime(2026, 1, 31, tzinfo=UTC)
    ann = stored["ann@example.com"]
    assert ann["created_at"] == datetime(2026, 1, 31, 7, tzinfo=UTC)  # +02:00 stored as UTC
    assert ann["email_opt_in"] is True and ann["attributes"] == {"score": 10, "plan": "gold"}
    assert stored["jo@example.com"]["created_at"] == datetime(2026, 2, 1, 10, 30, tzinfo=UTC)
    kim = stored["crm-1"]
    assert kim["email"] is None and kim["attributes"] == {"score": 3}
    assert kim["email_opt_in"] is None  # an empty boolean cell is unknown
    assert catalogue(any_workspace) == {"score": "integer", "plan": "text"}


def test_strict_mode_writes_nothing_when_a_row_is_bad(any_workspace: Workspace) -> None:
    report = load(any_workspace, DATA / "contacts_edge_cases.csv", strict=True)

    assert (report.imported, report.updated) == (0, 0)
    assert sorted(lines(report)) == [3, 6, 7, 8, 9, 10, 11, 12, 14, 17, 18, 19]
    assert count(any_workspace, contacts) == 0
    assert catalogue(any_workspace) == {}


def test_strict_mode_imports_a_clean_file(workspace: Workspace, tmp_path: Path) -> None:
    path = write(tmp_path, "ok.csv", "email,first_name\nann@example.com,Ann\nbo@example.com,Bo\n")
    report = load(workspace, path, strict=True)
    assert (report.imported, report.rejected) == (2, ())


def test_upsert_updates_existing_contacts_and_counts_them(
    any_workspace: Workspace, tmp_path: Path
) -> None:
    first = (
        "email,first_name,kind,plan,score\n"
        "ann@example.com,Ann,lead,gold,5\n"
        "bo@example.com,Bo,,x,1\n"
    )
    load(any_workspace, write(tmp_path, "first.csv", first))
    created = people(any_workspace)["ann@example.com"]["created_at"]

    second = "Email,First Name,plan,extra\nANN@example.com,Anna,,new\ncy@example.com,Cy,silver,\n"
    report = load(any_workspace, write(tmp_path, "second.csv", second))

    assert (report.imported, report.updated, report.rejected) == (1, 1, ())
    ann = people(any_workspace)["ann@example.com"]
    assert ann["first_name"] == "Anna"
    assert ann["kind"] == "lead"  # a column the file does not have is left as it was
    assert ann["created_at"] == created
    # An empty cell clears the attribute; attributes of other columns are kept.
    assert ann["attributes"] == {"score": 5, "extra": "new"}
    assert people(any_workspace)["bo@example.com"]["first_name"] == "Bo"
    assert count(any_workspace, contacts) == 3


def test_upsert_on_external_id_links_and_refuses_taken_emails(
    any_workspace: Workspace, tmp_path: Path
) -> None:
    load(
        any_workspace,
        write(
            tmp_path,
            "a.csv",
            "email,external_id\nann@example.com,\nbo@example.com,crm-2\ncy@example.com,crm-3\n",
        ),
    )
    report = load(
        any_workspace,
        write(
            tmp_path,
            "b.csv",
            "external_id,email,first_name\n"
            "crm-1,ann@example.com,Ann\n"  # links the contact that had no external_id
            "crm-2,,Bo\n"  # empty email: kept
            "crm-3,bo@example.com,Cy\n"  # Bo's email: refused
            "crm-4,dee@example.com,Dee\n",  # new
        ),
    )

    assert lines(report) == {
        4: "email 'bo@example.com' belongs to another contact (with external_id 'crm-2')"
    }
    assert (report.imported, report.updated) == (1, 2)
    stored = people(any_workspace)
    assert (stored["ann@example.com"]["external_id"], stored["ann@example.com"]["first_name"]) == (
        "crm-1",
        "Ann",
    )
    assert stored["bo@example.com"]["first_name"] == "Bo"
    assert stored["cy@example.com"]["first_name"] is None
    assert stored["dee@example.com"]["external_id"] == "crm-4"


def test_an_email_of_a_contact_with_another_external_id_is_refused(
    workspace: Workspace, tmp_path: Path
) -> None:
    load(workspace, write(tmp_path, "a.csv", "external_id,email\ncrm-1,ann@example.com\n"))
    report = load(workspace, write(tmp_path, "b.csv", "external_id,email\ncrm-9,ann@example.com\n"))
    assert lines(report) == {
        2: "email 'ann@example.com' belongs to the contact with external_id 'crm-1'"
    }


def test_a_second_row_reaching_the_same_contact_is_refused(
    workspace: Workspace, tmp_path: Path
) -> None:
    load(workspace, write(tmp_path, "a.csv", "external_id,email\ncrm-1,ann@example.com\n"))
    report = load(
        workspace,
        write(tmp_path, "b.csv", "external_id,email,city\n,ann@example.com,Oslo\ncrm-1,,Rome\n"),
    )
    assert lines(report) == {3: "the same contact as line 2"}
    assert people(workspace)["ann@example.com"]["city"] == "Oslo"


# --- custom attribute types -------------------------------------------------------------------


def test_attribute_types_are_inferred_per_column_and_stored_typed(
    any_workspace: Workspace, tmp_path: Path
) -> None:
    text = (
        "email,count,ratio,vip,seen,note,zip,empty,code:text\n"
        "a@example.com,1,1.5,yes,2026-01-31,abc,01234,,007\n"
        "b@example.com,-20,2,No,2026-01-31T09:30:00+02:00,12,12345,,12\n"
        "c@example.com,0,-3e2,TRUE,2026-02-01 08:00,true,99999,,x\n"
        "d@example.com,,,0,,,,,\n"
    )
    report = load(any_workspace, write(tmp_path, "types.csv", text))

    assert report.rejected == ()
    expected = {
        "count": "integer",
        "ratio": "decimal",
        "vip": "boolean",
        "seen": "datetime",
        "note": "text",
        "zip": "text",
        "code": "text",
    }
    assert report.column_types == expected
    assert catalogue(any_workspace) == expected  # a column with no values is not catalogued
    stored = people(any_workspace)
    assert stored["a@example.com"]["attributes"] == {
        "count": 1,
        "ratio": 1.5,
        "vip": True,
        "seen": "2026-01-31T00:00:00Z",
        "note": "abc",
        "zip": "01234",
        "code": "007",
    }
    b = stored["b@example.com"]["attributes"]
    assert (b["count"], b["ratio"], b["vip"], b["seen"]) == (
        -20,
        2.0,
        False,
        "2026-01-31T07:30:00Z",
    )
    assert type(b["ratio"]) is float and b["note"] == "12" and b["code"] == "12"
    assert stored["c@example.com"]["attributes"]["ratio"] == -300.0
    assert stored["d@example.com"]["attributes"] == {"vip": False}


def test_a_column_of_zeros_and_ones_is_integer_and_yes_no_is_boolean(
    workspace: Workspace, tmp_path: Path
) -> None:
    text = "email,flag,answer\na@example.com,1,yes\nb@example.com,0,1\n"
    report = load(workspace, write(tmp_path, "flags.csv", text))
    assert report.column_types == {"flag": "integer", "answer": "boolean"}


def test_cells_that_do_not_fit_the_catalogued_type_are_row_errors(
    any_workspace: Workspace, tmp_path: Path
) -> None:
    load(any_workspace, write(tmp_path, "a.csv", "email,score\na@example.com,10\n"))
    report = load(
        any_workspace,
        write(tmp_path, "b.csv", "email,score\nb@example.com,12\nc@example.com,high\n"),
    )
    assert lines(report) == {
        3: "score: unparseable integer 'high' (catalogued as integer in this workspace)"
    }
    assert catalogue(any_workspace) == {"score": "integer"}
    assert people(any_workspace)["b@example.com"]["attributes"] == {"score": 12}


def test_a_declared_type_is_checked_cell_by_cell(workspace: Workspace, tmp_path: Path) -> None:
    text = "email,when:datetime\na@example.com,2026-01-31\nb@example.com,soon\n"
    report = load(workspace, write(tmp_path, "declared.csv", text))
    assert lines(report) == {
        3: "when: unparseable date 'soon' (use ISO 8601, e.g. 2026-01-31T09:00Z) "
        "(declared datetime in the header)"
    }


# --- files that cannot be read ----------------------------------------------------------------


def test_a_utf8_byte_order_mark_is_accepted(workspace: Workspace, tmp_path: Path) -> None:
    path = tmp_path / "bom.csv"
    path.write_bytes(codecs.BOM_UTF8 + "email,first_name\r\nzoe@example.com,Zoë\r\n".encode())
    report = load(workspace, path)
    assert (report.imported, report.rejected) == (1, ())
    assert people(workspace)["zoe@example.com"]["first_name"] == "Zoë"


def test_a_latin1_file_is_refused_naming_the_byte_and_line(
    workspace: Workspace, tmp_path: Path
) -> None:
    path = tmp_path / "latin1.csv"
    path.write_bytes(
        "email,first_name\nann@example.com,Ann\nzoe@example.com,Zoë\n".encode("latin-1")
    )
    with pytest.raises(
        ImportRefused, match=r"not UTF-8 text: byte 0xEB at byte offset 55 \(line 3\)"
    ):
        load(workspace, path)
    assert count(workspace, contacts) == 0


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (
            b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x10",
            "not a CSV file: it is a PNG image",
        ),
        (b'[{"email": "ann@example.com"}]\n', "not a CSV file: it looks like JSON"),
        (b'  {"email": "ann@example.com"}\n', "not a CSV file: it looks like JSON"),
        (b"PK\x03\x04\x14\x00\x06\x00", "an Excel workbook"),
        (b"email\x00,name\n", "binary data"),
        (codecs.BOM_UTF16_LE + "email\n".encode("utf-16-le"), "UTF-16 text"),
        (b"", "the file is empty"),
        (b"\n\nann@example.com\n", "line 1 is empty"),
        (b"first_name,city\nAnn,Oslo\n", "missing required column 'email' (or 'external_id')"),
        (b"email;first_name\nann@example.com;Ann\n", "separated by semicolons"),
        (b"email,name,email\n", "column 'email' appears twice in the header (columns 1 and 3)"),
        (b"email,,name\n", "column 2 of the header has no name"),
    ],
    ids=[
        "png",
        "json-list",
        "json-object",
        "xlsx",
        "nul",
        "utf16",
        "empty",
        "blank-header",
        "no-email",
        "semicolons",
        "repeated",
        "unnamed",
    ],
)
def test_files_that_are_not_csv_are_refused_before_writing(
    workspace: Workspace, tmp_path: Path, content: bytes, message: str
) -> None:
    path = tmp_path / "input.csv"
    path.write_bytes(content)
    with pytest.raises(ImportRefused, match=re.escape(message)):
        load(workspace, path)
    assert count(workspace, contacts) == 0


def test_events_need_email_type_and_occurred_at(workspace: Workspace, tmp_path: Path) -> None:
    path = write(tmp_path, "e.csv", "email,when\nann@example.com,2026-01-31\n")
    with pytest.raises(ImportRefused, match="missing required columns 'type', 'occurred_at'"):
        load(workspace, path, "events")


def test_an_id_column_is_ignored(workspace: Workspace, tmp_path: Path) -> None:
    report = load(workspace, write(tmp_path, "id.csv", "id,email\n999,ann@example.com\n"))
    assert report.ignored_columns == ("id",)
    ann = people(workspace)["ann@example.com"]
    assert ann["id"] != 999 and ann["attributes"] == {}


class ChangingFile(io.BytesIO):
    """A file that another program rewrites between the importer's check and write passes."""

    def __init__(self, before: bytes, after: bytes) -> None:
        super().__init__(before)
        self.after = after
        self.rewinds = 0

    def seek(self, offset: int, whence: int = 0) -> int:
        self.rewinds += offset == 0 and whence == 0
        if self.rewinds == 4:  # sniff, header, check, then write
            self.truncate(0)
            super().seek(0)
            self.write(self.after)
        return super().seek(offset, whence)


@pytest.mark.parametrize(
    "after",
    [b"email\nann@example.com\n", b"email\nann@example.com\nbob@\ncy@example.com\n"],
    ids=["shorter", "new-error"],
)
def test_a_file_changed_between_the_passes_is_refused_and_nothing_written(
    workspace: Workspace, after: bytes
) -> None:
    before = b"email\nann@example.com\nbo@example.com\ncy@example.com\n"
    with pytest.raises(ImportRefused, match="the file changed while it was being imported"):
        import_contacts(workspace, ChangingFile(before, after))
    assert count(workspace, contacts) == 0


# --- events -----------------------------------------------------------------------------------


def test_events_are_checked_row_by_row_and_unknown_contacts_rejected(
    any_workspace: Workspace, tmp_path: Path
) -> None:
    load(any_workspace, write(tmp_path, "c.csv", "email\nann@example.com\n"))
    report = load(any_workspace, DATA / "events_edge_cases.csv", "events")

    assert lines(report) == {
        3: "unknown contact 'nobody@example.com'",
        4: "no event type",
        5: "occurred_at: unparseable date 'yesterday' (use ISO 8601, e.g. 2026-01-31T09:00Z)",
        6: "bad email 'not-an-email'",
        8: "wrong column count: 7 cells where the header has 6 columns",
    }
    assert (report.imported, report.updated) == (3, 0)
    assert report.column_types == {"amount": "decimal", "sku": "text"}
    with any_workspace.reader() as connection:
        stored = connection.execute(select(events).order_by(events.c.id)).mappings().all()
    assert [(e["type"], e["occurred_at"], e["message_id"], e["properties"]) for e in stored] == [
        ("purchase", datetime(2026, 1, 31, 9, tzinfo=UTC), None, {"amount": 19.99, "sku": "A-1"}),
        ("email_opened", datetime(2026, 2, 1, 7, tzinfo=UTC), "msg-1", {"message_id": "msg-1"}),
        ("purchase", datetime(2026, 2, 3, tzinfo=UTC), None, {"amount": 7.0}),
    ]


def test_strict_events_write_nothing_when_a_contact_is_unknown(
    any_workspace: Workspace, tmp_path: Path
) -> None:
    load(any_workspace, write(tmp_path, "c.csv", "email\nann@example.com\n"))
    text = (
        "email,type,occurred_at\n"
        "ann@example.com,purchase,2026-01-31\n"
        "nobody@example.com,purchase,2026-01-31\n"
    )
    report = load(any_workspace, write(tmp_path, "e.csv", text), "events", strict=True)
    assert (report.imported, lines(report)) == (0, {3: "unknown contact 'nobody@example.com'"})
    assert count(any_workspace, events) == 0


# --- export → import --------------------------------------------------------------------------


def snapshot(workspace: Workspace) -> tuple[object, ...]:
    """Everything an export carries, independent of ids and update times."""
    with workspace.reader() as connection:
        people_rows = connection.execute(select(contacts).order_by(contacts.c.id)).mappings()
        who = sorted(
            (
                {k: v for k, v in row.items() if k not in ("id", "updated_at")}
                for row in people_rows
            ),
            key=lambda row: (row["email"] or "", row["external_id"] or ""),
        )
        named = events.join(contacts, events.c.contact_id == contacts.c.id)
        what = connection.execute(
            select(
                contacts.c.email,
                events.c.type,
                events.c.occurred_at,
                events.c.message_id,
                events.c.properties,
            )
            .select_from(named)
            .order_by(events.c.id)
        ).all()
        types = connection.execute(select(attribute_catalogue).order_by("key")).all()
    return json.dumps(who, default=str, sort_keys=True), [tuple(e) for e in what], types


def test_export_then_import_into_a_fresh_workspace_round_trips(
    any_workspace: Workspace, tmp_path: Path
) -> None:
    load(any_workspace, DATA / "contacts_edge_cases.csv")
    contacts_text = (
        "email,external_id,phone,sms_opt_in,push_opt_in,owner,zip,code:text,big,born,"
        "tags,type,kind:text\n"
        "ann@example.com,crm-9,+49 30 1234,no,1,sam@example.com,"
        '01234,12,1e300,1990-05-01,"a,b",x,vip\n'
        'bo@example.com,,,,,,02345,345,2.5,,"quote ""q""",,\n'
    )
    load(any_workspace, write(tmp_path, "more.csv", contacts_text))
    with any_workspace.writer() as connection:  # a catalogued attribute nobody has yet
        connection.execute(insert(attribute_catalogue), [{"key": "tier", "type": "integer"}])
    load(any_workspace, DATA / "events_edge_cases.csv", "events")
    event_text = (
        "email,type,occurred_at,message_id,n,flag,at\n"
        "bo@example.com,email_clicked,2026-03-01T10:00:00.250+00:00,m-2,1,true,2026-03-01\n"
        "bo@example.com,custom thing,2026-03-02,,2,,\n"
    )
    load(any_workspace, write(tmp_path, "more-events.csv", event_text), "events")

    with (
        (tmp_path / "contacts.csv").open("w", encoding="utf-8", newline="") as out,
        any_workspace.reader() as connection,
    ):
        assert export_contacts(connection, out).rows == 5
    with (
        (tmp_path / "events.csv").open("w", encoding="utf-8", newline="") as out,
        any_workspace.reader() as connection,
    ):
        assert export_events(connection, out).rows == 5

    fresh = open_workspace(str(tmp_path / "fresh.db"))
    try:
        report = load(fresh, tmp_path / "contacts.csv")
        assert (report.imported, report.rejected) == (5, ())
        report = load(fresh, tmp_path / "events.csv", "events")
        assert (report.imported, report.rejected) == (5, ())
        assert snapshot(fresh) == snapshot(any_workspace)
    finally:
        fresh.close()
    header = (tmp_path / "contacts.csv").read_text(encoding="utf-8").splitlines()[0]
    assert header.endswith(",big,born,code:text,kind:text,plan,score,tags,type,zip,tier:integer")
    header = (tmp_path / "events.csv").read_text(encoding="utf-8").splitlines()[0]
    assert header == "email,type,occurred_at,message_id,amount,at,flag,n,sku"


def test_events_of_contacts_without_email_are_left_out_of_the_export(
    workspace: Workspace, tmp_path: Path
) -> None:
    with workspace.writer() as connection:
        now = datetime(2026, 1, 1, tzinfo=UTC)
        connection.execute(
            insert(contacts), [{"external_id": "crm-1", "created_at": now, "updated_at": now}]
        )
        contact_id = connection.scalar(select(contacts.c.id))
        connection.execute(
            insert(events), [{"contact_id": contact_id, "type": "web_visit", "occurred_at": now}]
        )
    with (
        (tmp_path / "e.csv").open("w", encoding="utf-8", newline="") as out,
        workspace.reader() as c,
    ):
        result = export_events(c, out)
    assert (result.rows, result.skipped) == (0, 1)


# --- progress, cancel, size -------------------------------------------------------------------


def many_contacts(folder: Path, rows: int) -> Path:
    path = folder / f"{rows}.csv"
    with path.open("w", encoding="utf-8", newline="") as out:
        out.write("email,first_name,country,email_opt_in,score,joined\n")
        for n in range(rows):
            out.write(f"p{n}@example.com,Person {n},DE,{'yes' if n % 2 else 'no'},{n},2026-01-31\n")
    return path


def cancel_after(
    phase: str, rows: int
) -> tuple[Callable[[ImportProgress], None], Callable[[], bool]]:
    seen: list[ImportProgress] = []
    return seen.append, lambda: any(p.phase == phase and p.rows_done >= rows for p in seen)


def test_cancelling_while_writing_leaves_the_workspace_untouched(
    any_workspace: Workspace, tmp_path: Path
) -> None:
    path = many_contacts(tmp_path, 5_000)
    progress, cancelled = cancel_after("writing", 3_000)
    with pytest.raises(ImportCancelled):
        load(any_workspace, path, progress=progress, cancelled=cancelled, batch_size=500)
    assert (
        count(any_workspace, contacts) == 0
    )  # 3,000 rows had been written in batches: one transaction
    assert catalogue(any_workspace) == {}


def test_cancelling_while_checking_writes_nothing(workspace: Workspace, tmp_path: Path) -> None:
    progress, cancelled = cancel_after("checking", 1_000)
    with pytest.raises(ImportCancelled):
        load(workspace, many_contacts(tmp_path, 5_000), progress=progress, cancelled=cancelled)
    assert count(workspace, contacts) == 0


def test_progress_counts_rows_in_both_passes(workspace: Workspace, tmp_path: Path) -> None:
    seen: list[ImportProgress] = []
    load(workspace, many_contacts(tmp_path, 2_500), progress=seen.append)
    assert [(p.phase, p.rows_done, p.rows_total) for p in seen] == [
        ("checking", 1_000, None),
        ("checking", 2_000, None),
        ("checking", 2_500, None),
        ("writing", 1_000, 2_500),
        ("writing", 2_000, 2_500),
        ("writing", 2_500, 2_500),
    ]


def test_a_hundred_thousand_rows_import_in_one_go(workspace: Workspace, tmp_path: Path) -> None:
    report = load(workspace, many_contacts(tmp_path, 100_000))
    assert (report.imported, report.updated, report.rejected) == (100_000, 0, ())
    assert count(workspace, contacts) == 100_000
    assert catalogue(workspace) == {"score": "integer", "joined": "datetime"}
    assert people(workspace)["p99999@example.com"]["attributes"] == {
        "score": 99_999,
        "joined": "2026-01-31T00:00:00Z",
    }
