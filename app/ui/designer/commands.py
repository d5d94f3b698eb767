"""The undo commands: one QUndoCommand kind that applies and reverts a domain edit.

A command only calls the edit's ``apply`` / ``revert`` on the document and then the
``changed`` callback (the controller mirrors the scene and re-validates). It never touches a
graphics item. Consecutive changes of one value (a config field, a title, a setting, the
journey's name) merge into one step (typing in a field): edits that can merge say so with a
``merged_with`` method.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtGui import QUndoCommand

from app.domain.edits import Edit
from app.domain.journey import JourneyDocument

MERGE_TYPING = 1


class EditCommand(QUndoCommand):
    def __init__(self, edit: Edit, document: JourneyDocument, changed: Callable[[], None]) -> None:
        super().__init__(edit.label)
        self.edit = edit
        self.document = document
        self.changed = changed

    def redo(self) -> None:
        self.edit.apply(self.document)
        self.changed()

    def undo(self) -> None:
        self.edit.revert(self.document)
        self.changed()

    def id(self) -> int:
        return MERGE_TYPING if hasattr(self.edit, "merged_with") else -1

    def mergeWith(self, other: QUndoCommand) -> bool:
        merge = getattr(self.edit, "merged_with", None)
        if not isinstance(other, EditCommand) or merge is None:
            return False
        merged = merge(other.edit)
        if merged is None:
            return False
        self.edit = merged
        self.setText(merged.label)
        return True
