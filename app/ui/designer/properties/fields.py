"""Field editors: one small widget per kind of value a property form edits.

Every editor holds a raw value as the journey file writes it (text, ``"5d"``, ``"09:00"``,
``"2026-12-24T09:00:00Z"``, a list, a dict) and emits ``edited(value)`` when the user changes
it; ``set_value`` shows a value from the document without emitting, and leaves the widget alone
when it already shows that value (so refreshing a form while someone types in it never moves
their cursor). ``None`` means "not set" for optional values. Durations, date-times and times
of day have their editors in :mod:`~app.ui.designer.properties.moments`.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any

from PySide6.QtCore import QSignalBlocker, Qt, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QGridLayout,
    QHBoxLayout,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMenu,
    QPlainTextEdit,
    QSpinBox,
    QToolButton,
    QWidget,
)

Options = Sequence[tuple[str, str]]
"""(value, label) pairs of a choice."""


def narrow_combo() -> QComboBox:
    """A combo box that fits a narrow panel: its width does not grow with its longest entry."""
    combo = QComboBox()
    combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
    combo.setMinimumContentsLength(8)
    return combo


class FieldEditor(QWidget):
    """A value editor; subclasses build their widgets and implement ``value``/``_show``."""

    edited = Signal(object)
    reshaped = Signal(object)
    """A new value that changes the shape of what is edited (a row added or removed): one undo
    step of its own, never merged with typing."""
    problem = Signal(str)
    """A sentence when the text typed cannot be a value at all (bad JSON); "" when it can."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._layout = QHBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._layout.setSpacing(6)

    def value(self) -> Any:
        raise NotImplementedError

    def set_value(self, value: Any) -> None:
        if value != self.value():
            blockers = [QSignalBlocker(child) for child in self.findChildren(QWidget)]
            try:
                self._show(value)
            finally:
                del blockers

    def _show(self, value: Any) -> None:
        raise NotImplementedError

    def _emit(self, *_args: object) -> None:
        self.edited.emit(self.value())


class TextEditor(FieldEditor):
    """One line of text; empty is None when ``optional``."""

    def __init__(self, optional: bool = False, placeholder: str = "") -> None:
        super().__init__()
        self.optional = optional
        self.line = QLineEdit()
        self.line.setPlaceholderText(placeholder)
        self.line.textEdited.connect(self._emit)
        self._layout.addWidget(self.line)

    def value(self) -> str | None:
        text = self.line.text()
        return None if self.optional and not text.strip() else text

    def _show(self, value: Any) -> None:
        self.line.setText("" if value is None else str(value))
        self.line.setCursorPosition(0)


class TextAreaEditor(FieldEditor):
    """Several lines of plain text (a description)."""

    def __init__(self, placeholder: str = "") -> None:
        super().__init__()
        self.area = QPlainTextEdit()
        self.area.setPlaceholderText(placeholder)
        self.area.setTabChangesFocus(True)
        self.area.setFixedHeight(64)
        self.area.textChanged.connect(self._emit)
        self._layout.addWidget(self.area)

    def value(self) -> str:
        return self.area.toPlainText()

    def _show(self, value: Any) -> None:
        self.area.setPlainText("" if value is None else str(value))


class VariableButton(QToolButton):
    """“{ }” with a menu of the template variables; choosing one asks to insert ``{{ name }}``."""

    chosen = Signal(str)

    def __init__(self, variables: Callable[[], Sequence[str]]) -> None:
        super().__init__()
        self.setText("{ }")
        self.setToolTip("Insert a personalisation variable")
        self.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self._variables = variables
        self.setMenu(QMenu(self))
        menu = self.menu()
        assert menu is not None
        menu.aboutToShow.connect(self._fill)
        self._fill()

    def _fill(self) -> None:
        menu = self.menu()
        assert menu is not None
        menu.clear()
        for name in self._variables():
            action = QAction(name, menu)
            action.triggered.connect(lambda _checked=False, n=name: self.chosen.emit(n))
            menu.addAction(action)


def placeholder_for(variable: str) -> str:
    return "{{ " + variable + " }}"


