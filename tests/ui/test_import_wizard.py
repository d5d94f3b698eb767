"""The CSV import wizard driven offscreen on real files and a real workspace: renamed columns
mapped, bad lines reported and saved as CSV, the mapping checked, Cancel writing nothing, a
refused file, and events."""

from __future__ import annotations

import csv
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox
from pytestqt.qtbot import QtBot
from sqlalchemy import func, select

from app.store.schema import contacts, events
from app.ui.context import AppContext
from app.ui.imports import ImportWizard
from app.ui.imports.mapping_page import CUSTOM, SKIP

RENAMED = (
    "E-mail,Given name,Surname,Organisation,Signed up,Loyalty points,Notes\n"
    "anna.berg@example.com,Anna,Berg,Contoso,2026-01-05,120,vip\n"
    "bad-email,Ben,Stone,Fabrikam,2026-02-01,5,\n"
    "carla.rossi@example.com,Carla,Rossi,,not a date,30,\n"
    "dora.klein@example.com,Dora,Klein,Northwind,2026-02-03\n"
    "emil.fox@example.com,Emil,Fox,Litware,2026-03-09,12,\n"
)


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8", newline="")
    return path


def count(context: AppContext, table: object = contacts) -> int:
    with context.workspace.reader() as connection:
        return int(connection.execute(select(func.count()).select_from(table)).scalar_one())  # type: ignore[arg-type]


def wizard_at_mapping(
    context: AppContext, qtbot: QtBot, path: Path, kind: str = "contacts"
) -> ImportWizard:
    wizard = ImportWizard(context, kind)  # type: ignore[arg-type]
    qtbot.addWidget(wizard)
    wizard.show()
    wizard.file_page.path_edit.setText(str(path))
    wizard.next()
    assert wizard.currentPage() is wizard.preview_page
    wizard.next()
    assert wizard.currentPage() is wizard.mapping_page
    return wizard


def import_now(wizard: ImportWizard, qtbot: QtBot) -> None:
    wizard.next()
    qtbot.waitUntil(lambda: wizard.currentPage() is wizard.report_page, timeout=20_000)


def combo_text(wizard: ImportWizard, column: int) -> str:
    combo = wizard.mapping_page.table.cellWidget(column, 2)
    assert isinstance(combo, QComboBox)
    return combo.currentText()


def test_renamed_columns_are_mapped_and_bad_lines_reported_and_saved(
    demo_context: AppContext, qtbot: QtBot, tmp_path: Path
) -> None:
    before = count(demo_context)
    path = write(tmp_path, "people.csv", RENAMED)
    wizard = wizard_at_mapping(demo_context, qtbot, path)
    assert wizard.preview_page.table.rowCount() == 5
    assert wizard.preview_page.table.verticalHeaderItem(0).text() == "2"
    assert [combo_text(wizard, column) for column in range(7)] == [
        "Email",
        "First name",
        "Last name",
        "Company",
        "Created",
        "Custom attribute “Loyalty points”",
        "Custom attribute “Notes”",
    ]
    wizard.mapping_page.choose(6, SKIP)
    with qtbot.waitSignal(wizard.imported, timeout=20_000) as imported:
        import_now(wizard, qtbot)
    assert imported.args[0].imported == 2
    table = wizard.report_page.rejected
    rows = [(table.item(r, 0).text(), table.item(r, 1).text()) for r in range(table.rowCount())]
    assert [line for line, _reason in rows] == ["3", "4", "5"]
    assert "bad email 'bad-email'" in rows[0][1]
    assert rows[1][1].startswith("Signed up (created_at): unparseable date 'not a date'")
    assert "wrong column count" in rows[2][1]
    assert "2 new contacts imported" in wizard.report_page.summary.text()
    assert count(demo_context) == before + 2
    with demo_context.workspace.reader() as connection:
        anna = connection.execute(
            select(contacts.c.first_name, contacts.c.company, contacts.c.attributes).where(
                contacts.c.email == "anna.berg@example.com"
            )
        ).one()
    assert (anna.first_name, anna.company) == ("Anna", "Contoso")
    assert anna.attributes == {"Loyalty points": 120}  # Notes was skipped
    saved = tmp_path / "rejected.csv"
    wizard.report_page.save_rejected(saved)
    with saved.open(encoding="utf-8", newline="") as out:
        assert list(csv.reader(out)) == [["line", "reason"], *[list(row) for row in rows]]


