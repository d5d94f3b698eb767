"""The single conditions of the builder: attribute, behaviour and segment membership rows.

A row shows one condition of the draft (its JSON) at a path and turns what the user does into
an intent on :class:`BuilderActions` (“put this condition there”); it never changes the draft
itself, so every change goes through the undo stack. Rows are rebuilt from the draft after
each structural change; typing only emits, since the row already shows what was typed.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QSpinBox,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from app.domain.conditions import NO_VALUE_OPS, Op
from app.domain.segment_edits import ConditionPath, Json
from app.ui.segments.fields import (
    OP_LABELS,
    PROPERTY_OPS,
    FieldSpec,
    default_op,
    default_value,
    join_list,
    parse_property_value,
    spec_for,
    split_list,
)
from app.ui.segments.flow import FlowLayout
from app.ui.segments.value_editors import Choices, value_editor


class BuilderActions(Protocol):
    """What rows and groups ask of the builder; each becomes one undoable edit."""

    def replace(
        self, path: ConditionPath, after: Json, label: str, merge_key: str | None = None
    ) -> None: ...

    def remove(self, path: ConditionPath) -> None: ...

    def negate(self, path: ConditionPath) -> None: ...

    def add(self, parent: ConditionPath, condition: Json) -> None: ...

    def set_group_kind(self, path: ConditionPath, kind: str) -> None: ...


@dataclass
class RowContext:
    """What every row needs to offer its choices."""

    actions: BuilderActions
    specs: list[FieldSpec]
    event_types: list[str]
    segment_names: list[str]
    choices: Choices
    today: datetime
    rows: dict[ConditionPath, ConditionFrame] = field(default_factory=dict)
    """Every condition's frame by path, filled as the tree is built (problems go there)."""


class ConditionFrame(QFrame):
    """A frame around one condition or group, with a line for the reason it is invalid."""

    def __init__(self, object_name: str, path: ConditionPath) -> None:
        super().__init__()
        self.setObjectName(object_name)
        self.path = path
        self.problem = QLabel()
        self.problem.setObjectName("conditionProblem")
        self.problem.setWordWrap(True)
        self.problem.hide()

    def set_problem(self, message: str | None) -> None:
        self.problem.setText(message or "")
        self.problem.setVisible(bool(message))
        self.setProperty("state", "error" if message else "")
        self.style().unpolish(self)
        self.style().polish(self)


def tool_button(text: str, tip: str, slot: Callable[[], None], name: str) -> QToolButton:
    button = QToolButton()
    button.setObjectName(name)
    button.setText(text)
    button.setToolTip(tip)
    button.clicked.connect(slot)
    return button


def row_tools(frame: ConditionFrame, context: RowContext) -> list[QToolButton]:
    """“Not” and “Remove” for a condition."""
    path = frame.path
    return [
        tool_button(
            "Not", "Turn this condition around", lambda: context.actions.negate(path), "notButton"
        ),
        tool_button(
            "✕", "Remove this condition", lambda: context.actions.remove(path), "removeButton"
        ),
    ]


def combo(items: list[tuple[str, Any]], current: Any, name: str) -> QComboBox:
    box = QComboBox()
    box.setObjectName(name)
    box.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
    box.setMinimumContentsLength(7)
    for text, data in items:
        box.addItem(text, data)
    index = box.findData(current)
    if index < 0 and current is not None:
        box.addItem(str(current), current)
        index = box.count() - 1
    box.setCurrentIndex(max(index, 0))
    return box


def _line_layout(frame: ConditionFrame) -> tuple[QVBoxLayout, FlowLayout, QHBoxLayout]:
    """The row's layout: what the condition says (wrapping when narrow), then its tools."""
    outer = QVBoxLayout(frame)
    outer.setContentsMargins(8, 5, 5, 5)
    outer.setSpacing(4)
    top = QHBoxLayout()
    top.setSpacing(6)
    content = QWidget()
    content.setObjectName("conditionContent")
    line = FlowLayout(content)
    top.addWidget(content, 1)
    tools = QHBoxLayout()
    tools.setSpacing(6)
    top.addLayout(tools)
    top.setAlignment(tools, Qt.AlignmentFlag.AlignTop)
    outer.addLayout(top)
    return outer, line, tools


