"""The value part of an attribute condition: an editor that fits the field's type and operator.

:func:`value_editor` picks it: nothing for ``is_empty``; yes/no for booleans; a duration
(``30d``) for ``in the last`` / ``more than … ago``; a date and time (UTC) for ``before`` /
``after``; two bounds for ``between``; a comma-separated list for ``is one of`` (with a menu of
the values present for choice fields); else a line edit (with those values as completions).
Each editor emits ``edited(value, typing)``: ``typing`` is True for keystrokes, which the undo
stack merges into one step.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from PySide6.QtCore import QDateTime, Qt, QTimeZone, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QCompleter,
    QDateTimeEdit,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMenu,
    QToolButton,
    QWidget,
)

from app.domain.conditions import DATE_OPS, DURATION_OPS, LIST_OPS, NO_VALUE_OPS, Op
from app.ui.segments.fields import FieldSpec, iso_text, join_list, parse_number, split_list

Choices = Callable[[str], list[str] | None]
"""The values present for a field, or None while they are being fetched."""

DATE_FORMAT = "yyyy-MM-dd HH:mm"


class ValueEditor(QWidget):
    edited = Signal(object, bool)
    """(new value, typing)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("valueEditor")
        self.layout_ = QHBoxLayout(self)
        self.layout_.setContentsMargins(0, 0, 0, 0)
        self.layout_.setSpacing(6)


def value_editor(spec: FieldSpec, op: Op, value: Any, choices: Choices) -> ValueEditor:
    editor = ValueEditor()
    if op in NO_VALUE_OPS:
        editor.hide()
    elif spec.type == "boolean":
        _boolean(editor, value)
    elif op in DURATION_OPS:
        _line(editor, value, lambda text: text.strip(), "30d", width=70)
    elif op in DATE_OPS:
        _dates(editor, [value], lambda bounds: bounds[0])
    elif op is Op.BETWEEN and spec.type == "datetime":
        bounds = value if isinstance(value, list) and len(value) == 2 else [None, None]
        _dates(editor, bounds, list)
    elif op is Op.BETWEEN:
        _between_numbers(editor, spec, value)
    elif op in LIST_OPS:
        _list(editor, spec, value, choices)
    elif spec.type == "number":
        _line(editor, value, lambda text: parse_number(text, spec.integer), "a number", width=110)
    else:
        line = _line(editor, value, lambda text: text, "a value", width=140)
        present = choices(spec.name) if spec.has_choices else None
        if present:
            completer = QCompleter(present, line)
            completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
            line.setCompleter(completer)
    return editor


def _line(
    editor: ValueEditor, value: Any, parse: Callable[[str], Any], hint: str, width: int
) -> QLineEdit:
    line = QLineEdit(join_list(value))
    line.setObjectName("valueText")
    line.setPlaceholderText(hint)
    line.setMinimumWidth(width)
    line.textEdited.connect(lambda text: editor.edited.emit(parse(text), True))
    editor.layout_.addWidget(line, 1)
    return line


def _boolean(editor: ValueEditor, value: Any) -> None:
    combo = QComboBox()
    combo.setObjectName("valueChoice")
    combo.addItem("yes", True)
    combo.addItem("no", False)
    combo.setCurrentIndex(0 if value is not False else 1)
    combo.activated.connect(lambda index: editor.edited.emit(combo.itemData(index), False))
    editor.layout_.addWidget(combo)


def _dates(editor: ValueEditor, bounds: list[Any], shape: Callable[[list[str]], Any]) -> None:
    edits: list[QDateTimeEdit] = []

    def emit() -> None:
        editor.edited.emit(shape([iso(edit.dateTime()) for edit in edits]), False)

    for index, bound in enumerate(bounds):
        if index:
            editor.layout_.addWidget(QLabel("and"))
        edit = QDateTimeEdit(qt_moment(bound))
        edit.setObjectName("valueDate")
        edit.setTimeZone(QTimeZone.utc())
        edit.setDisplayFormat(DATE_FORMAT)
        edit.setCalendarPopup(True)
        edit.editingFinished.connect(emit)
        edits.append(edit)
        editor.layout_.addWidget(edit)
    editor.layout_.addWidget(QLabel("UTC"))


def _between_numbers(editor: ValueEditor, spec: FieldSpec, value: Any) -> None:
    bounds = value if isinstance(value, list) and len(value) == 2 else ["", ""]
    lines: list[QLineEdit] = []

    def emit() -> None:
        editor.edited.emit([parse_number(line.text(), spec.integer) for line in lines], True)

    for index, bound in enumerate(bounds):
        if index:
            editor.layout_.addWidget(QLabel("and"))
        line = QLineEdit(join_list(bound))
        line.setObjectName("valueText")
        line.setPlaceholderText("a number")
        line.setMinimumWidth(80)
        line.textEdited.connect(lambda _text: emit())
        lines.append(line)
        editor.layout_.addWidget(line)


def _list(editor: ValueEditor, spec: FieldSpec, value: Any, choices: Choices) -> None:
    def parse(text: str) -> list[Any]:
        items = split_list(text)
        if spec.type == "number":
            return [parse_number(item, spec.integer) for item in items]
        return list(items)

    line = _line(editor, value, parse, "values, separated by commas", width=140)
    if not spec.has_choices:
        return
    button = QToolButton()
    button.setObjectName("valueChoicesButton")
    button.setText("Choose…")
    button.setToolTip("Pick from the values present in this workspace")
    menu = QMenu(button)

    def fill() -> None:
        menu.clear()
        present = choices(spec.name)
        if present is None:
            menu.addAction("Loading the values present…").setEnabled(False)
            return
        if not present:
            menu.addAction("No values present in this field").setEnabled(False)
        chosen = split_list(line.text())
        for item in present:
            action = menu.addAction(item)
            action.setCheckable(True)
            action.setChecked(item in chosen)
            action.toggled.connect(lambda on, item=item: toggle(item, on))

    def toggle(item: str, on: bool) -> None:
        chosen = [value for value in split_list(line.text()) if value != item]
        if on:
            chosen.append(item)
        line.setText(join_list(chosen))
        editor.edited.emit(chosen, False)

    menu.aboutToShow.connect(fill)
    button.setMenu(menu)
    button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
    editor.layout_.addWidget(button)


def qt_moment(value: Any) -> QDateTime:
    """A condition's ISO date-time as a QDateTime in UTC (today at midnight when unset)."""
    moment: datetime | None = None
    if isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            moment = None
    if moment is None or moment.tzinfo is None:
        moment = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    stamp = int(moment.astimezone(UTC).timestamp())
    return QDateTime.fromSecsSinceEpoch(stamp, QTimeZone.utc())


def iso(moment: QDateTime) -> str:
    return iso_text(datetime.fromtimestamp(moment.toSecsSinceEpoch(), UTC))
