"""The property form of one node, generated from its kind's config model in the registry.

The form has the node's title, then one row per field of the config model (the editor chosen by
:func:`~app.ui.designer.properties.factory.editor_for`). A config that is a union of models
told apart by a field (a wait's ``mode``) gets a choice of that field first and then the rows of
the chosen model; choosing another keeps the fields both share and fills the new model's
required fields with what their editors show, so the form never displays a value the document
lacks.

The form changes nothing itself: it emits ``title_edited``, ``field_edited(field, value)`` and
``config_reshaped(field, config)`` (a whole new config: a row added or removed, another wait
mode; one undo step of its own); the panel turns them into undoable edits. ``refresh`` shows
the document's values again (after an edit, an undo or a redo); ``shape`` says when the form must
be built anew instead (another node, another wait mode).
"""

from __future__ import annotations

from typing import Any, get_args

from pydantic import BaseModel
from pydantic.fields import FieldInfo
from PySide6.QtCore import Signal
from PySide6.QtWidgets import QLabel, QVBoxLayout

from app.domain.journey import Node
from app.domain.registry import NodeSpec, spec_for
from app.services.preview import sms_length
from app.ui.designer.properties.context import FormContext, choice_label, label_for
from app.ui.designer.properties.factory import editor_for
from app.ui.designer.properties.fields import BoolEditor, ChoiceEditor, FieldEditor, TextEditor
from app.ui.designer.properties.rows import FieldRow, RowsForm, error_label

STEP_NAME = "@title"
"""The row of the node's own title (a config may have a ``title`` field of its own)."""
NO_SETTINGS = (
    "It has no settings of its own; the journey's (entry segment, schedule, goal) show when "
    "nothing is selected."
)


def config_models(spec: NodeSpec) -> tuple[str | None, dict[str, type[BaseModel]]]:
    """The field that tells the models apart (None for one model) and the models by its value."""
    config_type = spec.config_type
    if isinstance(config_type, type) and issubclass(config_type, BaseModel):
        return None, {"": config_type}
    union, info = get_args(config_type)
    assert isinstance(info, FieldInfo) and isinstance(info.discriminator, str)
    field = info.discriminator
    models = {}
    for member in get_args(union):
        (value,) = get_args(member.model_fields[field].annotation)
        models[str(value)] = member
    return field, models


class NodeForm(RowsForm):
    title_edited = Signal(str)
    field_edited = Signal(str, object)
    config_reshaped = Signal(str, dict)

    def __init__(self, node: Node, context: FormContext) -> None:
        super().__init__()
        self.setObjectName("nodeForm")
        self.node_id = node.id
        self.context = context
        self.spec = spec_for(node.kind)
        self.rows: dict[str, FieldRow] = {}
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(12)
        self.general = error_label("formErrors")
        layout.addWidget(self.general)
        title = TextEditor(placeholder=self.spec.title)
        title.edited.connect(lambda text: self.title_edited.emit(text or ""))
        self._add_row(layout, STEP_NAME, "Step name", title)
        self.switch, self.models = config_models(self.spec) if self.spec.has_config else (None, {})
        config = node.config or {}
        self.model = self._model_of(config)
        if self.switch is not None:
            options = [(value, choice_label(value)) for value in self.models]
            chooser = ChoiceEditor(options, optional=self.model is None)
            chooser.edited.connect(self._switch_model)
            self._add_row(layout, self.switch, label_for(self.switch), chooser)
        for name, info in self.fields():
            editor = editor_for(name, info, self.spec, context)
            editor.edited.connect(lambda value, n=name: self.field_edited.emit(n, value))
            editor.reshaped.connect(lambda value, n=name: self._reshape_field(n, value))
            self._add_row(layout, name, label_for(name), editor)
        self.counted = self._sms_text_field()
        if self.counted is not None:
            counted = self.rows[self.counted]
            counted.editor.edited.connect(lambda value: self._count(counted, value))
        if not self.spec.has_config:
            note = QLabel(f"{self.spec.description} {NO_SETTINGS}")
            note.setObjectName("fieldHint")
            note.setWordWrap(True)
            layout.addWidget(note)
        layout.addStretch(1)
        self.refresh(node)

    def _model_of(self, config: dict[str, Any]) -> type[BaseModel] | None:
        if self.switch is None:
            return self.models.get("")
        return self.models.get(str(config.get(self.switch)))

    def fields(self) -> list[tuple[str, FieldInfo]]:
        if self.model is None:
            return []
        return [
            (name, info) for name, info in self.model.model_fields.items() if name != self.switch
        ]

    def _add_row(self, layout: QVBoxLayout, name: str, label: str, editor: FieldEditor) -> None:
        row = FieldRow(name, label, editor, hide_label=isinstance(editor, BoolEditor))
        self.rows[name] = row
        layout.addWidget(row)

    def shape(self, node: Node) -> tuple[str, str, type[BaseModel] | None]:
        """What the form was built for; a node of another shape needs a new form."""
        return (node.id, node.kind, self._model_of(node.config or {}))

    @property
    def built_for(self) -> tuple[str, str, type[BaseModel] | None]:
        return (self.node_id, self.spec.key, self.model)

    def refresh(self, node: Node) -> None:
        """Show ``node``'s values (editors already showing them are left alone)."""
        config = node.config or {}
        for name, row in self.rows.items():
            value = node.title if name == STEP_NAME else config.get(name)
            row.editor.set_value(value)
        if self.counted is not None:
            self._count(self.rows[self.counted], config.get(self.counted))

    def _sms_text_field(self) -> str | None:
        """The text of a text message, which gets a length and segment count under it."""
        if self.spec.channel != "sms" or not self.spec.templates:
            return None
        name = self.spec.templates[0].name
        return name if name in self.rows else None

    @staticmethod
    def _count(row: FieldRow, text: object) -> None:
        length = sms_length(text if isinstance(text, str) else "")
        row.set_hint(f"As written: {length.describe()}. Personalised text may be longer.")

    def _reshape_field(self, field: str, value: Any) -> None:
        node = self.context.document.node(self.node_id)
        if node is not None:
            self.config_reshaped.emit(field, {**(node.config or {}), field: value})

    def _switch_model(self, value: Any) -> None:
        """Another wait mode: keep the shared fields, fill the new required ones."""
        assert self.switch is not None
        model = self.models.get(str(value))
        node = self.context.document.node(self.node_id)
        if model is None or node is None:
            return
        old = node.config or {}
        config: dict[str, Any] = {self.switch: value}
        for name, info in model.model_fields.items():
            if name == self.switch:
                continue
            if name in old:
                config[name] = old[name]
            elif info.is_required():
                starter = editor_for(name, info, self.spec, self.context)
                starter.set_value(None)
                shown = starter.value()
                starter.deleteLater()
                if shown not in (None, "", []):
                    config[name] = shown
        self.config_reshaped.emit(self.switch, config)
