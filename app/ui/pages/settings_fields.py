"""Form fields of the Settings page: one per workspace setting, and secret fields.

A :class:`SettingField` pairs an editor with its setting's key, reads and writes the typed
value the settings layer expects, and shows that layer's complaint under the editor. A
:class:`SecretField` never shows a stored secret: it says whether one is set and where it is
kept, and hands over only what the user typed.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from PySide6.QtCore import SignalInstance
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from app.ui.pages.widgets import choices

FIELD_WIDTH = 200
LARGEST = 2_000_000_000
"""Spin boxes reach this far, so that no value the command line stored is clipped on show."""
PLACES = {"keyring": "Stored in keyring", "file": "Stored in file"}


def error_label() -> QLabel:
    label = QLabel("")
    label.setObjectName("fieldError")
    label.setWordWrap(True)
    label.hide()
    return label


@dataclass
class SettingField:
    """An editor for one setting, with the place its error is shown."""

    key: str
    editor: QWidget
    read: Callable[[], object]
    write: Callable[[object], None]
    changed: SignalInstance
    error: QLabel

    def show_error(self, text: str | None) -> None:
        self.error.setText(text or "")
        self.error.setVisible(bool(text))
        self.editor.setProperty("invalid", bool(text))
        self.editor.style().unpolish(self.editor)
        self.editor.style().polish(self.editor)

    def cell(self) -> QWidget:
        """The editor above its (usually hidden) error, as one form cell."""
        holder = QWidget()
        column = QVBoxLayout(holder)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(2)
        column.addWidget(self.editor)
        column.addWidget(self.error)
        return holder


def text_field(key: str, placeholder: str = "") -> SettingField:
    editor = QLineEdit()
    editor.setPlaceholderText(placeholder)
    editor.setMinimumWidth(FIELD_WIDTH)
    return SettingField(
        key, editor, editor.text, lambda v: editor.setText(str(v)), editor.textChanged,
        error_label(),
    )  # fmt: skip


def number_field(key: str, minimum: int, maximum: int, suffix: str = "") -> SettingField:
    editor = QSpinBox()
    editor.setRange(minimum, maximum)
    editor.setSuffix(suffix)
    editor.setMaximumWidth(160)
    return SettingField(
        key, editor, editor.value, lambda v: editor.setValue(int(str(v))), editor.valueChanged,
        error_label(),
    )  # fmt: skip


def rate_field(key: str) -> SettingField:
    editor = QDoubleSpinBox()
    editor.setRange(0, LARGEST)
    editor.setDecimals(2)
    editor.setSuffix(" a second")
    editor.setSpecialValueText("No limit")
    editor.setMaximumWidth(160)
    return SettingField(
        key, editor, editor.value, lambda v: editor.setValue(float(str(v))),
        editor.valueChanged, error_label(),
    )  # fmt: skip


def choice_field(key: str, options: Sequence[tuple[str, str]]) -> SettingField:
    editor: QComboBox = choices(options)
    editor.setMinimumWidth(200)

    def write(value: object) -> None:
        editor.setCurrentIndex(max(editor.findData(value), 0))

    return SettingField(
        key, editor, editor.currentData, write, editor.currentIndexChanged, error_label()
    )


def flag_field(key: str, text: str) -> SettingField:
    editor = QCheckBox(text)
    return SettingField(
        key, editor, editor.isChecked, lambda v: editor.setChecked(bool(v)), editor.toggled,
        error_label(),
    )  # fmt: skip


class SecretField(QWidget):
    """A password box that stores through the secret store and never shows what is stored."""

    def __init__(self, name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.name = name
        self.editor = QLineEdit()
        self.editor.setEchoMode(QLineEdit.EchoMode.Password)
        self.editor.setMinimumWidth(FIELD_WIDTH)
        self.place = QLabel("")
        self.place.setObjectName("secretPlace")
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(8)
        row.addWidget(self.editor, 1)
        row.addWidget(self.place)
        self.show_state(False, "file", "")

    @property
    def changed(self) -> SignalInstance:
        return self.editor.textChanged

    def typed(self) -> str:
        return self.editor.text()

    def show_state(self, is_set: bool, place: str, where: str) -> None:
        """Whether a secret is stored and where; clears what was typed."""
        self.editor.clear()
        if is_set:
            self.place.setText(PLACES.get(place, place))
            self.editor.setPlaceholderText("•••••••• (type to replace)")
        else:
            self.place.setText("Not set")
            self.editor.setPlaceholderText("")
        self.place.setToolTip(where)


def card(heading: str, about: str = "") -> tuple[QFrame, QFormLayout]:
    """A titled card with a form inside."""
    frame = QFrame()
    frame.setObjectName("placeholderCard")
    column = QVBoxLayout(frame)
    column.setContentsMargins(20, 16, 20, 18)
    column.setSpacing(8)
    title = QLabel(heading)
    title.setObjectName("panelHeading")
    column.addWidget(title)
    if about:
        text = QLabel(about)
        text.setObjectName("placeholderText")
        text.setWordWrap(True)
        column.addWidget(text)
    form = QFormLayout()
    form.setHorizontalSpacing(16)
    form.setVerticalSpacing(8)
    form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
    column.addLayout(form)
    return frame, form


def inline(*widgets: QWidget) -> QWidget:
    """Widgets side by side as one form cell."""
    holder = QWidget()
    row = QHBoxLayout(holder)
    row.setContentsMargins(0, 0, 0, 0)
    row.setSpacing(8)
    for widget in widgets:
        row.addWidget(widget)
    row.addStretch(1)
    return holder
