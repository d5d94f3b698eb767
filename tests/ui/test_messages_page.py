"""The Messages page on the demo after its Re-engagement journey ran for five simulated days:
pages of 100 newest first, counts from SQL, filters by journey, status and channel."""

from __future__ import annotations

from datetime import timedelta

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot
from sqlalchemy import func, insert, select

from app.store.schema import events, journeys, messages
from app.ui.context import AppContext
from app.ui.pages import MessagesPage
from app.ui.pages.messages_page import PAGE_SIZE
from tests.ui.journey_runs import ran_context, ran_demo_db  # noqa: F401 - fixtures

TIMEOUT = 10_000


def count(context: AppContext, *where: object) -> int:
    query = select(func.count()).select_from(
        messages.join(journeys, journeys.c.id == messages.c.journey_id)
    )
    with context.workspace.reader() as connection:
        return int(connection.execute(query.where(*where)).scalar_one())  # type: ignore[arg-type]


@pytest.fixture
def page(ran_context: AppContext, qtbot: QtBot) -> MessagesPage:  # noqa: F811
    made = MessagesPage(ran_context)
    qtbot.addWidget(made)
    with qtbot.waitSignal(made.loaded, timeout=TIMEOUT):
        pass
    return made


def test_the_newest_hundred_with_the_count_of_all(page: MessagesPage, qtbot: QtBot) -> None:
    total = count(page.context)
    assert total > PAGE_SIZE  # the run made more than one page
    assert page.model.rowCount() == PAGE_SIZE
    assert page.position.text() == f"1–100 of {total:,} messages"
    queued = [row["queued_at"] for row in page.model.rows]
    assert queued == sorted(queued, reverse=True)
    assert not page.previous_button.isEnabled() and page.next_button.isEnabled()

    seen = {row["id"] for row in page.model.rows}
    while page.next_button.isEnabled():
        with qtbot.waitSignal(page.loaded, timeout=TIMEOUT):
            qtbot.mouseClick(page.next_button, Qt.MouseButton.LeftButton)
        assert not seen & {row["id"] for row in page.model.rows}
        seen |= {row["id"] for row in page.model.rows}
    assert len(seen) == total
    assert page.position.text().endswith(f"{total:,} of {total:,} messages")
    assert page.previous_button.isEnabled()
    with qtbot.waitSignal(page.loaded, timeout=TIMEOUT):
        qtbot.mouseClick(page.previous_button, Qt.MouseButton.LeftButton)
    assert page.offset == (total - 1) // PAGE_SIZE * PAGE_SIZE - PAGE_SIZE


def test_filters_by_status_channel_and_journey(page: MessagesPage, qtbot: QtBot) -> None:
    with qtbot.waitSignal(page.loaded, timeout=TIMEOUT):
        page.status_filter.setCurrentIndex(page.status_filter.findData("blocked"))
    blocked = count(page.context, messages.c.status == "blocked")
    assert page.total == blocked > 0
    assert {row["status"] for row in page.model.rows} == {"blocked"}
    assert page.model.data(page.model.index(0, 5)) == "Blocked · no consent"

    with qtbot.waitSignal(page.loaded, timeout=TIMEOUT):
        page.channel_filter.setCurrentIndex(page.channel_filter.findData("sms"))
    both = count(page.context, messages.c.status == "blocked", messages.c.channel == "sms")
    assert page.total == both and {row["channel"] for row in page.model.rows} == {"sms"}

    with qtbot.waitSignal(page.loaded, timeout=TIMEOUT):
        page.status_filter.setCurrentIndex(0)
    with qtbot.waitSignal(page.loaded, timeout=TIMEOUT):
        page.channel_filter.setCurrentIndex(0)
    assert page.journey_filter.findData("Re-engagement") > 0
    with qtbot.waitSignal(page.loaded, timeout=TIMEOUT):
        page.journey_filter.setCurrentIndex(page.journey_filter.findData("High-value follow-up"))
    thanks = count(page.context, journeys.c.name == "High-value follow-up")
    assert page.total == thanks > 0
    assert {row["journey"] for row in page.model.rows} == {"High-value follow-up"}

    with qtbot.waitSignal(page.loaded, timeout=TIMEOUT):
        page.journey_filter.setCurrentIndex(page.journey_filter.findData("Welcome series"))
    assert page.total == 0 and page.model.rowCount() == 0
    assert page.position.text() == "No messages match these filters."


def test_opens_are_shown_and_called_approximate(page: MessagesPage, qtbot: QtBot) -> None:
    labels = page.findChildren(type(page.position))
    assert any(label.text().startswith("Open counts are approximate") for label in labels)
    with qtbot.waitSignal(page.loaded, timeout=TIMEOUT):
        page.status_filter.setCurrentIndex(page.status_filter.findData("sent"))
    with qtbot.waitSignal(page.loaded, timeout=TIMEOUT):
        page.channel_filter.setCurrentIndex(page.channel_filter.findData("email"))
    target = page.model.rows[0]
    assert not target["opened"] and page.model.data(page.model.index(0, 8)) == ""
    with page.context.workspace.writer() as connection:
        contact = connection.execute(
            select(messages.c.contact_id).where(messages.c.id == target["id"])
        ).scalar_one()
        connection.execute(
            insert(events).values(
                contact_id=contact,
                type="email_opened",
                occurred_at=target["sent_at"] + timedelta(hours=1),
                properties={"message_id": target["id"]},
                message_id=target["id"],
            )
        )
    with qtbot.waitSignal(page.loaded, timeout=TIMEOUT):
        qtbot.mouseClick(page.refresh_button, Qt.MouseButton.LeftButton)
    row = next(i for i, r in enumerate(page.model.rows) if r["id"] == target["id"])
    assert page.model.data(page.model.index(row, 8)) == "Opened"
