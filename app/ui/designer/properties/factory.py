"""Which editor edits a config field: read from the field's type in the kind's config model.

:func:`editor_for` looks at a pydantic field (its annotation and metadata) and picks an editor:
text, template text (when the registry lists the field as a template), duration, date-time,
time of day, choice (``Literal``), several choices (a list of ``Literal``), tick box, number,
a list of small models (variants, cases), a branch condition, and JSON for anything else. So a
new node kind gets its form from its config model without a hand-written form (STYLE 2).
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import get_args, get_origin

from pydantic import AwareDatetime
from pydantic.fields import FieldInfo

from app.domain.durations import SignedDuration
from app.domain.registry import NodeSpec
from app.ui.designer.properties.annotations import (
    base_type,
    is_branch_condition,
    is_condition,
    list_item_model,
    literal_options,
    number_bounds,
    strip_optional,
)
from app.ui.designer.properties.condition import BranchConditionEditor
from app.ui.designer.properties.condition_tree import ConditionTreeEditor
from app.ui.designer.properties.context import FormContext, label_for
from app.ui.designer.properties.fields import (
    BoolEditor,
    ChecklistEditor,
    ChoiceEditor,
    FieldEditor,
    JsonEditor,
    NameEditor,
    NumberEditor,
    TemplateEditor,
    TextEditor,
)
from app.ui.designer.properties.lists import ModelListEditor
from app.ui.designer.properties.moments import ClockEditor, DateTimeEditor, DurationEditor


def editor_for(
    name: str, info: FieldInfo, spec: NodeSpec | None, context: FormContext
) -> FieldEditor:
    """The editor for config field ``name`` of a node of kind ``spec``."""
    template = next((t for t in spec.templates if t.name == name), None) if spec else None
    if template is not None:
        return TemplateEditor(context.variables, template.multiline)
    annotation, optional = strip_optional(info.annotation)
    optional = optional or (not info.is_required() and info.default is None)
    base, metadata = base_type(annotation)
    metadata = (*metadata, *info.metadata)
    if is_branch_condition(annotation):
        return BranchConditionEditor(context)
    if is_condition(annotation):
        return ConditionTreeEditor(context)
    if base is timedelta:
        signed = any(item in get_args(SignedDuration)[1:] for item in metadata)
        return DurationEditor(optional=optional, signed=signed)
    if base in (datetime, AwareDatetime):
        return DateTimeEditor(optional=optional)
    if base is time:
        return ClockEditor()
    if base is bool:
        return BoolEditor(label_for(name))
    if base is int:
        return NumberEditor(*number_bounds(metadata), optional=optional)
    options = literal_options(annotation, name)
    if options is not None:
        return ChoiceEditor(options, optional=optional)
    if get_origin(base) is list and literal_options(get_args(base)[0]) is not None:
        days = literal_options(get_args(base)[0], name) or []
        return ChecklistEditor(days)
    item_model = list_item_model(annotation)
    if item_model is not None:
        return ModelListEditor(name, item_model, context, editor_for)
    if base is str and name == "field":
        return NameEditor(context.date_fields, "attributes.renewal_date")
    if base is str:
        return TextEditor(optional=optional)
    return JsonEditor()