class AttributeRow(ConditionFrame):
    """``field  operator  value`` on a contact field."""

    def __init__(self, condition: Json, path: ConditionPath, context: RowContext) -> None:
        super().__init__("conditionRow", path)
        self.context = context
        self.test: Json = condition["attribute"]
        self.spec = spec_for(str(self.test.get("field", "")), context.specs)
        outer, line, tools = _line_layout(self)
        self.field_box = combo(
            [(spec.label, spec.name) for spec in context.specs], self.spec.name, "fieldChoice"
        )
        self.field_box.activated.connect(lambda _i: self._field_chosen())
        op = _op(self.test.get("op"))
        self.op_box = combo(
            [(OP_LABELS[item], item.value) for item in self.spec.operators],
            op.value if op else None,
            "operatorChoice",
        )
        self.op_box.activated.connect(lambda _i: self._op_chosen())
        line.addWidget(self.field_box)
        line.addWidget(self.op_box)
        self.value_editor = value_editor(
            self.spec, op or Op.EQ, self.test.get("value"), context.choices
        )
        self.value_editor.edited.connect(self._value_edited)
        line.addWidget(self.value_editor)
        for button in row_tools(self, context):
            tools.addWidget(button)
        outer.addWidget(self.problem)

    def _put(self, test: Json, label: str, merge_key: str | None = None) -> None:
        self.context.actions.replace(self.path, {"attribute": test}, label, merge_key)

    def _field_chosen(self) -> None:
        spec = spec_for(str(self.field_box.currentData()), self.context.specs)
        if spec.name == self.spec.name:
            return
        op = _op(self.test.get("op"))
        if op is None or op not in spec.operators or spec.type != self.spec.type:
            op = default_op(spec)
            value = default_value(spec, op, self.context.today)
        else:
            value = self.test.get("value")
        self._put(_test(spec.name, op, value), "Change field")

    def _op_chosen(self) -> None:
        op = Op(str(self.op_box.currentData()))
        if op.value == self.test.get("op"):
            return
        value = self.test.get("value")
        keeps = _same_value_shape(_op(self.test.get("op")), op) and op not in NO_VALUE_OPS
        if not keeps:
            value = default_value(self.spec, op, self.context.today)
            if isinstance(self.test.get("value"), str) and op in (Op.IN, Op.NOT_IN):
                value = split_list(str(self.test["value"]))
        self._put(_test(self.spec.name, op, value), "Change operator")

    def _value_edited(self, value: Any, typing: bool) -> None:
        test = {**self.test, "value": value}
        self.test = test
        self._put(test, "Change value", "value" if typing else None)


def _op(text: object) -> Op | None:
    try:
        return Op(str(text))
    except ValueError:
        return None


_SHAPES = [
    {Op.EQ, Op.NE, Op.CONTAINS, Op.STARTS_WITH, Op.ENDS_WITH, Op.GT, Op.GTE, Op.LT, Op.LTE},
    {Op.IN, Op.NOT_IN},
    {Op.WITHIN_LAST, Op.MORE_THAN_AGO},
    {Op.BEFORE, Op.AFTER},
]


def _same_value_shape(old: Op | None, new: Op) -> bool:
    return any(old in shape and new in shape for shape in _SHAPES)


def _test(field_name: str, op: Op, value: Any) -> Json:
    test: Json = {"field": field_name, "op": op.value}
    if value is not None:
        test["value"] = value
    return test


COUNT_KINDS = [("at least", "at_least"), ("at most", "at_most"), ("exactly", "exactly")]
NOT_AT_ALL = ("not at all", "none")
WINDOWS = [("at any time", "ever"), ("in the last", "within"), ("between", "between")]


