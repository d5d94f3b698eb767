"""The editor controller: turns the canvas's intents into undoable domain edits.

Every change to the journey goes through :meth:`DesignerController.push`, which puts a
:class:`~app.ui.designer.commands.EditCommand` on the undo stack. After any edit is done, undone
or redone, the scene mirrors the document and ``document_changed`` is emitted (validation and the
window's title listen). Selection is never on the undo stack. Refused requests (a connection the
rules do not allow) change nothing and emit ``refused`` with the reason.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from PySide6.QtCore import QObject, QPointF, Signal
from PySide6.QtGui import QUndoStack

from app.domain.arrange import arrange
from app.domain.edits import (
    ConnectionRefused,
    Edit,
    EditGroup,
    MoveNodes,
    add_node,
    can_connect,
    connect,
    move_nodes,
)
from app.domain.group_edits import paste_nodes, remove_selection
from app.domain.journey import Edge, JourneyDocument, Node, Position
from app.domain.registry import REGISTRY
from app.ui.designer import look
from app.ui.designer.commands import EditCommand
from app.ui.designer.items import EdgeKey
from app.ui.designer.scene import JourneyScene

PASTE_STEP = 2 * look.GRID


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
        x = look.snap(centre.x() - look.CARD_WIDTH / 2)
        y = look.snap(centre.y() - look.HEADER_HEIGHT / 2)
        edit = add_node(self._document, REGISTRY[kind].key, (x, y))
        self.push(edit)
        self.scene.select_nodes([edit.node.id])
        return edit.node.id

    def check_connection(self, source: str, port: str, target: str) -> str | None:
        return can_connect(self._document, source, port, target)

    def connect(self, source: str, port: str, target: str) -> str | None:
        """Connect, or emit and return the reason it is refused (the journey is unchanged)."""
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
