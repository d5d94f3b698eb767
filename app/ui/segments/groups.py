"""Groups of the builder (``all`` / ``any`` that nest, and ``not``) and the one function that
builds the widget of any condition of a draft, recursively.

Nested groups are indented inside their parent's frame, so the tree reads top-down like the
sentence it stands for (“all of: … any of: …”).
"""

from __future__ import annotations

from PySide6.QtWidgets import QHBoxLayout, QLabel, QMenu, QToolButton, QVBoxLayout, QWidget

from app.domain.segment_edits import ConditionPath, Json, group_key
from app.ui.segments.rows import (
    AttributeRow,
    BehaviorRow,
    ConditionFrame,
    RowContext,
    SegmentRow,
    combo,
    row_tools,
    tool_button,
)

GROUP_KINDS = [("All of these", "all"), ("Any of these", "any")]


def new_attribute() -> Json:
    return {"attribute": {"field": "country", "op": "in", "value": []}}


def new_behavior(event_types: list[str]) -> Json:
    event = "purchase" if "purchase" in event_types or not event_types else event_types[0]
    return {"behavior": {"event": event, "count": {"at_least": 1}}}


def new_membership(segment_names: list[str]) -> Json:
    return {"segment": segment_names[0] if segment_names else ""}


def build_condition(condition: Json, path: ConditionPath, context: RowContext) -> ConditionFrame:
    """The widget of ``condition`` (at ``path`` in the draft) and, for a group, its children."""
    key = group_key(condition)
    frame: ConditionFrame
    if key in ("all", "any"):
        frame = GroupFrame(condition, path, context)
    elif key == "not":
        frame = NotFrame(condition, path, context)
    elif "attribute" in condition:
        frame = AttributeRow(condition, path, context)
    elif "behavior" in condition:
        frame = BehaviorRow(condition, path, context)
    else:
        frame = SegmentRow(condition, path, context)
    context.rows[path] = frame
    return frame


class GroupFrame(ConditionFrame):
    """``All of these`` / ``Any of these`` with its conditions and the buttons that add more."""

    def __init__(self, condition: Json, path: ConditionPath, context: RowContext) -> None:
        super().__init__("conditionGroup", path)
        kind = group_key(condition) or "all"
        outer = QVBoxLayout(self)
        outer.setContentsMargins(8, 6, 6, 6)
        outer.setSpacing(6)
        header = QHBoxLayout()
        header.setSpacing(6)
        self.kind_box = combo(GROUP_KINDS, kind, "groupKind")
        self.kind_box.activated.connect(
            lambda _i: context.actions.set_group_kind(path, str(self.kind_box.currentData()))
        )
        header.addWidget(self.kind_box)
        header.addWidget(QLabel("are true"))
        header.addStretch(1)
        self.add_button = self._add_button(context)
        header.addWidget(self.add_button)
        if path:
            for button in row_tools(self, context):
                header.addWidget(button)
        outer.addLayout(header)
        outer.addWidget(self.problem)
        items: list[Json] = condition[kind]
        body = QVBoxLayout()
        body.setContentsMargins(8, 0, 0, 0)
        body.setSpacing(6)
        for index, child in enumerate(items):
            body.addWidget(build_condition(child, (*path, index), context))
        if not items:
            hint = QLabel(
                "No conditions yet: everyone in the audience is in."
                if kind == "all"
                else "No conditions yet: nobody is in until one holds."
            )
            hint.setObjectName("groupHint")
            body.addWidget(hint)
        outer.addLayout(body)

    def _add_button(self, context: RowContext) -> QToolButton:
        button = QToolButton()
        button.setObjectName("addConditionButton")
        button.setText("+ Add")
        button.setToolTip("Add a condition or a group to this group")
        button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        menu = QMenu(button)
        path = self.path
        entries = [
            ("Contact field", lambda: new_attribute()),
            ("Behaviour (events)", lambda: new_behavior(context.event_types)),
            ("Membership of a segment", lambda: new_membership(context.segment_names)),
            ("Group (all / any)", lambda: {"any": []}),
        ]
        for text, make in entries:
            action = menu.addAction(text)
            action.setObjectName(text)
            action.triggered.connect(lambda _c=False, make=make: context.actions.add(path, make()))
        button.setMenu(menu)
        self.add_actions = {
            text: action
            for text, action in zip([e[0] for e in entries], menu.actions(), strict=True)
        }
        return button


class NotFrame(ConditionFrame):
    """``Not`` around one condition or group: holds for everyone the inside does not."""

    def __init__(self, condition: Json, path: ConditionPath, context: RowContext) -> None:
        super().__init__("conditionNot", path)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(8, 6, 6, 6)
        outer.setSpacing(6)
        header = QHBoxLayout()
        title = QLabel("Not: this must not be true")
        title.setObjectName("notTitle")
        header.addWidget(title)
        header.addStretch(1)
        header.addWidget(
            tool_button(
                "Remove not",
                "Keep the condition, without not",
                lambda: context.actions.negate(path),
                "notButton",
            )
        )
        header.addWidget(
            tool_button("✕", "Remove", lambda: context.actions.remove(path), "removeButton")
        )
        outer.addLayout(header)
        outer.addWidget(self.problem)
        body = QVBoxLayout()
        body.setContentsMargins(8, 0, 0, 0)
        body.addWidget(build_condition(condition["not"], (*path, 0), context))
        outer.addLayout(body)


def holder(widget: QWidget) -> QWidget:
    """``widget`` with room below it, for a scroll area."""
    box = QWidget()
    layout = QVBoxLayout(box)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.addWidget(widget)
    layout.addStretch(1)
    return box