class TemplateEditor(FieldEditor):
    """Template text with a variable picker; a text area for bodies, a line for subjects."""

    def __init__(self, variables: Callable[[], Sequence[str]], multiline: bool) -> None:
        super().__init__()
        self._layout.setAlignment(Qt.AlignmentFlag.AlignTop)
        self.area: QPlainTextEdit | None = None
        self.line: QLineEdit | None = None
        if multiline:
            self.area = QPlainTextEdit()
            self.area.setTabChangesFocus(True)
            self.area.setMinimumHeight(96)
            self.area.textChanged.connect(self._emit)
            self._layout.addWidget(self.area)
        else:
            self.line = QLineEdit()
            self.line.textEdited.connect(self._emit)
            self._layout.addWidget(self.line)
        self.variables = VariableButton(variables)
        self.variables.chosen.connect(self.insert_variable)
        self._layout.addWidget(self.variables, 0, Qt.AlignmentFlag.AlignTop)

    def value(self) -> str:
        if self.area is not None:
            return self.area.toPlainText()
        assert self.line is not None
        return self.line.text()

    def _show(self, value: Any) -> None:
        text = "" if value is None else str(value)
        if self.area is not None:
            self.area.setPlainText(text)
        elif self.line is not None:
            self.line.setText(text)
            self.line.setCursorPosition(0)

    def insert_variable(self, variable: str) -> None:
        """Put ``{{ variable }}`` at the cursor, as typing it would."""
        if self.area is not None:
            self.area.insertPlainText(placeholder_for(variable))  # emits through textChanged
            self.area.setFocus()
        elif self.line is not None:
            self.line.insert(placeholder_for(variable))
            self.line.setFocus()
            self._emit()


class ChoiceEditor(FieldEditor):
    """One of a few values; ``optional`` adds “—” for none."""

    def __init__(self, options: Options, optional: bool = False) -> None:
        super().__init__()
        self.combo = narrow_combo()
        if optional:
            self.combo.addItem("—", None)
        for value, label in options:
            self.combo.addItem(label, value)
        self.combo.activated.connect(self._emit)
        self._layout.addWidget(self.combo, 1)

    def value(self) -> Any:
        return self.combo.currentData()

    def _show(self, value: Any) -> None:
        index = self.combo.findData(value)
        if index < 0 and value is not None:
            self.combo.addItem(str(value), value)
            index = self.combo.count() - 1
        self.combo.setCurrentIndex(max(index, 0))


class NameEditor(FieldEditor):
    """A name picked from a list or typed (segments, contact fields); empty is None."""

    def __init__(self, names: Callable[[], Sequence[str]], placeholder: str = "") -> None:
        super().__init__()
        self._names = names
        self.combo = narrow_combo()
        self.combo.setEditable(True)
        self.combo.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        line = self.combo.lineEdit()
        assert line is not None
        line.setPlaceholderText(placeholder)
        line.textEdited.connect(self._emit)
        self.combo.activated.connect(self._emit)
        self._layout.addWidget(self.combo, 1)
        self._fill("")

    def _fill(self, current: str) -> None:
        self.combo.clear()
        names = list(dict.fromkeys([*self._names(), *([current] if current else [])]))
        self.combo.addItems(names)
        self.combo.setCurrentText(current)

    def value(self) -> str | None:
        return self.combo.currentText().strip() or None

    def _show(self, value: Any) -> None:
        self._fill("" if value is None else str(value))


class BoolEditor(FieldEditor):
    def __init__(self, text: str) -> None:
        super().__init__()
        self.box = QCheckBox(text)
        self.box.toggled.connect(self._emit)
        self._layout.addWidget(self.box)

    def value(self) -> bool:
        return self.box.isChecked()

    def _show(self, value: Any) -> None:
        self.box.setChecked(bool(value))


