"""The segment builder: name, description, audience and the condition tree of one draft, with
undo/redo, the reason beside each invalid condition, and a read-only mode.

Owns the draft (the segment file's JSON while it is edited) and its undo stack; every change is
a :mod:`app.domain.segment_edits` edit pushed as a :class:`SegmentEditCommand`. After each
change the tree is rebuilt from the draft, except while typing (the row already shows what was
typed, and rebuilding would take the keyboard focus away). ``changed`` tells the page (the live
count) that the draft is different now.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from datetime import datetime

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QUndoStack
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from app.domain.edits import EditConflict
from app.domain.segment import SegmentDocument
from app.domain.segment_edits import (
    ConditionPath,
    DraftInvalid,
    DraftProblem,
    Json,
    SegmentEdit,
    add_condition,
    check_draft,
    condition_at,
    group_key,
    new_draft,
    remove_condition,
    replace_condition,
    set_draft_field,
    set_group_kind,
    toggle_not,
)
from app.ui.segments.commands import SegmentEditCommand
from app.ui.segments.fields import FieldSpec, field_specs
from app.ui.segments.groups import build_condition, holder
from app.ui.segments.rows import RowContext
from app.ui.segments.value_editors import Choices

AUDIENCES = [("Contacts", "contact"), ("Leads", "lead"), ("Contacts and leads", "any")]


class SegmentBuilder(QWidget):
    changed = Signal()
    """The draft changed (or another one was loaded)."""
    save_requested = Signal()
    duplicate_requested = Signal()

    def __init__(self, today: Callable[[], datetime], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("segmentBuilder")
        self.today = today
        self.draft: Json = new_draft()
        self.original_name: str | None = None
        """The stored segment this draft edits (None: a new one)."""
        self.read_only_reason: str | None = None
        self.specs: list[FieldSpec] = field_specs({})
        self.event_types: list[str] = []
        self.segment_names: list[str] = []
        self.choices: Choices = lambda _field: None
        self.context: RowContext | None = None
        self.problems: list[DraftProblem] = []
        self.undo_stack = QUndoStack(self)
        self._typing = False
        self._build()
        self._rebuild()

    # -- what the page calls --------------------------------------------------------------

    def set_choices(
        self,
        attributes: dict[str, str],
        event_types: list[str],
        segment_names: list[str],
        choices: Choices,
    ) -> None:
        self.specs = field_specs(attributes)
        self.event_types = event_types
        self.segment_names = segment_names
        self.choices = choices
        self._rebuild()

    def load(
        self, draft: Json, original_name: str | None, read_only_reason: str | None = None
    ) -> None:
        """Edit ``draft`` from scratch (a fresh undo history)."""
        self.undo_stack.clear()
        self.draft = copy.deepcopy(draft)
        self.original_name = original_name
        self.read_only_reason = read_only_reason
        self.undo_stack.setClean()
        self._sync_header()
        self._rebuild()
        self.changed.emit()

    def document(self) -> SegmentDocument | None:
        """The draft as a segment, or None while it is invalid (:attr:`problems` says why)."""
        try:
            return check_draft(self.draft)
        except DraftInvalid:
            return None

    @property
    def read_only(self) -> bool:
        return self.read_only_reason is not None

    def set_message(self, text: str, error: bool = False) -> None:
        self.message.setText(text)
        self.message.setProperty("state", "error" if error else "")
        self.message.style().unpolish(self.message)
        self.message.style().polish(self.message)
        self.message.setVisible(bool(text))

    # -- intents from the rows (BuilderActions) ---------------------------------------------

    def replace(
        self, path: ConditionPath, after: Json, label: str, merge_key: str | None = None
    ) -> None:
        if after == self._at(path):
            return
        self.push(
            replace_condition(self.draft, path, after, label, merge_key), typing=bool(merge_key)
        )

    def remove(self, path: ConditionPath) -> None:
        self.push(remove_condition(self.draft, path))

    def negate(self, path: ConditionPath) -> None:
        """Wrap in ``not``; on the condition inside a ``not``, take that ``not`` away."""
        if path and group_key(self._at(path[:-1])) == "not":
            path = path[:-1]
        self.push(toggle_not(self.draft, path))

    def add(self, parent: ConditionPath, condition: Json) -> None:
        self.push(add_condition(self.draft, parent, condition))

    def set_group_kind(self, path: ConditionPath, kind: str) -> None:
        if group_key(self._at(path)) != kind:
            self.push(set_group_kind(self.draft, path, kind))

    def push(self, edit: SegmentEdit, typing: bool = False) -> None:
        if self.read_only:
            return
        self._typing = typing
        try:
            self.undo_stack.push(SegmentEditCommand(edit, self.draft, self._draft_changed))
        finally:
            self._typing = False

    def _at(self, path: ConditionPath) -> Json:
        try:
            return condition_at(self.draft, path)
        except EditConflict:
            return {}

    # -- building -------------------------------------------------------------------------

    def _build(self) -> None:
        self.banner = QFrame()
        self.banner.setObjectName("readOnlyBanner")
        banner_layout = QHBoxLayout(self.banner)
        banner_layout.setContentsMargins(12, 8, 12, 8)
        self.banner_text = QLabel()
        self.banner_text.setObjectName("readOnlyText")
        self.banner_text.setWordWrap(True)
        banner_layout.addWidget(self.banner_text, 1)
        self.banner_duplicate = QPushButton("Duplicate")
        self.banner_duplicate.setObjectName("secondaryButton")
        self.banner_duplicate.clicked.connect(self.duplicate_requested)
        banner_layout.addWidget(self.banner_duplicate)

        self.name_edit = QLineEdit()
        self.name_edit.setObjectName("segmentName")
        self.name_edit.textEdited.connect(lambda text: self._field_edited("name", text))
        self.description_edit = QLineEdit()
        self.description_edit.setObjectName("segmentDescription")
        self.description_edit.setPlaceholderText("What this segment is for (optional)")
        self.description_edit.textEdited.connect(
            lambda text: self._field_edited("description", text)
        )
        self.audience_box = QComboBox()
        self.audience_box.setObjectName("segmentAudience")
        for text, value in AUDIENCES:
            self.audience_box.addItem(text, value)
        self.audience_box.activated.connect(
            lambda _i: self._field_edited("audience", str(self.audience_box.currentData()))
        )
        form = QFormLayout()
        form.setHorizontalSpacing(12)
        form.setVerticalSpacing(6)
        form.addRow("Name", self.name_edit)
        form.addRow("Description", self.description_edit)
        form.addRow("Audience", self.audience_box)

        self.undo_button = QPushButton("Undo")
        self.redo_button = QPushButton("Redo")
        self.save_button = QPushButton("Save")
        self.save_button.setObjectName("primaryButton")
        for button in (self.undo_button, self.redo_button):
            button.setObjectName("secondaryButton")
        self.undo_button.clicked.connect(self.undo_stack.undo)
        self.redo_button.clicked.connect(self.undo_stack.redo)
        self.save_button.clicked.connect(self.save_requested)
        self.undo_stack.canUndoChanged.connect(self.undo_button.setEnabled)
        self.undo_stack.canRedoChanged.connect(self.redo_button.setEnabled)
        self.undo_stack.cleanChanged.connect(self._clean_changed)
        self.undo_button.setEnabled(False)
        self.redo_button.setEnabled(False)
        undo = self.undo_stack.createUndoAction(self, "Undo")
        undo.setShortcuts(QKeySequence.StandardKey.Undo)
        redo = self.undo_stack.createRedoAction(self, "Redo")
        redo.setShortcuts([QKeySequence("Ctrl+Shift+Z"), QKeySequence("Ctrl+Y")])
        for action in (undo, redo):
            action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            self.addAction(action)
        buttons = QHBoxLayout()
        buttons.setSpacing(8)
        heading = QLabel("Who is in it")
        heading.setObjectName("panelHeading")
        buttons.addWidget(heading)
        buttons.addStretch(1)
        buttons.addWidget(self.undo_button)
        buttons.addWidget(self.redo_button)
        buttons.addWidget(self.save_button)

        self.message = QLabel()
        self.message.setObjectName("builderMessage")
        self.message.setWordWrap(True)
        self.message.hide()

        self.tree_area = QScrollArea()
        self.tree_area.setObjectName("conditionTree")
        self.tree_area.setWidgetResizable(True)
        self.tree_area.setFrameShape(QFrame.Shape.NoFrame)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 12, 16, 12)
        layout.setSpacing(10)
        layout.addWidget(self.banner)
        layout.addLayout(form)
        layout.addLayout(buttons)
        layout.addWidget(self.message)
        layout.addWidget(self.tree_area, 1)

    def _field_edited(self, key: str, value: str) -> None:
        if self.draft.get(key, "") != value:
            self.push(set_draft_field(self.draft, key, value), typing=key != "audience")

    def _draft_changed(self) -> None:
        if not self._typing:
            self._sync_header()
            self._rebuild()
        else:
            self._show_problems()
        self._sync_buttons()
        self.changed.emit()

    def _sync_header(self) -> None:
        self.name_edit.setText(str(self.draft.get("name", "")))
        self.description_edit.setText(str(self.draft.get("description", "")))
        self.description_edit.setCursorPosition(0)
        index = self.audience_box.findData(self.draft.get("audience", "contact"))
        self.audience_box.setCurrentIndex(max(index, 0))
        self.banner.setVisible(self.read_only)
        self.banner_text.setText(self.read_only_reason or "")
        for widget in (self.name_edit, self.description_edit, self.audience_box):
            widget.setEnabled(not self.read_only)
        self._sync_buttons()

    def _clean_changed(self, _clean: bool) -> None:
        self._sync_buttons()

    def _sync_buttons(self) -> None:
        self.save_button.setEnabled(not self.read_only)
        for button in (self.save_button, self.undo_button, self.redo_button):
            button.setVisible(not self.read_only)
        self.save_button.setText("Save" if self.undo_stack.isClean() else "Save changes")

    def _rebuild(self) -> None:
        others = [segment for segment in self.segment_names if segment != self.original_name]
        self.context = RowContext(
            self, self.specs, self.event_types, others, self.choices, self.today()
        )
        root = build_condition(self.draft.get("definition") or {"all": []}, (), self.context)
        tree = holder(root)
        tree.setObjectName("conditionTreeBody")
        tree.setEnabled(not self.read_only)
        old = self.tree_area.takeWidget()
        if old is not None:
            old.hide()
            old.deleteLater()  # a row may be inside its own signal handler right now
        self.tree_area.setWidget(tree)
        self._show_problems()

    def _show_problems(self) -> None:
        try:
            check_draft(self.draft)
            self.problems = []
        except DraftInvalid as invalid:
            self.problems = invalid.problems
        if self.context is None:
            return
        by_path: dict[ConditionPath, list[str]] = {}
        general: list[str] = []
        for problem in self.problems:
            if problem.path is None or problem.path not in self.context.rows:
                general.append(str(problem))
            else:
                by_path.setdefault(problem.path, []).append(str(problem))
        for path, frame in self.context.rows.items():
            messages = by_path.get(path)
            frame.set_problem("; ".join(messages) if messages else None)
        if general:
            self.set_message("; ".join(general), error=True)
        elif self.message.property("state") == "error":
            self.set_message("")
