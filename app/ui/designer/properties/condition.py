"""The editor of a branch's condition: an interaction with an earlier message, membership of a
segment, or a segment-style condition on contact data and behaviour (the condition tree of the
Segments page, :mod:`~app.ui.designer.properties.condition_tree`).

The interaction picker offers only the send nodes upstream of the branch, by title, and only
the interactions of the chosen message's channel (email: delivered, opened, clicked, bounced;
SMS: delivered, clicked; push: delivered, opened). A message the condition names that is not
upstream (any more) stays listed, marked, so the value is never lost silently.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QSignalBlocker
from PySide6.QtWidgets import QVBoxLayout, QWidget

from app.domain.edits import node_name, upstream_of
from app.domain.registry import CHANNEL_INTERACTIONS, spec_for
from app.ui.designer.properties.condition_tree import EMPTY, ConditionTreeEditor
from app.ui.designer.properties.context import FormContext
from app.ui.designer.properties.fields import FieldEditor, NameEditor, narrow_combo

MODES = (
    ("interaction", "An earlier message's interaction"),
    ("segment", "Membership of a segment"),
    ("condition", "Contact data or behaviour"),
)
INTERACTION_WORDS = {
    "delivered": "was delivered",
    "opened": "was opened",
    "clicked": "was clicked",
    "bounced": "bounced",
}


def mode_of(condition: Any) -> str:
    if isinstance(condition, dict) and "interaction" in condition:
        return "interaction"
    if isinstance(condition, dict) and set(condition) == {"segment"}:
        return "segment"
    return "condition"


class BranchConditionEditor(FieldEditor):
    def __init__(self, context: FormContext) -> None:
        super().__init__()
        self.context = context
        self.mode = narrow_combo()
        for value, label in MODES:
            self.mode.addItem(label, value)
        self.mode.activated.connect(self._mode_chosen)
        self.sender_box = narrow_combo()
        self.sender_box.activated.connect(self._sender_chosen)
        self.interaction = narrow_combo()
        self.interaction.activated.connect(self._emit)
        self.segment = NameEditor(context.segment_names, "Segment name")
        self.segment.edited.connect(self._emit)
        self.tree = ConditionTreeEditor(context)
        self.tree.edited.connect(self._emit)
        self.tree.reshaped.connect(self._reshape)
        interaction_page = QWidget()
        column = QVBoxLayout(interaction_page)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(6)
        column.addWidget(self.sender_box)
        column.addWidget(self.interaction)
        self.pages = (interaction_page, self.segment, self.tree)
        box = QVBoxLayout()
        box.setSpacing(6)
        box.addWidget(self.mode)
        for page in self.pages:
            box.addWidget(page)
        self._layout.addLayout(box, 1)
        self._condition: Any = None
        self._show(None)

    # -- reading the document -------------------------------------------------------------

    def senders(self) -> list[tuple[str, str]]:
        """(node id, title) of the send nodes before the branch."""
        document, branch = self.context.document, self.context.node_id
        if branch is None:
            return []
        found = []
        for node_id in upstream_of(document, branch):
            node = document.node(node_id)
            if node is not None and spec_for(node.kind).channel is not None:
                found.append((node_id, node_name(node)))
        return found

    def _fill_senders(self, current: str | None) -> None:
        self.sender_box.clear()
        self.sender_box.addItem("Choose a message…", None)
        offered = self.senders()
        for node_id, title in offered:
            self.sender_box.addItem(title, node_id)
        if current and current not in dict(offered):
            node = self.context.document.node(current)
            title = node_name(node) if node is not None else current
            self.sender_box.addItem(f"{title} (not before this branch)", current)
        self.sender_box.setCurrentIndex(max(self.sender_box.findData(current), 0))

    def _fill_interactions(self, sender: str | None, current: str | None) -> None:
        self.interaction.clear()
        node = self.context.document.node(sender) if sender else None
        channel = spec_for(node.kind).channel if node is not None else None
        choices = CHANNEL_INTERACTIONS.get(channel, ()) if channel else ()
        for name in choices:
            self.interaction.addItem(INTERACTION_WORDS[name], name)
        if current and current not in choices:
            self.interaction.addItem(f"{current} (not for this channel)", current)
        self.interaction.setCurrentIndex(max(self.interaction.findData(current), 0))

    # -- value ----------------------------------------------------------------------------

    def value(self) -> Any:
        mode = self.mode.currentData()
        if mode == "interaction":
            test: dict[str, Any] = {}
            if self.sender_box.currentData():
                test["node"] = self.sender_box.currentData()
            if self.interaction.currentData():
                test["interaction"] = self.interaction.currentData()
            return {"interaction": test}
        if mode == "segment":
            name = self.segment.value()
            return {"segment": name} if name else {"segment": ""}
        return self.tree.value()

    def set_value(self, value: Any) -> None:
        if value == self._condition and self.sender_box.count():
            return
        blockers = [QSignalBlocker(w) for w in (self.mode, self.sender_box, self.interaction)]
        try:
            self._show(value)
        finally:
            del blockers

    def _show(self, value: Any) -> None:
        self._condition = value
        mode = mode_of(value) if value is not None else "interaction"
        self.mode.setCurrentIndex(self.mode.findData(mode))
        self._show_page(mode)
        test = value.get("interaction") if isinstance(value, dict) else None
        test = test if isinstance(test, dict) else {}
        self._fill_senders(test.get("node"))
        self._fill_interactions(test.get("node"), test.get("interaction"))
        if mode == "segment" and isinstance(value, dict):
            self.segment.set_value(value.get("segment") or None)
        if mode == "condition":
            self.tree.set_value(value)

    def _show_page(self, mode: str) -> None:
        for (name, _label), page in zip(MODES, self.pages, strict=True):
            page.setVisible(name == mode)

    def _emit(self, *_args: object) -> None:
        self._condition = self.value()
        self.edited.emit(self._condition)

    def _reshape(self, *_args: object) -> None:
        self._condition = self.value()
        self.reshaped.emit(self._condition)

    def _mode_chosen(self) -> None:
        mode = self.mode.currentData()
        self._show_page(mode)
        if mode == "condition":
            self.tree.set_value(EMPTY)
        self._reshape()  # another kind of condition: a step of its own

    def _sender_chosen(self) -> None:
        current = self.interaction.currentData()
        self._fill_interactions(self.sender_box.currentData(), current)
        self._emit()