class NumberEditor(FieldEditor):
    """A whole number within a range, with an optional unit after it (``%``)."""

    def __init__(self, low: int, high: int, suffix: str = "", optional: bool = False) -> None:
        super().__init__()
        self.optional = optional
        self.spin = QSpinBox()
        self.spin.setRange(low - 1 if optional else low, high)
        if optional:
            self.spin.setSpecialValueText("—")
        self.spin.setSuffix(suffix)
        self.spin.setMinimumWidth(80)
        self.spin.valueChanged.connect(self._emit)
        self._layout.addWidget(self.spin)
        self._layout.addStretch(1)

    def value(self) -> int | None:
        number = self.spin.value()
        return None if self.optional and number < self.spin.minimum() + 1 else number

    def _show(self, value: Any) -> None:
        if isinstance(value, int | float) and not isinstance(value, bool):
            self.spin.setValue(int(value))
        else:
            self.spin.setValue(self.spin.minimum())


class ChecklistEditor(FieldEditor):
    """Several of a few values, as tick boxes, ``per_row`` to a row (weekdays: Mon–Thu, Fri–Sun)."""

    def __init__(self, options: Options, per_row: int = 4) -> None:
        super().__init__()
        self.boxes: dict[str, QCheckBox] = {}
        grid = QGridLayout()
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setHorizontalSpacing(12)
        grid.setVerticalSpacing(4)
        for index, (value, label) in enumerate(options):
            box = QCheckBox(label)
            box.toggled.connect(self._emit)
            self.boxes[value] = box
            grid.addWidget(box, index // per_row, index % per_row)
        self._layout.addLayout(grid)
        self._layout.addStretch(1)

    def value(self) -> list[str]:
        return [value for value, box in self.boxes.items() if box.isChecked()]

    def _show(self, value: Any) -> None:
        chosen = set(value) if isinstance(value, list) else set()
        for name, box in self.boxes.items():
            box.setChecked(name in chosen)


class NameListEditor(FieldEditor):
    """Names ticked in a list of names (exclusion segments); names not offered stay listed."""

    def __init__(self, names: Callable[[], Sequence[str]]) -> None:
        super().__init__()
        self._names = names
        self.list = QListWidget()
        self.list.setObjectName("nameList")
        self.list.setMaximumHeight(110)
        self.list.itemChanged.connect(self._emit)
        self._layout.addWidget(self.list, 1)
        self._fill([])

    def _fill(self, chosen: Sequence[str]) -> None:
        self.list.clear()
        for name in dict.fromkeys([*self._names(), *chosen]):
            item = QListWidgetItem(name)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Checked if name in chosen else Qt.CheckState.Unchecked)
            self.list.addItem(item)

    def value(self) -> list[str]:
        items = (self.list.item(row) for row in range(self.list.count()))
        return [item.text() for item in items if item.checkState() == Qt.CheckState.Checked]

    def _show(self, value: Any) -> None:
        self._fill(list(value) if isinstance(value, list) else [])


class JsonEditor(FieldEditor):
    """A value written as JSON (conditions, for now); text that is not JSON is not emitted."""

    def __init__(self, placeholder: str = "") -> None:
        super().__init__()
        self.area = QPlainTextEdit()
        self.area.setObjectName("jsonEditor")
        self.area.setPlaceholderText(placeholder)
        self.area.setTabChangesFocus(True)
        self.area.setMinimumHeight(64)
        self.area.setMaximumHeight(104)
        self.area.textChanged.connect(self._typed)
        self._value: Any = None
        self._layout.addWidget(self.area)

    def value(self) -> Any:
        return self._value

    def set_value(self, value: Any) -> None:
        if value != self._value or not self.area.toPlainText().strip():
            self._value = value
            blocker = QSignalBlocker(self.area)
            self.area.setPlainText("" if value is None else json.dumps(value, ensure_ascii=False))
            del blocker
            self.problem.emit("")

    def _show(self, value: Any) -> None:  # pragma: no cover - set_value does it all
        self.set_value(value)

    def _typed(self) -> None:
        text = self.area.toPlainText().strip()
        try:
            parsed = json.loads(text) if text else None
        except json.JSONDecodeError as error:
            self.problem.emit(f"This is not JSON yet: {error.msg} (line {error.lineno}).")
            return
        self.problem.emit("")
        self._value = parsed
        self.edited.emit(parsed)
