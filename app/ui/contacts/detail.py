"""A contact's detail beside the contacts table: who they are, their consent, what they did,
and where they are in which journey.

:class:`ContactDetailPanel` is dumb: :meth:`show_contact` draws a
:class:`~app.services.contacts.ContactDetail` it is given, :meth:`show_message` a sentence in
its place (nothing selected, loading, not found). The page reads the detail off the GUI thread.
Tabs: Profile (fields, consent, custom attributes), Events (newest first), Journeys (status,
node, how it ended) and Messages.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFormLayout,
    QFrame,
    QHeaderView,
    QLabel,
    QScrollArea,
    QStackedWidget,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app.services.contacts import ContactDetail

FIELD_LABELS = {
    "external_id": "External id",
    "kind": "Kind",
    "email": "Email",
    "phone": "Phone",
    "first_name": "First name",
    "last_name": "Last name",
    "company": "Company",
    "country": "Country",
    "region": "Region",
    "city": "City",
    "owner": "Owner",
    "timezone": "Time zone",
    "created_at": "Created",
    "updated_at": "Updated",
}
"""The built-in fields the profile shows, in order (consent has its own section)."""

CONSENT_LABELS = {"email": "Email", "sms": "Text messages", "push": "Push notifications"}

END_REASONS = {
    "completed": "completed",
    "goal_reached": "reached the goal",
    "exit_event": "exit event",
    "excluded": "excluded",
    "left_segment": "left the segment",
    "journey_stopped": "journey stopped",
    "error": "error",
}


def moment(value: datetime | None) -> str:
    return "" if value is None else f"{value:%Y-%m-%d %H:%M} UTC"


def consent_text(value: bool | None) -> str:
    if value is None:
        return "unknown (no consent)"
    return "yes" if value else "no"


def shown(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, datetime):
        return moment(value)
    return str(value)


class ContactDetailPanel(QFrame):
    """The selected contact, or a sentence saying why there is none."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("contactDetail")
        self.setMinimumWidth(380)
        self.message = QLabel()
        self.message.setObjectName("placeholderText")
        self.message.setWordWrap(True)
        self.message.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.title = QLabel()
        self.title.setObjectName("detailTitle")
        title_font = self.title.font()
        title_font.setPointSizeF(title_font.pointSizeF() * 1.35)
        title_font.setWeight(QFont.Weight.DemiBold)
        self.title.setFont(title_font)
        self.subtitle = QLabel()
        self.subtitle.setObjectName("detailSubtitle")
        self.subtitle.setWordWrap(True)
        self.profile = QWidget()
        self.profile_form = QFormLayout(self.profile)
        self.events = _table(["When (UTC)", "Event", "Details"], stretch={2})
        self.journeys = _table(["Journey", "Status", "At node", "Entered → ended"], stretch={0, 2})
        self.messages = _table(
            ["Queued (UTC)", "Channel", "Journey", "Status", "Subject"], stretch={2, 4}
        )
        self.tabs = QTabWidget()
        self.tabs.setObjectName("detailTabs")
        self.tabs.setDocumentMode(True)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(self.profile)
        self.tabs.addTab(scroll, "Profile")
        self.tabs.addTab(self.events, "Events")
        self.tabs.addTab(self.journeys, "Journeys")
        self.tabs.addTab(self.messages, "Messages")
        content = QWidget()
        layout = QVBoxLayout(content)
        layout.setContentsMargins(16, 14, 16, 12)
        layout.setSpacing(4)
        layout.addWidget(self.title)
        layout.addWidget(self.subtitle)
        layout.addSpacing(8)
        layout.addWidget(self.tabs, 1)
        self.stack = QStackedWidget()
        self.stack.addWidget(self.message)
        self.stack.addWidget(content)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(self.stack)
        self.contact: ContactDetail | None = None
        self.show_message("Select a contact to see their details, events and journeys.")

    def show_message(self, text: str) -> None:
        self.contact = None
        self.message.setText(text)
        self.stack.setCurrentWidget(self.message)

    def show_contact(self, contact: ContactDetail) -> None:
        self.contact = contact
        fields = contact.fields
        self.title.setText(contact.name or fields.get("email") or f"Contact {contact.id}")
        where = ", ".join(str(part) for part in (fields.get("city"), fields.get("country")) if part)
        self.subtitle.setText(
            " · ".join(
                part
                for part in (str(fields.get("email") or ""), str(fields.get("kind")), where)
                if part
            )
        )
        self._fill_profile(contact)
        self._fill(
            self.events,
            [
                (_short(event.occurred_at), event.type, _properties(event.properties))
                for event in contact.events
            ],
        )
        self._fill(
            self.journeys,
            [
                (
                    run.journey + (f" (run {run.run})" if run.run > 1 else ""),
                    _run_status(run.status, run.end_reason),
                    run.node_title,
                    f"{run.entered_at:%Y-%m-%d} → "
                    + (f"{run.ended_at:%Y-%m-%d}" if run.ended_at else "now"),
                )
                for run in contact.journeys
            ],
        )
        self._fill(
            self.messages,
            [
                (
                    _short(message.queued_at),
                    message.channel,
                    message.journey,
                    message.status + (f" ({message.reason})" if message.reason else ""),
                    message.subject or "",
                )
                for message in contact.messages
            ],
        )
        shown_events = len(contact.events)
        events_title = f"Events ({contact.events_total:,})"
        if contact.events_total > shown_events:
            events_title = f"Events ({shown_events} newest of {contact.events_total:,})"
        self.tabs.setTabText(1, events_title)
        self.tabs.setTabText(2, f"Journeys ({len(contact.journeys)})")
        self.tabs.setTabText(3, f"Messages ({len(contact.messages)})")
        self.stack.setCurrentIndex(1)

    def _fill_profile(self, contact: ContactDetail) -> None:
        while self.profile_form.rowCount():
            self.profile_form.removeRow(0)
        self._heading("Details")
        for field, label in FIELD_LABELS.items():
            self._row(label, shown(contact.fields.get(field)))
        self._heading("Consent")
        for channel, label in CONSENT_LABELS.items():
            self._row(label, consent_text(contact.consent[channel]))
        self._heading("Custom attributes")
        if not contact.attributes:
            self._row("", "none")
        for attribute in contact.attributes:
            self._row(f"{attribute.key} ({attribute.type})", shown(attribute.value))

    def _heading(self, text: str) -> None:
        heading = QLabel(text)
        heading.setObjectName("panelHeading")
        self.profile_form.addRow(heading)

    def _row(self, label: str, value: str) -> None:
        shown_value = QLabel(value)
        shown_value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        shown_value.setWordWrap(True)
        self.profile_form.addRow(label, shown_value)

    @staticmethod
    def _fill(table: QTableWidget, rows: Sequence[Sequence[str]]) -> None:
        table.setRowCount(len(rows))
        for row, cells in enumerate(rows):
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setToolTip(text)
                table.setItem(row, column, item)


def _table(headers: list[str], stretch: set[int]) -> QTableWidget:
    """A read-only table: ``stretch`` columns share the width the others' contents leave."""
    table = QTableWidget(0, len(headers))
    table.setHorizontalHeaderLabels(headers)
    table.verticalHeader().hide()
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setWordWrap(False)
    header = table.horizontalHeader()
    for column in range(len(headers)):
        mode = (
            QHeaderView.ResizeMode.Stretch
            if column in stretch
            else QHeaderView.ResizeMode.ResizeToContents
        )
        header.setSectionResizeMode(column, mode)
    table.setAlternatingRowColors(True)
    return table


def _short(value: datetime | None) -> str:
    """A moment in a table whose header says UTC."""
    return "" if value is None else f"{value:%Y-%m-%d %H:%M}"


def _run_status(status: str, end_reason: str | None) -> str:
    """``in progress``, or how the run ended (``completed``, ``left the segment``, …)."""
    if status == "active":
        return "in progress"
    return END_REASONS.get(end_reason or "", end_reason or "ended")


def _properties(properties: dict[str, Any]) -> str:
    return ", ".join(f"{key}={value}" for key, value in properties.items())


__all__ = ["ContactDetailPanel"]
