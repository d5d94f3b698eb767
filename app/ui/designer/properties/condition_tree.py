"""A segment-style condition (a split case's, a branch's) edited as a tree, with the Segments
page's own condition rows and groups (:mod:`app.ui.segments.groups`).

The editor keeps the condition in a small draft (``{"definition": condition}``) and applies the
segment builder's reversible edits (:mod:`app.domain.segment_edits`) to it as the rows ask; the
journey's undo stack gets the result as one config change: keystrokes in a row are ``edited``
(merged while typing), adding, removing, negating or regrouping is ``reshaped`` (a step of its
own). Each condition that is not valid yet shows why under it, as on the Segments page. A
single condition at the top can be put in an ``all`` group to add more beside it.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QPushButton, QVBoxLayout, QWidget

from app.domain.edits import EditConflict
from app.domain.segment_edits import (
    ConditionPath,
    DraftInvalid,
    Json,
    SegmentEdit,
    add_condition,
    check_draft,
    condition_at,
    group_key,
    remove_condition,
    replace_condition,
    set_group_kind,
    toggle_not,
)
from app.ui import segments
from app.ui.designer.properties.context import FormContext
from app.ui.designer.properties.fields import FieldEditor
from app.ui.segments.fields import field_specs
from app.ui.segments.groups import build_condition
from app.ui.segments.rows import ConditionFrame, RowContext

SEGMENT_STYLE = Path(segments.__file__).with_name("segments.qss")
"""The Segments page's own rules for condition rows and groups (used here unchanged)."""

EMPTY: Json = {"all": []}


class ConditionTreeEditor(FieldEditor):
    def __init__(self, context: FormContext) -> None:
        super().__init__()
        self.setObjectName("conditionTreeEditor")
        self.setStyleSheet(SEGMENT_STYLE.read_text(encoding="utf-8"))
        self.context = context
        self.draft: Json = {"definition": copy.deepcopy(EMPTY)}
        self.tree: QWidget | None = None
        self.rows: RowContext | None = None
        self._box = QVBoxLayout()
        self._box.setContentsMargins(0, 0, 0, 0)
        self._box.setSpacing(4)
        self.combine = QPushButton("Add a condition beside it")
        self.combine.setObjectName("secondaryButton")
        self.combine.setToolTip("Put this condition in an “all of these” group")
        self.combine.clicked.connect(self._group_root)
        column = QVBoxLayout()
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(4)
        column.addLayout(self._box)
        column.addWidget(self.combine, 0, Qt.AlignmentFlag.AlignLeft)
        self._layout.addLayout(column, 1)
        self._rebuild()

    # -- value ----------------------------------------------------------------------------

    def value(self) -> Json:
        return copy.deepcopy(self.draft["definition"])

    def set_value(self, value: Any) -> None:
        condition = value if isinstance(value, dict) and value else EMPTY
        if condition != self.draft["definition"]:
            self.draft = {"definition": copy.deepcopy(condition)}
            self._rebuild()

    def _show(self, value: Any) -> None:  # pragma: no cover - set_value does it all
        self.set_value(value)

    # -- the tree -------------------------------------------------------------------------

    def _rebuild(self) -> None:
        context = self.context
        self.rows = RowContext(
            self,
            field_specs(context.attribute_types()),
            context.event_types(),
            context.segment_names(),
            context.present_values,
            context.sources.today(),
        )
        tree = build_condition(self.draft["definition"], (), self.rows)
        if self.tree is not None:
            self.tree.hide()
            self.tree.deleteLater()  # a row may be inside its own signal handler right now
        self.tree = tree
        self._box.addWidget(tree)
        self.combine.setVisible(group_key(self.draft["definition"]) not in ("all", "any"))
        self._show_problems()

    def _show_problems(self) -> None:
        if self.rows is None:
            return
        draft = {"name": "condition", "audience": "any", "definition": self.draft["definition"]}
        messages: dict[ConditionPath, list[str]] = {}
        try:
            check_draft(draft)
        except DraftInvalid as invalid:
            for problem in invalid.problems:
                messages.setdefault(problem.path or (), []).append(str(problem))
        for path, frame in self.rows.rows.items():
            found = messages.get(path)
            frame.set_problem("; ".join(found) if found else None)

    def frame(self, path: ConditionPath) -> ConditionFrame | None:
        return self.rows.rows.get(path) if self.rows is not None else None

    def _apply(self, edit: SegmentEdit, typing: bool) -> None:
        try:
            edit.apply(self.draft)
        except EditConflict:
            return
        if typing:
            self._show_problems()
            self.edited.emit(self.value())
        else:
            self._rebuild()
            self.reshaped.emit(self.value())

    def _at(self, path: ConditionPath) -> Json:
        return condition_at(self.draft, path)

    def _group_root(self) -> None:
        root = self.draft["definition"]
        self._apply(replace_condition(self.draft, (), {"all": [root]}, "Group"), typing=False)

    # -- what the rows ask (BuilderActions) -----------------------------------------------

    def replace(
        self, path: ConditionPath, after: Json, label: str, merge_key: str | None = None
    ) -> None:
        if after != self._at(path):
            edit = replace_condition(self.draft, path, after, label, merge_key)
            self._apply(edit, typing=bool(merge_key))

    def remove(self, path: ConditionPath) -> None:
        self._apply(remove_condition(self.draft, path), typing=False)

    def negate(self, path: ConditionPath) -> None:
        if path and group_key(self._at(path[:-1])) == "not":
            path = path[:-1]
        self._apply(toggle_not(self.draft, path), typing=False)

    def add(self, parent: ConditionPath, condition: Json) -> None:
        self._apply(add_condition(self.draft, parent, condition), typing=False)

    def set_group_kind(self, path: ConditionPath, kind: str) -> None:
        if group_key(self._at(path)) != kind:
            self._apply(set_group_kind(self.draft, path, kind), typing=False)
