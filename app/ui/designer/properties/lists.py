"""The editor of a list of small models: an A/B test's variants, a split's cases.

Each item is a row of editors, one per field of the item model (built by the form's editor
factory, so a case's condition gets the condition editor); rows of short fields sit on one
line, rows with a long field are stacked in a card. Rows can be added and removed; when the
items have a ``weight``, the total is shown under the rows. Every change emits the whole list,
keeping fields of an item that the row does not show.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

from pydantic import BaseModel
from pydantic.fields import FieldInfo
from pydantic_core import PydanticUndefined
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QToolButton,
    QVBoxLayout,
)

from app.domain.registry import NodeSpec
from app.ui.designer.properties.annotations import literal_options
from app.ui.designer.properties.context import FormContext, label_for
from app.ui.designer.properties.fields import (
    ChoiceEditor,
    FieldEditor,
    NumberEditor,
    TextEditor,
)

EditorFactory = Callable[[str, FieldInfo, NodeSpec | None, FormContext], FieldEditor]
COMPACT = (TextEditor, NumberEditor, ChoiceEditor)
WEIGHT = "weight"


def singular(field: str) -> str:
    """``variants`` → ``variant``, ``cases`` → ``case``."""
    words = field.replace("_", " ")
    return words[:-1] if words.endswith("s") else words


class ItemRow(QFrame):
    """One item's editors and its remove button."""

    def __init__(
        self,
        field: str,
        model: type[BaseModel],
        context: FormContext,
        make_editor: EditorFactory,
        on_change: Callable[[], None],
        on_remove: Callable[[ItemRow], None],
        on_reshape: Callable[[], None],
    ) -> None:
        super().__init__()
        self.setObjectName("listItem")
        self.editors: dict[str, FieldEditor] = {
            name: make_editor(name, info, None, context)
            for name, info in model.model_fields.items()
        }
        self.extra: dict[str, Any] = {}
        self.remove = QToolButton()
        self.remove.setText("✕")
        self.remove.setToolTip("Remove")
        self.remove.clicked.connect(lambda: on_remove(self))
        compact = all(isinstance(editor, COMPACT) for editor in self.editors.values())
        if compact:
            layout: QHBoxLayout | QVBoxLayout = QHBoxLayout(self)
            for name, editor in self.editors.items():
                layout.addWidget(editor, 0 if isinstance(editor, NumberEditor) else 1)
                editor.setToolTip(label_for(name))
            layout.addWidget(self.remove)
        else:
            layout = QVBoxLayout(self)
            top = QHBoxLayout()
            (first_name, first), *rest = self.editors.items()
            caption = QLabel(f"{singular(field).capitalize()} {label_for(first_name).lower()}")
            caption.setObjectName("fieldLabel")
            layout.addWidget(caption)
            top.addWidget(first, 1)
            top.addWidget(self.remove)
            layout.addLayout(top)
            for name, editor in rest:
                caption = QLabel(label_for(name))
                caption.setObjectName("fieldLabel")
                layout.addWidget(caption)
                layout.addWidget(editor)
        layout.setContentsMargins(0, 2, 0, 2)
        layout.setSpacing(6)
        for editor in self.editors.values():
            editor.edited.connect(lambda _value: on_change())
            editor.reshaped.connect(lambda _value: on_reshape())

    def value(self) -> dict[str, Any]:
        item = dict(self.extra)
        for name, editor in self.editors.items():
            value = editor.value()
            if value is not None:
                item[name] = value
            else:
                item.pop(name, None)
        return item

    def set_value(self, item: dict[str, Any]) -> None:
        self.extra = {k: v for k, v in item.items() if k not in self.editors}
        for name, editor in self.editors.items():
            editor.set_value(item.get(name))


class ModelListEditor(FieldEditor):
    def __init__(
        self,
        field: str,
        model: type[BaseModel],
        context: FormContext,
        make_editor: EditorFactory,
    ) -> None:
        super().__init__()
        self.field, self.model, self.context = field, model, context
        self.make_editor = make_editor
        self.rows: list[ItemRow] = []
        body = QVBoxLayout()
        body.setContentsMargins(0, 0, 0, 0)
        body.setSpacing(4)
        self.rows_box = QVBoxLayout()
        compact = all(
            info.annotation in (str, int) or literal_options(info.annotation) is not None
            for info in model.model_fields.values()
        )
        self.rows_box.setSpacing(2 if compact else 12)
        body.addLayout(self.rows_box)
        footer = QHBoxLayout()
        self.add = QPushButton(f"Add {singular(field)}")
        self.add.setObjectName("secondaryButton")
        self.add.clicked.connect(self.add_item)
        self.total = QLabel()
        self.total.setObjectName("fieldHint")
        self.total.setVisible(WEIGHT in model.model_fields)
        footer.addWidget(self.add)
        footer.addStretch(1)
        footer.addWidget(self.total)
        body.addLayout(footer)
        self._layout.addLayout(body, 1)
        self._items: list[dict[str, Any]] = []

    def value(self) -> list[dict[str, Any]]:
        return [row.value() for row in self.rows]

    def set_value(self, value: Any) -> None:
        items = [dict(item) for item in value if isinstance(item, dict)] if value else []
        if len(items) != len(self.rows):
            self._rebuild(len(items))
        for row, item in zip(self.rows, items, strict=True):
            row.set_value(item)
        self._show_total()

    def _show(self, value: Any) -> None:  # pragma: no cover - set_value does it all
        self.set_value(value)

    def _rebuild(self, count: int) -> None:
        for row in self.rows:
            row.setParent(None)
            row.deleteLater()
        self.rows = []
        for _ in range(count):
            row = ItemRow(
                self.field,
                self.model,
                self.context,
                self.make_editor,
                self._changed,
                self._remove,
                lambda: self.reshaped.emit(self.value()),
            )
            self.rows.append(row)
            self.rows_box.addWidget(row)

    def _changed(self) -> None:
        self._show_total()
        self.edited.emit(self.value())

    def _show_total(self) -> None:
        if WEIGHT not in self.model.model_fields:
            return
        weights = [row.value().get(WEIGHT) for row in self.rows]
        total = sum(weight for weight in weights if isinstance(weight, int))
        self.total.setText(f"Total {total}%" + ("" if total == 100 else " (needs 100%)"))
        self.total.setProperty("state", "ok" if total == 100 else "errors")

    def _remove(self, row: ItemRow) -> None:
        items = self.value()
        del items[self.rows.index(row)]
        self.reshaped.emit(items)

    def add_item(self) -> None:
        self.reshaped.emit([*self.value(), self.new_item()])

    def new_item(self) -> dict[str, Any]:
        """A new item: a name not used yet, the model's defaults, an empty condition group."""
        taken = {row.value().get("name") for row in self.rows}
        item: dict[str, Any] = {}
        for name, info in self.model.model_fields.items():
            if name == "name":
                number = len(self.rows) + 1
                while f"{singular(self.field).capitalize()} {number}" in taken:
                    number += 1
                item[name] = f"{singular(self.field).capitalize()} {number}"
            elif info.default is not PydanticUndefined and info.default is not None:
                item[name] = copy.deepcopy(info.default)
            elif info.annotation is int:
                item[name] = 0
            elif name == "condition":
                item[name] = {"all": []}
        return item
