"""The editor controller: turns the canvas's intents into undoable domain edits.

Every change to the journey goes through :meth:`DesignerController.push`, which puts a
:class:`~app.ui.designer.commands.EditCommand` on the undo stack. After any edit is done, undone
or redone, the scene mirrors the document and ``document_changed`` is emitted (validation and the
window's title listen). Selection is never on the undo stack. Refused requests (a connection the
rules do not allow) change nothing and emit ``refused`` with the reason.

The property forms' changes come in through :meth:`set_title`, :meth:`set_config_field`,
:meth:`reshape_config`, :meth:`set_setting` and :meth:`set_journey_text`; those return the
sentence saying why a value cannot be stored (the journey is then unchanged), else None.

A read-only controller (a live journey) pushes nothing: every intent is refused.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from pydantic import ValidationError
from PySide6.QtCore import QObject, QPointF, Signal
from PySide6.QtGui import QUndoStack

from app.domain.arrange import arrange
from app.domain.edits import (
    ConnectionRefused,
    Edit,
    EditGroup,
    JourneyText,
    MoveNodes,
    add_node,
    can_connect,
    config_problem,
    config_value_problem,
    connect,
    move_nodes,
    set_config_field,
    set_journey_text,
    set_setting,
    set_title,
)
from app.domain.group_edits import paste_nodes, remove_selection, reshape_config
from app.domain.journey import Edge, JourneyDocument, Node, Position
from app.domain.registry import REGISTRY
from app.ui.designer import look
from app.ui.designer.commands import EditCommand
from app.ui.designer.items import EdgeKey
from app.ui.designer.scene import JourneyScene

PASTE_STEP = 2 * look.GRID
READ_ONLY = "This journey is live, so it cannot be changed; edit it as a new version."


class DesignerController(QObject):
    document_changed = Signal()
    refused = Signal(str)

    def __init__(
        self, document: JourneyDocument, scene: JourneyScene, undo_stack: QUndoStack
    ) -> None:
        super().__init__()
        self.scene = scene
        self.undo_stack = undo_stack
        self._document = document
        self._pastes = 0
        self.read_only = False
        scene.mirror(document)

    @property
    def document(self) -> JourneyDocument:
        return self._document

    def load(self, document: JourneyDocument) -> None:
        """Show another journey; its history starts empty."""
        self.undo_stack.clear()
        self._document = document
        self.scene.mirror(document)
        self.undo_stack.setClean()
        self.document_changed.emit()

    def push(self, edit: Edit) -> None:
        """Apply ``edit`` as one undo step (an edit that changes nothing is dropped)."""
        if self.read_only:
            self.refused.emit(READ_ONLY)
            return
        if isinstance(edit, EditGroup) and not edit.edits:
            return
        if isinstance(edit, MoveNodes) and not edit.moves:
            return
        self.undo_stack.push(EditCommand(edit, self._document, self._changed))

    def _changed(self) -> None:
        self.scene.mirror(self._document)
        self.document_changed.emit()

    # -- intents --------------------------------------------------------------------------

    def add_node(self, kind: str, centre: QPointF) -> str | None:
        """A new node of ``kind`` whose card is centred on ``centre`` (snapped to the grid)."""
        if kind not in REGISTRY or kind == "start":
            return None
        if self.read_only:
            self.refused.emit(READ_ONLY)
            return None
        x = look.snap(centre.x() - look.CARD_WIDTH / 2)
        y = look.snap(centre.y() - look.HEADER_HEIGHT / 2)
        edit = add_node(self._document, REGISTRY[kind].key, (x, y))
        self.push(edit)
        self.scene.select_nodes([edit.node.id])
        return edit.node.id

    def check_connection(self, source: str, port: str, target: str) -> str | None:
        if self.read_only:
            return READ_ONLY
        return can_connect(self._document, source, port, target)

    def connect(self, source: str, port: str, target: str) -> str | None:
        """Connect, or emit and return the reason it is refused (the journey is unchanged)."""
        if self.read_only:
            self.refused.emit(READ_ONLY)
            return READ_ONLY
        try:
            edit = connect(self._document, source, port, target)
        except ConnectionRefused as refusal:
            self.refused.emit(refusal.reason)
            return refusal.reason
        self.push(edit)
        return None

    def move_nodes(self, positions: Mapping[str, Position]) -> None:
        known = {k: v for k, v in positions.items() if self._document.node(k) is not None}
        self.push(move_nodes(self._document, known))

    def delete(self, node_ids: Iterable[str], edges: Iterable[EdgeKey] = ()) -> None:
        refs = [(source, port, target) for source, port, target, _n in edges]
        group = remove_selection(self._document, node_ids, refs)
        self.push(group)

    def note_copied(self) -> None:
        self._pastes = 0

    def paste(self, nodes: list[Node], edges: list[Edge]) -> list[str]:
        """Paste copies a little below and right of the originals (further each time)."""
        self._pastes += 1
        offset = (PASTE_STEP * self._pastes, PASTE_STEP * self._pastes)
        nodes = [node for node in nodes if node.kind != "start"]  # one start per journey
        group, renamed = paste_nodes(self._document, nodes, edges, offset)
        self.push(group)
        self.scene.select_nodes(renamed.values())
        return list(renamed.values())

    def arrange(self) -> None:
        """Auto-arrange left to right as one undo step."""
        positions = arrange(self._document, look.CardGeometry())
        edit = move_nodes(self._document, positions)
        if edit.moves:
            self.push(EditGroup((edit,), "Arrange"))

    # -- property forms -------------------------------------------------------------------

    def _push_checked(self, edit: Edit) -> str | None:
        if self.read_only:
            return READ_ONLY
        self.push(edit)
        return None

    def set_title(self, node_id: str, title: str) -> str | None:
        node = self._document.node(node_id)
        if node is None or node.title == title:
            return None
        return self._push_checked(set_title(self._document, node_id, title))

    def set_config_field(self, node_id: str, field: str, value: Any) -> str | None:
        """Store one config field; a value the file could not hold is refused with the reason."""
        node = self._document.node(node_id)
        if node is None or (node.config or {}).get(field, _ABSENT) == value:
            return None
        problem = config_value_problem(self._document, node_id, field, value)
        if problem is not None:
            return problem
        return self._push_checked(set_config_field(self._document, node_id, field, value))

    def reshape_config(self, node_id: str, field: str, config: dict[str, Any]) -> str | None:
        """Replace the config as one step of its own (a row added or removed, another wait
        mode); edges of ways out that go are disconnected with it."""
        node = self._document.node(node_id)
        if node is None or node.config == config:
            return None
        problem = config_problem(self._document, node_id, config, field)
        if problem is not None:
            return problem
        return self._push_checked(reshape_config(self._document, node_id, field, config))

    def set_setting(self, field: str, value: Any) -> str | None:
        """Store one journey setting, or say why the value does not fit."""
        try:
            edit = set_setting(self._document, field, value)
        except ValidationError as error:
            return "; ".join(_setting_message(item) for item in error.errors())
        if edit.before == edit.after:
            return None
        return self._push_checked(edit)

    def set_journey_text(self, field: JourneyText, text: str) -> str | None:
        if getattr(self._document, field) == text:
            return None
        try:
            edit = set_journey_text(self._document, field, text)
        except ValueError as error:
            return str(error)
        return self._push_checked(edit)


_ABSENT = object()


def _setting_message(item: Any) -> str:
    where = ".".join(str(step) for step in item["loc"][1:])
    message = str(item["msg"]).removeprefix("Value error, ")
    return f"{where.replace('_', ' ')}: {message}" if where else message