def test_the_mapping_cannot_go_on_without_an_email_or_with_a_field_twice(
    app_context: AppContext, qtbot: QtBot, tmp_path: Path
) -> None:
    wizard = wizard_at_mapping(app_context, qtbot, write(tmp_path, "p.csv", RENAMED))
    page = wizard.mapping_page
    assert page.isComplete()
    page.choose(0, SKIP)
    assert not page.isComplete()
    assert "email" in page.problem.text()
    page.choose(0, "email")
    page.choose(3, "first_name")
    assert not page.isComplete()
    assert page.problem.text().startswith(
        "First name is chosen for “Given name” and “Organisation”"
    )
    page.choose(3, CUSTOM)
    assert page.isComplete() and not page.problem.isVisible()


def test_cancel_during_a_large_import_writes_nothing(
    app_context: AppContext, qtbot: QtBot, tmp_path: Path
) -> None:
    rows = "".join(f"person{n}@example.com,Given{n}\n" for n in range(60_000))
    wizard = wizard_at_mapping(
        app_context, qtbot, write(tmp_path, "big.csv", "Email address,First name\n" + rows)
    )
    run = wizard.run_page
    wizard.next()
    assert wizard.currentPage() is run
    qtbot.waitUntil(
        lambda: "read" in run.status.text() or "Writing" in run.status.text(), timeout=20_000
    )
    qtbot.mouseClick(run.cancel_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: run.outcome != "", timeout=20_000)
    assert run.outcome == "cancelled"
    assert "nothing was imported" in run.status.text()
    assert wizard.currentPage() is run
    assert count(app_context) == 0


def test_a_file_that_is_not_csv_stays_on_the_first_page_with_the_reason(
    app_context: AppContext, qtbot: QtBot, tmp_path: Path
) -> None:
    picture = tmp_path / "photo.csv"
    picture.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(64))
    wizard = ImportWizard(app_context, "contacts")
    qtbot.addWidget(wizard)
    wizard.show()
    wizard.file_page.path_edit.setText(str(picture))
    wizard.next()
    assert wizard.currentPage() is wizard.file_page
    assert "photo.csv: not a CSV file: it is a PNG image" in wizard.file_page.problem.text()


def test_events_are_imported_with_their_columns_mapped(
    demo_context: AppContext, qtbot: QtBot, tmp_path: Path
) -> None:
    with demo_context.workspace.reader() as connection:
        email = connection.execute(select(contacts.c.email).where(contacts.c.id == 1)).scalar_one()
    before = count(demo_context, events)
    path = write(
        tmp_path,
        "events.csv",
        "Contact e-mail,Event,Timestamp,Amount\n"
        f"{email},purchase,2026-11-30T10:00:00Z,25.5\n"
        "stranger@example.com,purchase,2026-11-30T10:00:00Z,3\n",
    )
    wizard = ImportWizard(demo_context, "contacts")
    qtbot.addWidget(wizard)
    wizard.show()
    wizard.file_page.kind_buttons["events"].setChecked(True)
    wizard.file_page.path_edit.setText(str(path))
    wizard.next()
    wizard.next()
    assert wizard.mapping_page.kind == "events"
    assert [combo_text(wizard, column) for column in range(4)][1:] == [
        "Event type",
        "Occurred at",
        "Custom property “Amount”",
    ]
    assert not wizard.mapping_page.isComplete()  # "Contact e-mail" is no known name
    wizard.mapping_page.choose(0, "email")
    import_now(wizard, qtbot)
    assert count(demo_context, events) == before + 1
    table = wizard.report_page.rejected
    assert (table.item(0, 0).text(), table.item(0, 1).text()) == (
        "3",
        "unknown contact 'stranger@example.com'",
    )


def test_closing_the_wizard_during_an_import_cancels_it_and_closes_once_stopped(
    app_context: AppContext, qtbot: QtBot, tmp_path: Path
) -> None:
    rows = "".join(f"person{n}@example.com\n" for n in range(60_000))
    wizard = wizard_at_mapping(app_context, qtbot, write(tmp_path, "big.csv", "E-mail\n" + rows))
    run = wizard.run_page

    def checked_every_row() -> None:
        assert run.status.text() == "Checking rows… 60,000 read", run.status.text()

    # Holding the workspace's writer, the import checks every row and then waits to write: so
    # the wizard is closed while the import runs, however fast or busy the machine is.
    with app_context.workspace.writer():
        wizard.next()
        qtbot.waitUntil(checked_every_row, timeout=20_000)
        wizard.reject()
        assert run.status.text().startswith("Cancelling")
        assert wizard.isVisible()  # until the import has stopped
    qtbot.waitUntil(lambda: not wizard.isVisible(), timeout=20_000)
    assert run.outcome == "cancelled"
    assert count(app_context) == 0
