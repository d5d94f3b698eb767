"""Editors of durations and moments: a duration typed as ``5d`` and read back in words, a
date-time in UTC, a local time of day. Values are kept as the journey file writes them
(``"5d"``, ``"2026-12-24T09:00:00Z"``, ``"09:00"``)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from PySide6.QtCore import QDateTime, QTime, QTimeZone
from PySide6.QtWidgets import QCheckBox, QDateTimeEdit, QLabel, QLineEdit, QTimeEdit

from app.domain.durations import DurationError, describe_duration, parse_duration
from app.ui.designer.properties.fields import FieldEditor


class DurationEditor(FieldEditor):
    """A duration typed as ``5d``, ``12h``, ``30m`` (or ISO ``P5D``), read back in words."""

    def __init__(self, optional: bool = False, signed: bool = False) -> None:
        super().__init__()
        self.optional, self.signed = optional, signed
        self.line = QLineEdit()
        self.line.setPlaceholderText("none" if optional else "e.g. 5d, 12h, 30m")
        self.line.setMaximumWidth(120)
        self.line.textEdited.connect(self._typed)
        self.words = QLabel()
        self.words.setObjectName("fieldHint")
        self._layout.addWidget(self.line)
        self._layout.addWidget(self.words, 1)

    def value(self) -> str | None:
        text = self.line.text().strip()
        return None if not text and self.optional else text

    def _show(self, value: Any) -> None:
        self.line.setText("" if value is None else str(value))
        self._describe()

    def _describe(self) -> bool:
        text = self.line.text().strip()
        if not text:
            self.words.setText("")
            return True
        try:
            self.words.setText(describe_duration(parse_duration(text, signed=self.signed)))
        except DurationError:
            self.words.setText("")
            return False
        return True

    def _typed(self) -> None:
        self._describe()
        self._emit()


def _utc_text(moment: QDateTime) -> str:
    stamp = datetime.fromtimestamp(moment.toSecsSinceEpoch(), UTC)
    return stamp.strftime("%Y-%m-%dT%H:%M:%SZ")


def _parse_moment(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None


class DateTimeEditor(FieldEditor):
    """A moment in UTC; optional ones have a tick box that sets or clears it."""

    def __init__(self, optional: bool = False) -> None:
        super().__init__()
        self.optional = optional
        self.enabled = QCheckBox()
        self.enabled.setToolTip("Set a date")
        self.enabled.setVisible(optional)
        self.enabled.toggled.connect(self._toggled)
        self.edit = QDateTimeEdit()
        self.edit.setTimeZone(QTimeZone.utc())
        self.edit.setCalendarPopup(True)
        self.edit.setDisplayFormat("yyyy-MM-dd  HH:mm 'UTC'")
        self.edit.dateTimeChanged.connect(self._emit)
        self._layout.addWidget(self.enabled)
        self._layout.addWidget(self.edit, 1)
        self._show(None)

    def value(self) -> str | None:
        if self.optional and not self.enabled.isChecked():
            return None
        return _utc_text(self.edit.dateTime())

    def _show(self, value: Any) -> None:
        moment = _parse_moment(value)
        self.enabled.setChecked(moment is not None)
        self.edit.setEnabled(moment is not None or not self.optional)
        if moment is None:
            tomorrow = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
            moment = (tomorrow + timedelta(days=1)).replace(hour=9)
        self.edit.setDateTime(
            QDateTime.fromSecsSinceEpoch(int(moment.timestamp()), QTimeZone.utc())
        )

    def _toggled(self, on: bool) -> None:
        self.edit.setEnabled(on)
        self._emit()


class ClockEditor(FieldEditor):
    """A local time of day, ``HH:MM``."""

    def __init__(self) -> None:
        super().__init__()
        self.edit = QTimeEdit()
        self.edit.setDisplayFormat("HH:mm")
        self.edit.timeChanged.connect(self._emit)
        self._layout.addWidget(self.edit)
        self._layout.addStretch(1)

    def value(self) -> str:
        return str(self.edit.time().toString("HH:mm"))

    def _show(self, value: Any) -> None:
        time = QTime.fromString(str(value), "HH:mm") if isinstance(value, str) else QTime()
        self.edit.setTime(time if time.isValid() else QTime(9, 0))
