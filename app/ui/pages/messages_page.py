"""The Messages page: what journeys queued and sent, newest first, a page at a time.

Filters by journey, status and channel; each page (``PAGE_SIZE`` rows) and the count of all
matching messages come from :func:`app.services.messages.message_page` on a worker, so a
million messages are never loaded at once. Opened and clicked are shown per message, with the
note that open counts are approximate (DESIGN §7).
"""

from __future__ import annotations

from PySide6.QtCore import QTimer, Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import QLabel, QWidget

from app.services.messages import CHANNELS, MessageFilter, MessagePage, journey_names, message_page
from app.store.schema import MESSAGE_STATUSES
from app.ui.context import AppContext
from app.ui.pages.rows_model import Column, Row, RowsModel, day_and_time
from app.ui.pages.widgets import (
    button,
    choices,
    data_table,
    filter_bar,
    fit_columns,
    note,
    page_frame,
    set_choices,
)

PAGE_SIZE = 100
LOADING_AFTER_MS = 300
"""A page that takes longer than this (a filtered count over a million messages) says so."""
OPENS_NOTE = (
    "Open counts are approximate: many mail clients block the tracking pixel, and privacy "
    "proxies fetch it for every email they receive. Clicks are a firmer signal."
)
CHANNEL_NAMES = {"email": "Email", "sms": "SMS", "push": "Push"}


def _interactions(row: Row) -> str:
    seen = [("Opened", row["opened"]), ("Clicked", row["clicked"])]
    return ", ".join(name for name, happened in seen if happened)


def _status(row: Row) -> str:
    reason = (row["reason"] or "").replace("_", " ")
    return f"{row['status'].capitalize()} · {reason}" if reason else row["status"].capitalize()


COLUMNS = (
    Column("Queued (UTC)", "queued_at", day_and_time, tooltip_key="queued_at",
           sample="06 Dec 11:00"),
    Column("Journey", "journey", sample="Re-engagement"),
    Column("Node", "node", sample="reminder"),
    Column("Contact", "contact", sample="firstname.last@mail.example"),
    Column("Channel", "channel", lambda channel: CHANNEL_NAMES.get(channel, channel),
           sample="Email"),
    Column("Status", "status", _status, whole_row=True, sample="Blocked · no consent"),
    Column("Subject", "subject"),
    Column("Sent (UTC)", "sent_at", day_and_time, tooltip_key="sent_at", sample="06 Dec 11:00"),
    Column("Interactions", "opened", _interactions, whole_row=True, sample="Opened"),
)  # fmt: skip
SUBJECT = 6
ALL_JOURNEYS = ("All journeys", None)


class MessagesPage(QWidget):
    loaded = Signal()
    """The table shows the page the latest request asked for."""

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.offset = 0
        self.total = 0
        layout = page_frame(self, "Messages")

        self.journey_filter = choices([ALL_JOURNEYS])
        self.journey_filter.setMinimumWidth(180)
        self.status_filter = choices(
            [("Any status", None), *((status.capitalize(), status) for status in MESSAGE_STATUSES)]
        )
        self.channel_filter = choices(
            [("Any channel", None), *((CHANNEL_NAMES[name], name) for name in CHANNELS)]
        )
        self.refresh_button = button("Refresh")
        bar = filter_bar(
            ("Journey", self.journey_filter),
            ("Status", self.status_filter),
            ("Channel", self.channel_filter),
        )
        bar.addWidget(self.refresh_button)
        layout.addLayout(bar)

        self.model = RowsModel(COLUMNS)
        self.table = data_table(self.model, stretch=SUBJECT)
        fit_columns(self.table, COLUMNS, stretch=SUBJECT)
        layout.addWidget(self.table, 1)

        self.previous_button = button("‹ Newer")
        self.next_button = button("Older ›")
        self.position = QLabel("")
        self.position.setObjectName("placeholderText")
        pager = filter_bar(self.position)
        pager.addWidget(self.previous_button)
        pager.addWidget(self.next_button)
        layout.addLayout(pager)
        layout.addWidget(note(OPENS_NOTE))
        self.message = note("")
        layout.addWidget(self.message)

        self._loading = QTimer(self, singleShot=True, interval=LOADING_AFTER_MS)
        self._loading.timeout.connect(lambda: self.position.setText("Loading…"))
        for box in (self.journey_filter, self.status_filter, self.channel_filter):
            box.currentIndexChanged.connect(self.first_page)
        self.refresh_button.clicked.connect(self.refresh)
        self.previous_button.clicked.connect(lambda: self._go(self.offset - PAGE_SIZE))
        self.next_button.clicked.connect(lambda: self._go(self.offset + PAGE_SIZE))
        self.refresh()

    @property
    def filter(self) -> MessageFilter:
        return MessageFilter(
            journey=self.journey_filter.currentData(),
            status=self.status_filter.currentData(),
            channel=self.channel_filter.currentData(),
        )

    def first_page(self) -> None:
        self._go(0)

    def showEvent(self, event: QShowEvent) -> None:
        """Coming back to the page shows what the engine did meanwhile."""
        super().showEvent(event)
        if not event.spontaneous():  # navigated to, not a window restored
            self.refresh()

    def refresh(self) -> None:
        """Reload the page shown (and the journeys offered by the filter)."""
        self._go(self.offset)

    def _go(self, offset: int) -> None:
        workspace, where = self.context.workspace, self.filter
        offset = max(offset, 0)

        def work() -> tuple[MessagePage, list[str]]:
            return message_page(workspace, where, offset=offset, limit=PAGE_SIZE), journey_names(
                workspace
            )

        self.previous_button.setEnabled(False)
        self.next_button.setEnabled(False)
        self._loading.start()
        self.context.background.submit_latest("messages-page", work, self._show, self._failed)

    def _show(self, result: tuple[MessagePage, list[str]]) -> None:
        page, names = result
        self._loading.stop()
        set_choices(self.journey_filter, [ALL_JOURNEYS, *((name, name) for name in names)])
        if page.offset and not page.rows and page.total:  # the last page emptied meanwhile
            self._go((page.total - 1) // PAGE_SIZE * PAGE_SIZE)
            return
        self.offset, self.total = page.offset, page.total
        self.model.set_rows(page.rows)
        self.table.scrollToTop()
        if page.total:
            last = page.offset + len(page.rows)
            self.position.setText(f"{page.offset + 1:,}–{last:,} of {page.total:,} messages")
        else:
            self.position.setText("No messages match these filters.")
        self.previous_button.setEnabled(page.offset > 0)
        self.next_button.setEnabled(page.offset + len(page.rows) < page.total)
        self.message.setText("")
        self.loaded.emit()

    def _failed(self, error: BaseException) -> None:
        self._loading.stop()
        self.position.setText("")
        self.message.setText(f"Could not load the messages: {error}")
        self.previous_button.setEnabled(self.offset > 0)
        self.next_button.setEnabled(self.offset + self.model.rowCount() < self.total)
