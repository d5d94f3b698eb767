"""The Contacts page on real workspaces, driven offscreen: a 30,000-contact table read a block at
a time, sorting by header clicks and searching, both in SQL, and a demo contact's detail."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, Qt
from pytestqt.qtbot import QtBot
from sqlalchemy import func, select, text

from app.services.documents import read_journey
from app.services.journeys import publish
from app.services.runtime import EngineRunner
from app.store.schema import contacts, enrollments, events
from app.store.workspace import Workspace, open_workspace
from app.ui.contacts import ContactsPage
from app.ui.contacts.table_model import BLOCK
from app.ui.context import AppContext
from tests.ui.conftest import NOW, make_context

LARGE = 30_000
SAMPLES = Path(__file__).parents[2] / "resources" / "samples"

_FILL = text(
    """
    WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < :count)
    INSERT INTO contacts (kind, email, first_name, last_name, company, country, city,
                          created_at, updated_at, attributes)
    SELECT 'contact', printf('person%06d@example.com', i), printf('Given%06d', i),
           printf('Family%06d', (i * 7919) % :count), printf('Company %03d', i % 997),
           'DE', 'Berlin', '2026-01-01 00:00:00.000000', '2026-01-01 00:00:00.000000', '{}'
    FROM n
    """
)


@pytest.fixture(scope="module")
def large_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A workspace of 30,000 contacts made in one INSERT … SELECT (ids 1 … 30,000)."""
    path = tmp_path_factory.mktemp("large") / "large.db"
    with open_workspace(str(path)) as workspace, workspace.writer() as connection:
        connection.execute(_FILL, {"count": LARGE})
    return path


@pytest.fixture
def large(large_db: Path, qapp: object) -> Iterator[AppContext]:
    workspace = open_workspace(str(large_db))
    context = make_context(workspace)
    try:
        yield context
    finally:
        context.background.shutdown()
        workspace.close()


def shown_page(context: AppContext, qtbot: QtBot) -> ContactsPage:
    page = ContactsPage(context)
    qtbot.addWidget(page)
    page.resize(1300, 760)
    page.show()
    qtbot.waitUntil(lambda: page.model.count is not None, timeout=10_000)
    return page


def cell(page: ContactsPage, row: int, column: int, qtbot: QtBot) -> str:
    """The text of a cell once its block has arrived (asking for it, as painting does)."""
    qtbot.waitUntil(lambda: page.model.rowCount() > row, timeout=10_000)
    index = page.model.index(row, column)
    page.model.data(index)
    qtbot.waitUntil(lambda: page.model.row_at(row) is not None, timeout=10_000)
    return str(page.model.data(index))


def sql(workspace: Workspace, statement: object) -> object:
    with workspace.reader() as connection:
        return connection.execute(statement).scalar_one()  # type: ignore[call-overload]


