"""The Tasks page on the demo after its High-value follow-up journey made sales tasks."""

from __future__ import annotations

from datetime import timedelta

import pytest
from PySide6.QtCore import QItemSelectionModel, Qt
from pytestqt.qtbot import QtBot

from app.services.tasks import complete_tasks, list_tasks
from app.ui.context import AppContext
from app.ui.pages import TasksPage
from tests.ui.conftest import NOW
from tests.ui.journey_runs import ran_context, ran_demo_db  # noqa: F401 - fixtures

TIMEOUT = 10_000


def opened(context: AppContext, qtbot: QtBot) -> TasksPage:
    """The page as it first shows (its rows are read on a worker)."""
    page = TasksPage(context)
    qtbot.addWidget(page)
    with qtbot.waitSignal(page.loaded, timeout=TIMEOUT):
        pass
    return page


def shown(page: TasksPage, key: str) -> list[object]:
    return [row[key] for row in page.model.rows]


@pytest.fixture
def page(ran_context: AppContext, qtbot: QtBot) -> TasksPage:  # noqa: F811
    return opened(ran_context, qtbot)


def test_the_open_tasks_of_the_run_are_listed(page: TasksPage) -> None:
    stored = list_tasks(page.context.workspace, status="open")
    assert len(stored) >= 5
    assert page.model.rowCount() == len(stored)
    assert shown(page, "id") == [task["id"] for task in stored]
    first = page.model.index(0, 0)
    assert page.model.data(first) == stored[0]["title"]
    assert page.model.data(first, Qt.ItemDataRole.ToolTipRole) == stored[0]["description"]
    headings = [page.model.headerData(c, Qt.Orientation.Horizontal) for c in range(7)]
    assert headings == ["Title", "Contact", "Journey", "Assignee", "Due (UTC)", "Priority",
                        "Status"]  # fmt: skip
    assert page.model.data(page.model.index(0, 2)) == "High-value follow-up"
    assert "overdue" not in page.summary.text()  # due two days after the demo's moment


def test_overdue_tasks_are_highlighted(ran_context: AppContext, qtbot: QtBot) -> None:  # noqa: F811
    ran_context.clock = lambda: NOW + timedelta(days=3)
    page = opened(ran_context, qtbot)
    count = page.model.rowCount()
    assert page.summary.text() == f"{count} tasks, {count} overdue"
    due = page.model.index(0, 4)
    assert page.model.data(due, Qt.ItemDataRole.BackgroundRole) is not None
    assert page.model.data(due, Qt.ItemDataRole.ForegroundRole) is not None

    ran_context.clock = lambda: NOW
    with qtbot.waitSignal(page.loaded, timeout=TIMEOUT):
        page.refresh()
    assert page.model.data(due, Qt.ItemDataRole.BackgroundRole) is None


def test_marking_selected_tasks_done(page: TasksPage, qtbot: QtBot) -> None:
    assert not page.done_button.isEnabled()
    chosen = [page.model.row(0)["id"], page.model.row(2)["id"]]
    selection = page.table.selectionModel()
    for row in (0, 2):
        selection.select(
            page.model.index(row, 0),
            QItemSelectionModel.SelectionFlag.Select | QItemSelectionModel.SelectionFlag.Rows,
        )
    assert page.done_button.isEnabled()
    before = page.model.rowCount()
    with qtbot.waitSignal(page.loaded, timeout=TIMEOUT):
        qtbot.mouseClick(page.done_button, Qt.MouseButton.LeftButton)
    assert page.message.text() == "2 tasks marked done."
    assert page.model.rowCount() == before - 2
    assert not set(chosen) & set(shown(page, "id"))
    done = {task["id"]: task for task in list_tasks(page.context.workspace, status="done")}
    assert set(done) == set(chosen)
    assert all(done[i]["completed_at"] == NOW for i in chosen)

    with qtbot.waitSignal(page.loaded, timeout=TIMEOUT):
        page.status_filter.setCurrentIndex(page.status_filter.findData("done"))
    assert sorted(shown(page, "id")) == sorted(chosen)
    assert page.model.data(page.model.index(0, 6)) == "Done"


def test_filters_by_assignee_and_search(page: TasksPage, qtbot: QtBot) -> None:
    everyone = list_tasks(page.context.workspace, status="open")
    name = everyone[0]["assignee"]
    assert page.assignee_filter.findData(name) > 0
    with qtbot.waitSignal(page.loaded, timeout=TIMEOUT):
        page.assignee_filter.setCurrentIndex(page.assignee_filter.findData(name))
    assert set(shown(page, "assignee")) == {name}
    assert page.model.rowCount() == sum(task["assignee"] == name for task in everyone)

    with qtbot.waitSignal(page.loaded, timeout=TIMEOUT):
        page.assignee_filter.setCurrentIndex(0)
    contact = everyone[-1]["contact"]
    with qtbot.waitSignal(page.loaded, timeout=TIMEOUT):
        qtbot.keyClicks(page.search, contact.split("@")[0].upper())
    assert shown(page, "contact") == [contact]

    with qtbot.waitSignal(page.loaded, timeout=TIMEOUT):
        page.search.setText("no such task anywhere")
    assert page.model.rowCount() == 0 and page.summary.text() == "0 tasks"


def test_coming_back_to_the_page_shows_new_tasks(page: TasksPage, qtbot: QtBot) -> None:
    first = page.model.row(0)["id"]
    complete_tasks(page.context.workspace, [first], NOW)  # done elsewhere (the command line)
    with qtbot.waitSignal(page.loaded, timeout=TIMEOUT):
        page.show()
    assert first not in shown(page, "id")
