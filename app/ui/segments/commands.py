"""The builder's undo command: applies and reverts one segment draft edit.

A command only calls the edit's ``apply`` / ``revert`` on the draft and then ``changed``
(the builder mirrors the draft); it never touches a widget. Typing in one place (edits that
carry the same merge key at the same path) merges into one step.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtGui import QUndoCommand

from app.domain.segment_edits import Json, ReplaceCondition, SegmentEdit, SetDraftField

MERGE_TYPING = 2


class SegmentEditCommand(QUndoCommand):
    def __init__(self, edit: SegmentEdit, draft: Json, changed: Callable[[], None]) -> None:
        super().__init__(edit.label)
        self.edit = edit
        self.draft = draft
        self.changed = changed

    def redo(self) -> None:
        self.edit.apply(self.draft)
        self.changed()

    def undo(self) -> None:
        self.edit.revert(self.draft)
        self.changed()

    def id(self) -> int:
        return MERGE_TYPING if isinstance(self.edit, ReplaceCondition | SetDraftField) else -1

    def mergeWith(self, other: QUndoCommand) -> bool:
        if not isinstance(other, SegmentEditCommand) or not isinstance(
            self.edit, ReplaceCondition | SetDraftField
        ):
            return False
        merged = self.edit.merged_with(other.edit)
        if merged is None:
            return False
        self.edit = merged
        return True