def test_scrolling_to_a_late_row_reads_only_the_blocks_shown(
    large: AppContext, qtbot: QtBot
) -> None:
    page = shown_page(large, qtbot)
    assert page.model.rowCount() == LARGE
    assert "30,000 contacts" in page.count_label.text()
    target = LARGE - 1_200  # as deep, in proportion, as row 900,000 of a million
    page.table.scrollTo(page.model.index(target, 0), page.table.ScrollHint.PositionAtTop)
    page.table.viewport().repaint()
    qtbot.waitUntil(lambda: page.model.row_at(target) is not None, timeout=10_000)
    page.table.viewport().repaint()
    assert cell(page, target, 1, qtbot) == f"person{target + 1:06d}@example.com"
    # the first screen, and the one or two blocks around the target: nothing in between
    assert page.model.rows_read <= 4 * BLOCK
    assert page.model.row_at(LARGE // 2) is None


def test_dragging_across_the_list_reads_where_it_stops_not_everything_passed(
    large: AppContext, qtbot: QtBot
) -> None:
    page = shown_page(large, qtbot)
    qtbot.waitUntil(lambda: page.model.row_at(0) is not None, timeout=10_000)
    bar = page.table.verticalScrollBar()
    for step in range(1, 41):  # forty positions, each painted, no time for reads between
        bar.setValue(bar.maximum() * step // 40)
        page.table.viewport().repaint()
    last = page.table.rowAt(0)
    qtbot.waitUntil(lambda: page.model.row_at(last) is not None, timeout=10_000)
    qtbot.wait(200)  # let any read still in flight arrive
    assert cell(page, last, 1, qtbot) == f"person{last + 1:06d}@example.com"
    assert page.model.blocks_read <= 1 + 2 + 2  # first screen, two already in flight, the end


def test_header_clicks_sort_in_sql_and_toggle_the_order(large: AppContext, qtbot: QtBot) -> None:
    page = shown_page(large, qtbot)
    assert cell(page, 0, 0, qtbot) == "Given000001 Family007919"
    header = page.table.horizontalHeader()
    name_column = QPoint(header.sectionViewportPosition(0) + 20, header.height() // 2)
    qtbot.mouseClick(header.viewport(), Qt.MouseButton.LeftButton, pos=name_column)
    qtbot.waitUntil(lambda: page.model.query.sort == "name", timeout=5_000)
    first = sql(large.workspace, select(func.min(contacts.c.last_name)))
    assert cell(page, 0, 0, qtbot).endswith(str(first))
    qtbot.mouseClick(header.viewport(), Qt.MouseButton.LeftButton, pos=name_column)
    qtbot.waitUntil(lambda: page.model.query.descending, timeout=5_000)
    last = sql(large.workspace, select(func.max(contacts.c.last_name)))
    assert cell(page, 0, 0, qtbot).endswith(str(last))
    assert page.model.count == LARGE


def test_the_search_box_filters_in_sql_once_typing_pauses(large: AppContext, qtbot: QtBot) -> None:
    page = shown_page(large, qtbot)
    with qtbot.waitSignal(page.model.count_changed, timeout=10_000) as counted:
        qtbot.keyClicks(page.search, "FAMILY given0001")  # every word, any field, any case
    expected = sql(
        large.workspace,
        select(func.count()).where(contacts.c.first_name.like("Given0001%")),
    )
    assert counted.args == [expected] and expected == 100
    assert page.model.rowCount() == expected
    assert "100 contacts matching “FAMILY given0001”" in page.count_label.text()
    names = [cell(page, row, 0, qtbot) for row in range(100)]
    assert all(name.startswith("Given0001") and "Family" in name for name in names)
    with qtbot.waitSignal(page.model.count_changed, timeout=10_000) as counted:
        page.search.clear()
    assert counted.args == [LARGE]


@pytest.fixture
def journeyed(demo_context: AppContext) -> AppContext:
    """The demo after six simulated days of the re-engagement journey."""
    workspace = demo_context.workspace
    assert publish(workspace, read_journey(SAMPLES / "re-engagement.journey.json"), NOW).published
    runner = EngineRunner.for_workspace(workspace)
    for _report in runner.simulate(NOW, NOW + timedelta(days=6), timedelta(hours=12)):
        pass
    runner.release()
    return demo_context


def test_selecting_a_contact_shows_their_events_newest_first_and_journeys(
    journeyed: AppContext, qtbot: QtBot
) -> None:
    workspace = journeyed.workspace
    contact_id = int(
        sql(workspace, select(func.min(enrollments.c.contact_id)))  # type: ignore[arg-type]
    )
    email = sql(workspace, select(contacts.c.email).where(contacts.c.id == contact_id))
    event_count = sql(workspace, select(func.count()).where(events.c.contact_id == contact_id))
    page = shown_page(journeyed, qtbot)
    row = contact_id - 1  # the demo's ids run 1, 2, …; the table starts in the order added
    assert cell(page, row, 1, qtbot) == email
    page.table.selectRow(row)
    qtbot.waitUntil(lambda: page.detail.contact is not None, timeout=10_000)
    detail = page.detail
    assert detail.subtitle.text().startswith(str(email))
    assert detail.tabs.tabText(1) == f"Events ({event_count})"
    assert detail.events.rowCount() == event_count
    shown_times = [detail.events.item(r, 0).text() for r in range(detail.events.rowCount())]
    assert shown_times == sorted(shown_times, reverse=True)
    assert detail.tabs.tabText(2) == "Journeys (1)"
    assert detail.journeys.item(0, 0).text() == "Re-engagement"
    assert detail.journeys.item(0, 1).text() in ("in progress", "completed")
    assert detail.messages.rowCount() >= 1
    assert "email" in {detail.messages.item(r, 1).text() for r in range(detail.messages.rowCount())}


def test_an_empty_workspace_says_how_to_import_and_lists_what_the_wizard_imported(
    app_context: AppContext, qtbot: QtBot, tmp_path: Path
) -> None:
    from app.ui.imports import ImportWizard

    page = shown_page(app_context, qtbot)
    assert page.count_label.text() == "0 contacts"
    assert "Import…" in page.detail.message.text()
    source = tmp_path / "people.csv"
    source.write_text("Email,First name\nana@example.com,Ana\nbo@example.com,Bo\n", "utf-8")
    page.open_import("contacts")
    wizard = page.findChild(ImportWizard)
    assert wizard is not None and wizard.isVisible()
    wizard.file_page.path_edit.setText(str(source))
    wizard.next()
    wizard.next()
    with qtbot.waitSignal(page.model.count_changed, timeout=20_000) as counted:
        wizard.next()
    assert counted.args == [2]
    assert page.count_label.text() == "2 contacts"
    assert cell(page, 1, 0, qtbot) == "Bo"