class BehaviorRow(ConditionFrame):
    """``did EVENT  at least N times  in the last 60d`` with property filters (``where``)."""

    def __init__(self, condition: Json, path: ConditionPath, context: RowContext) -> None:
        super().__init__("conditionRow", path)
        self.context = context
        self.test: Json = condition["behavior"]
        outer, line, tools = _line_layout(self)
        line.addWidget(QLabel("Did"))
        event = str(self.test.get("event", ""))
        self.event_box = combo([(name, name) for name in context.event_types], event, "eventChoice")
        self.event_box.setEditable(True)
        self.event_box.setCurrentText(event)
        event_line = self.event_box.lineEdit()
        if event_line is not None:
            event_line.editingFinished.connect(self._event_chosen)
        self.event_box.activated.connect(lambda _i: self._event_chosen())
        line.addWidget(self.event_box)
        count = self.test.get("count") or {"at_least": 1}
        kind = next(iter(count), "at_least")
        self.count_box = combo([*COUNT_KINDS, NOT_AT_ALL], kind, "countChoice")
        self.count_box.activated.connect(lambda _i: self._count_changed())
        self.count_spin = QSpinBox()
        self.count_spin.setObjectName("countNumber")
        self.count_spin.setRange(0, 1_000_000)
        self.count_spin.setMaximumWidth(84)
        self.count_spin.setValue(int(count[kind]) if kind != "none" else 1)
        self.count_spin.valueChanged.connect(lambda _v: self._count_changed(typing=True))
        self.times = QLabel("times")
        self.count_spin.setVisible(kind != "none")
        self.times.setVisible(kind != "none")
        line.addWidget(self.count_box)
        line.addWidget(self.count_spin)
        line.addWidget(self.times)
        for button in row_tools(self, context):
            tools.addWidget(button)
        window = (
            "within" if "within" in self.test else "between" if "between" in self.test else "ever"
        )
        self.window_box = combo(WINDOWS, window, "windowChoice")
        self.window_box.activated.connect(lambda _i: self._window_chosen())
        line.addWidget(self.window_box)
        self.window_editor = self._window_editor(window)
        if window != "ever":
            line.addWidget(self.window_editor)
        line.addWidget(
            tool_button(
                "+ Filter",
                "Only count events whose properties match",
                self._add_filter,
                "addFilterButton",
            )
        )
        for index, where in enumerate(self.test.get("where") or []):
            outer.addWidget(self._filter_line(index, where))
        outer.addWidget(self.problem)

    def _put(self, test: Json, label: str, merge_key: str | None = None) -> None:
        self.test = test
        self.context.actions.replace(self.path, {"behavior": test}, label, merge_key)

    def _event_chosen(self) -> None:
        event = self.event_box.currentText().strip()
        if event != self.test.get("event"):
            self._put({**self.test, "event": event}, "Change event")

    def _count_changed(self, typing: bool = False) -> None:
        kind = str(self.count_box.currentData())
        count: Json = {"none": True} if kind == "none" else {kind: self.count_spin.value()}
        if count == self.test.get("count"):
            return
        self._put({**self.test, "count": count}, "Change count", "count" if typing else None)

    def _window_editor(self, window: str) -> QWidget:
        if window == "within":
            line = QLineEdit(str(self.test.get("within", "")))
            line.setObjectName("windowDuration")
            line.setPlaceholderText("60d")
            line.setMaximumWidth(80)
            line.textEdited.connect(
                lambda text: self._put(
                    {**self.test, "within": text.strip()}, "Change window", "within"
                )
            )
            return line
        if window == "between":
            spec = FieldSpec("occurred_at", "", "datetime")
            editor = value_editor(spec, Op.BETWEEN, self.test.get("between"), self.context.choices)
            editor.edited.connect(
                lambda value, _typing: self._put({**self.test, "between": value}, "Change window")
            )
            return editor
        return QWidget()

    def _window_chosen(self) -> None:
        window = str(self.window_box.currentData())
        test = {key: value for key, value in self.test.items() if key not in ("within", "between")}
        if window == "within":
            test["within"] = self.test.get("within", "30d")
        elif window == "between":
            test["between"] = default_value(
                FieldSpec("occurred_at", "", "datetime"), Op.BETWEEN, self.context.today
            )
        if test != self.test:
            self._put(test, "Change window")

    def _filters(self) -> list[Json]:
        return copy.deepcopy(list(self.test.get("where") or []))

    def _add_filter(self) -> None:
        where = [*self._filters(), {"field": "", "op": "eq", "value": ""}]
        self._put({**self.test, "where": where}, "Add filter")

    def _set_filter(self, index: int, changed: Json, label: str, merge_key: str | None) -> None:
        where = self._filters()
        where[index] = changed
        self._put({**self.test, "where": where}, label, merge_key)

    def _remove_filter(self, index: int) -> None:
        where = self._filters()
        del where[index]
        test = {**self.test, "where": where}
        if not where:
            del test["where"]
        self._put(test, "Remove filter")

    def _filter_line(self, index: int, where: Json) -> QWidget:
        holder = QWidget()
        holder.setObjectName("propertyFilter")
        line = QHBoxLayout(holder)
        line.setContentsMargins(28, 0, 0, 0)
        line.setSpacing(6)
        line.addWidget(QLabel("where"))
        name = QLineEdit(str(where.get("field", "")))
        name.setObjectName("propertyName")
        name.setPlaceholderText("property")
        name.setMaximumWidth(140)
        name.textEdited.connect(
            lambda text: self._set_filter(
                index,
                {**self._filters()[index], "field": text.strip()},
                "Change filter",
                f"where{index}.field",
            )
        )
        op = _op(where.get("op")) or Op.EQ
        op_box = combo(
            [(OP_LABELS[item], item.value) for item in PROPERTY_OPS], op.value, "operatorChoice"
        )
        value = QLineEdit(join_list(where.get("value")))
        value.setObjectName("propertyValue")
        value.setPlaceholderText("value")
        value.setVisible(op not in NO_VALUE_OPS)

        def value_of(text: str, chosen: Op) -> Any:
            if chosen in NO_VALUE_OPS:
                return None
            if chosen is Op.IN:
                return [parse_property_value(item) for item in split_list(text)]
            return parse_property_value(text)

        def put(label: str, merge_key: str | None) -> None:
            chosen = Op(str(op_box.currentData()))
            changed = _test(
                str(self._filters()[index].get("field", "")), chosen, value_of(value.text(), chosen)
            )
            self._set_filter(index, changed, label, merge_key)

        op_box.activated.connect(lambda _i: put("Change filter", None))
        value.textEdited.connect(lambda _t: put("Change filter", f"where{index}.value"))
        line.addWidget(name)
        line.addWidget(op_box)
        line.addWidget(value, 1)
        line.addWidget(
            tool_button(
                "✕", "Remove this filter", lambda: self._remove_filter(index), "removeButton"
            )
        )
        return holder


class SegmentRow(ConditionFrame):
    """``is in segment NAME``."""

    def __init__(self, condition: Json, path: ConditionPath, context: RowContext) -> None:
        super().__init__("conditionRow", path)
        outer, line, tools = _line_layout(self)
        line.addWidget(QLabel("Is in segment"))
        current = str(condition.get("segment", ""))
        box = combo([(name, name) for name in context.segment_names], current, "segmentChoice")
        box.activated.connect(
            lambda _i: context.actions.replace(
                path, {"segment": str(box.currentData())}, "Change segment"
            )
        )
        line.addWidget(box)
        for button in row_tools(self, context):
            tools.addWidget(button)
        outer.addWidget(self.problem)
