"""The journey settings form, shown when no node is selected.

Name and description, then the settings of DESIGN §4: audience, entry and exclusion segments,
re-entry (and after how long), exit on leaving the segment, exit events, goal, schedule, time
zone, quiet hours and frequency cap. The optional groups (goal, quiet hours, frequency cap) have
a tick box; ticking one on starts it with the values of the design's example.

Like the node form it changes nothing itself: ``text_edited(name or description, text)`` and
``setting_edited(field, value)`` carry values as a journey file writes them.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from functools import cache
from typing import Any
from zoneinfo import available_timezones

from PySide6.QtCore import QSignalBlocker, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QCheckBox, QFrame, QLabel, QVBoxLayout

from app.domain.journey import JourneyDocument, JourneySettings
from app.ui.designer.properties.annotations import literal_options
from app.ui.designer.properties.context import FormContext
from app.ui.designer.properties.fields import (
    BoolEditor,
    ChoiceEditor,
    FieldEditor,
    NameEditor,
    NameListEditor,
    NumberEditor,
    TextAreaEditor,
    TextEditor,
)
from app.ui.designer.properties.moments import ClockEditor, DateTimeEditor, DurationEditor
from app.ui.designer.properties.rows import FieldRow, RowsForm, error_label

JOURNEY_TEXT = ("name", "description")
STARTERS: Mapping[str, dict[str, Any]] = {
    "goal": {"event": "purchase", "target_percent": 10},
    "quiet_hours": {"start": "21:00", "end": "08:00"},
    "frequency_cap": {"max_messages": 3, "per": "7d"},
}


@cache
def timezone_names() -> tuple[str, ...]:
    return ("UTC", *sorted(name for name in available_timezones() if "/" in name))


class OptionalGroup(FieldEditor):
    """A group of values that is on (a dict) or off (None); keeps keys it does not show."""

    def __init__(
        self, text: str, editors: Mapping[str, tuple[str, FieldEditor]], starter: dict[str, Any]
    ):
        super().__init__()
        self.starter = starter
        self.on = QCheckBox(text)
        self.on.toggled.connect(self._toggled)
        self.box = QFrame()
        self.box.setObjectName("optionalGroup")
        inner = QVBoxLayout(self.box)
        inner.setContentsMargins(16, 2, 0, 0)
        inner.setSpacing(6)
        self.editors = {name: editor for name, (_label, editor) in editors.items()}
        for name, (label, editor) in editors.items():
            if label:
                caption = QLabel(label)
                caption.setObjectName("fieldLabel")
                inner.addWidget(caption)
            inner.addWidget(editor)
            editor.edited.connect(self._emit)
            editor.setObjectName(f"group_{name}")
        column = QVBoxLayout()
        column.setSpacing(4)
        column.addWidget(self.on)
        column.addWidget(self.box)
        self._layout.addLayout(column, 1)
        self._extra: dict[str, Any] = {}
        self._show(None)

    def value(self) -> dict[str, Any] | None:
        if not self.on.isChecked():
            return None
        value = dict(self._extra)
        for name, editor in self.editors.items():
            shown = editor.value()
            if shown is None:
                value.pop(name, None)
            else:
                value[name] = shown
        return value

    def set_value(self, value: Any) -> None:
        if value != self.value():
            self._show(value)

    def _show(self, value: Any) -> None:
        blocker = QSignalBlocker(self.on)
        self.on.setChecked(value is not None)
        del blocker
        self.box.setVisible(value is not None)
        data = value if isinstance(value, dict) else {}
        self._extra = {k: v for k, v in data.items() if k not in self.editors}
        for name, editor in self.editors.items():
            editor.set_value(data.get(name))

    def _toggled(self, on: bool) -> None:
        self.box.setVisible(on)
        if on:
            self._show(copy.deepcopy(self.starter))
        self._emit()


class EventListEditor(TextEditor):
    """Exit events as a comma-separated list of event names; filters of kept events stay."""

    def __init__(self) -> None:
        super().__init__(placeholder="e.g. purchase, unsubscribed")
        self._events: list[dict[str, Any]] = []

    def value(self) -> list[dict[str, Any]]:  # type: ignore[override]
        names = [part.strip() for part in self.line.text().split(",") if part.strip()]
        kept = {event.get("event"): event for event in self._events}
        return [kept.get(name, {"event": name}) for name in dict.fromkeys(names)]

    def set_value(self, value: Any) -> None:
        self._events = [dict(item) for item in value or [] if isinstance(item, dict)]
        names = [str(item.get("event", "")) for item in self._events]
        if [item["event"] for item in self.value()] != names:
            self.line.setText(", ".join(names))


class SettingsForm(RowsForm):
    text_edited = Signal(str, str)
    setting_edited = Signal(str, object)

    def __init__(self, document: JourneyDocument, context: FormContext) -> None:
        super().__init__()
        self.setObjectName("settingsForm")
        self.rows: dict[str, FieldRow] = {}
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._layout.setSpacing(12)
        self.general = error_label("formErrors")
        self._layout.addWidget(self.general)
        self._row("name", "Journey name", TextEditor())
        self._row("description", "Description", TextAreaEditor("What this journey is for"))
        self._heading("Who enters")
        self._row("audience", "Audience", ChoiceEditor(self._choices("audience")))
        self._row(
            "entry_segment", "Entry segment", NameEditor(context.segment_names, "Choose a segment")
        )
        self._row("exclusion_segments", "Exclusion segments", NameListEditor(context.segment_names))
        self._row("re_entry", "Re-entry", ChoiceEditor(self._choices("re_entry")))
        self._row("re_entry_after", "Re-enter after", DurationEditor(optional=True))
        self._heading("When they leave")
        self._row("exit_on_segment_leave", "", BoolEditor("Exit on leaving the entry segment"))
        self._row("exit_events", "Exit events", EventListEditor())
        goal = {
            "event": ("Goal event", TextEditor(placeholder="e.g. purchase")),
            "target_percent": ("Target", NumberEditor(0, 100, "%", optional=True)),
            "exit_on_goal": ("", BoolEditor("End the journey at the goal")),
        }
        self._row("goal", "", OptionalGroup("Track a goal", goal, STARTERS["goal"]))
        self._heading("When it runs")
        self._row("start_at", "Start", DateTimeEditor(optional=True))
        self._row("end_at", "End", DateTimeEditor(optional=True))
        self._row("timezone", "Time zone", NameEditor(lambda: timezone_names(), "UTC"))
        quiet = {"start": ("From", ClockEditor()), "end": ("Until", ClockEditor())}
        self._row(
            "quiet_hours",
            "",
            OptionalGroup("Quiet hours (no commercial messages)", quiet, STARTERS["quiet_hours"]),
        )
        cap = {
            "max_messages": ("At most (messages)", NumberEditor(1, 1000)),
            "per": ("Per", DurationEditor()),
        }
        self._row(
            "frequency_cap", "", OptionalGroup("Frequency cap", cap, STARTERS["frequency_cap"])
        )
        self._layout.addStretch(1)
        self.refresh(document)

    @staticmethod
    def _choices(field: str) -> list[tuple[str, str]]:
        return literal_options(JourneySettings.model_fields[field].annotation, field) or []

    def _heading(self, text: str) -> None:
        heading = QLabel(text)
        heading.setObjectName("formHeading")
        font = heading.font()
        font.setWeight(QFont.Weight.DemiBold)
        heading.setFont(font)
        heading.setContentsMargins(0, 6, 0, 0)
        self._layout.addWidget(heading)

    def _row(self, name: str, label: str, editor: FieldEditor) -> None:
        row = FieldRow(name, label, editor, hide_label=not label)
        if name in JOURNEY_TEXT:
            editor.edited.connect(lambda text, n=name: self.text_edited.emit(n, text or ""))
        else:
            editor.edited.connect(lambda value, n=name: self.setting_edited.emit(n, value))
        self.rows[name] = row
        self._layout.addWidget(row)

    def refresh(self, document: JourneyDocument) -> None:
        settings = document.settings.model_dump(mode="json", by_alias=True)
        for name, row in self.rows.items():
            value = getattr(document, name) if name in JOURNEY_TEXT else settings.get(name)
            row.editor.set_value(value)
