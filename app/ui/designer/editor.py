"""The designer widget: palette | canvas over the issues panel | properties, with the actions.

Builds the designer's parts for one journey and wires them: view and palette intents go to the
controller, every change schedules validation, findings go to the cards, the issues panel and
the properties panel; the selection decides what the properties panel shows. Its actions (undo,
redo, cut, copy, paste, delete, select all, fit, zoom, arrange) carry the shortcuts and are
offered to the window's menus through :attr:`DesignerWidget.actions_by_name`.

Workspace data (segment names, custom attributes, contacts for the preview) comes in through
:meth:`DesignerWidget.set_sources`; :meth:`DesignerWidget.set_read_only` shows a live journey
that cannot be changed.
"""

from __future__ import annotations

from PySide6.QtCore import QPointF, Qt, Signal
from PySide6.QtGui import QAction, QCursor, QGuiApplication, QKeySequence, QUndoStack
from PySide6.QtWidgets import (
    QLabel,
    QSplitter,
    QToolBar,
    QToolTip,
    QVBoxLayout,
    QWidget,
)
from shiboken6 import isValid

from app.domain.journey import JourneyDocument, Node
from app.domain.validation import Finding
from app.ui.designer.clipboard import fragment_mime, fragment_text, read_fragment
from app.ui.designer.controller import READ_ONLY, DesignerController
from app.ui.designer.issues import IssuesPanel
from app.ui.designer.palette import NodePalette
from app.ui.designer.properties.panel import PANEL_WIDTH, PropertiesPanel
from app.ui.designer.properties.sources import DesignerSources
from app.ui.designer.scene import JourneyScene
from app.ui.designer.validation import LiveValidation
from app.ui.designer.view import JourneyView

MESSAGE_MS = 6000
EDITING_ACTIONS = ("undo", "redo", "cut", "paste", "delete", "arrange")
"""The actions a read-only designer turns off."""


def new_journey(name: str = "Untitled journey") -> JourneyDocument:
    """A journey with only its start node."""
    return JourneyDocument(name=name, nodes=[Node(id="start", kind="start", title="Start")])


class DesignerWidget(QWidget):
    message = Signal(str, int)
    """A sentence for the status bar and how long to show it (ms; 0 until replaced)."""

    def __init__(self, document: JourneyDocument | None = None, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("designer")
        self.undo_stack = QUndoStack(self)
        self.scene = JourneyScene(self)  # goes with the widget, not with Python's collector
        self.view = JourneyView(self.scene)
        self.palette = NodePalette()
        self.issues = IssuesPanel()
        self.controller = DesignerController(document or new_journey(), self.scene, self.undo_stack)
        self.validation = LiveValidation(lambda: self.controller.document, self)
        self.properties = PropertiesPanel(self.controller)
        self.read_only = False
        self.zoom_label = QLabel()
        self.zoom_label.setObjectName("zoomLabel")
        self.actions_by_name: dict[str, QAction] = {}
        self._build_actions()
        self._build_layout()
        self._wire()
        self.validation.run_now()
        self.view.update_scene_rect()

    @property
    def document(self) -> JourneyDocument:
        return self.controller.document

    def load(self, document: JourneyDocument) -> None:
        self.controller.load(document)
        self.properties.show_selection(self.scene.selected_node_ids())
        self.validation.run_now()
        self.view.fit_journey()

    def set_sources(self, sources: DesignerSources) -> None:
        """Where the pickers and the preview get workspace data (see ``workspace_sources``);
        from now on validation checks segment and attribute names against the workspace's."""
        self.properties.set_sources(sources)
        if sources.check_names:
            self.validation.set_known(sources.segment_names(), sources.attribute_keys())
        else:
            self.validation.set_known(None, None)
        self.issues.set_names_checked(sources.check_names)
        self.validation.run_now()

    def set_read_only(self, read_only: bool) -> None:
        """Show a live journey that cannot be changed: no drops, connections, moves, deletes or
        pastes, the palette and the property forms disabled. Selecting, zooming, copying and the
        preview still work."""
        self.read_only = read_only
        self.controller.read_only = read_only
        self.view.read_only = read_only
        self.scene.set_movable(not read_only)
        self.palette.setEnabled(not read_only)
        self.properties.set_read_only(read_only)
        for name in EDITING_ACTIONS:
            self.actions_by_name[name].setEnabled(not read_only)
        if not read_only:
            self._follow_undo_stack()

    # -- building -------------------------------------------------------------------------

    def _build_layout(self) -> None:
        toolbar = QToolBar()
        toolbar.setObjectName("designerToolbar")
        toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        for name in ("undo", "redo", None, "arrange", "fit", "zoom_out", "zoom_in"):
            if name is None:
                toolbar.addSeparator()
            else:
                toolbar.addAction(self.actions_by_name[name])
        toolbar.addWidget(self.zoom_label)

        canvas = QWidget()
        canvas_layout = QVBoxLayout(canvas)
        canvas_layout.setContentsMargins(0, 0, 0, 0)
        canvas_layout.setSpacing(0)
        canvas_layout.addWidget(toolbar)
        canvas_layout.addWidget(self.view, 1)

        right = QSplitter(Qt.Orientation.Vertical)
        right.setObjectName("canvasSplitter")
        right.addWidget(canvas)
        right.addWidget(self.issues)
        right.setStretchFactor(0, 1)
        right.setSizes([680, 130])
        right.setChildrenCollapsible(False)

        main = QSplitter(Qt.Orientation.Horizontal)
        main.setObjectName("designerSplitter")
        main.addWidget(self.palette)
        main.addWidget(right)
        main.addWidget(self.properties)
        main.setStretchFactor(1, 1)
        main.setSizes([176, 1000, PANEL_WIDTH])
        main.setChildrenCollapsible(False)
        self.palette.setMinimumWidth(150)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(main)

    def _action(
        self, name: str, text: str, shortcut: QKeySequence | str | None, slot: object
    ) -> QAction:
        action = QAction(text, self)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        action.triggered.connect(slot)
        self.addAction(action)
        self.actions_by_name[name] = action
        return action

    def _build_actions(self) -> None:
        undo = self.undo_stack.createUndoAction(self, "Undo")
        undo.setShortcuts(QKeySequence.StandardKey.Undo)
        redo = self.undo_stack.createRedoAction(self, "Redo")
        redo.setShortcuts([QKeySequence("Ctrl+Shift+Z"), QKeySequence("Ctrl+Y")])
        for name, action in (("undo", undo), ("redo", redo)):
            action.setIconText(name.capitalize())  # the toolbar keeps a short label
            action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            self.addAction(action)
            self.actions_by_name[name] = action
        keys = QKeySequence.StandardKey
        self._action("cut", "Cut", keys.Cut, self.cut)
        self._action("copy", "Copy", keys.Copy, self.copy)
        self._action("paste", "Paste", keys.Paste, self.paste)
        delete = self._action("delete", "Delete", keys.Delete, self.delete_selection)
        delete.setShortcuts([QKeySequence(keys.Delete), QKeySequence(Qt.Key.Key_Backspace)])
        self._action("select_all", "Select all", keys.SelectAll, self.select_all)
        self._action("arrange", "Arrange", "Ctrl+L", self.controller.arrange)
        self._action("fit", "Fit", "Ctrl+0", self.view.fit_journey)
        self._action("zoom_in", "Zoom in", keys.ZoomIn, self.view.zoom_in)
        self._action("zoom_out", "Zoom out", keys.ZoomOut, self.view.zoom_out)
        self.actions_by_name["zoom_in"].setIconText("+")
        self.actions_by_name["zoom_out"].setIconText("−")
        self.actions_by_name["zoom_in"].setToolTip("Zoom in (Ctrl++)")
        self.actions_by_name["zoom_out"].setToolTip("Zoom out (Ctrl+-)")

    def _wire(self) -> None:
        self.view.connection_check = self.controller.check_connection
        self.view.node_dropped.connect(self.controller.add_node)
        self.view.connect_requested.connect(self.controller.connect)
        self.view.nodes_moved.connect(self.controller.move_nodes)
        self.view.hint_changed.connect(self._show_hint)
        self.view.zoom_changed.connect(self._show_zoom)
        self.palette.kind_activated.connect(self._add_in_view)
        self.controller.refused.connect(self._refused)
        self.controller.document_changed.connect(self.validation.schedule)
        self.controller.document_changed.connect(self.view.update_scene_rect)
        self.validation.findings_changed.connect(self._show_findings)
        self.issues.node_activated.connect(self.reveal_node)
        self.issues.settings_activated.connect(self.scene.clearSelection)
        self.scene.selectionChanged.connect(self._selection_changed)
        self._show_zoom(self.view.zoom())

    # -- behaviour ------------------------------------------------------------------------

    def _show_hint(self, text: str) -> None:
        self.message.emit(text, 0)

    def _show_zoom(self, zoom: float) -> None:
        self.zoom_label.setText(f"{zoom:.0%}")

    def _add_in_view(self, kind: str) -> None:
        self.controller.add_node(kind, self.view.visible_centre())

    def _refused(self, reason: str) -> None:
        self.message.emit(reason if reason == READ_ONLY else f"Not connected: {reason}", MESSAGE_MS)
        QToolTip.showText(QCursor.pos(), reason, self.view)

    def _show_findings(self, findings: list[Finding]) -> None:
        self.scene.set_findings(findings)
        self.issues.set_findings(findings, self._title_of)
        self.properties.show_findings(findings)

    def _selection_changed(self) -> None:
        if not isValid(self.scene) or not isValid(self.properties):
            return  # the designer is being taken down
        selected = self.scene.selected_node_ids()
        if selected != self.properties.node_ids:
            self.properties.show_selection(selected)

    def _follow_undo_stack(self) -> None:
        self.actions_by_name["undo"].setEnabled(self.undo_stack.canUndo())
        self.actions_by_name["redo"].setEnabled(self.undo_stack.canRedo())

    def _title_of(self, node_id: str) -> str:
        card = self.scene.nodes.get(node_id)
        return card.title if card is not None else node_id

    def reveal_node(self, node_id: str) -> None:
        """Select the node and bring it to the middle of the canvas."""
        self.scene.select_nodes([node_id])
        self.view.centre_on_node(node_id)
        self.view.setFocus()

    def delete_selection(self) -> None:
        if self.read_only:
            self.controller.refused.emit(READ_ONLY)
            return
        nodes, edges = self.scene.selected_node_ids(), self.scene.selected_edge_keys()
        if nodes or edges:
            self.controller.delete(nodes, edges)

    def select_all(self) -> None:
        for item in self.scene.nodes.values():
            item.setSelected(True)

    def copy(self) -> bool:
        text = fragment_text(self.document, self.scene.selected_node_ids())
        if text is None:
            return False
        QGuiApplication.clipboard().setMimeData(fragment_mime(text))
        self.controller.note_copied()
        return True

    def cut(self) -> None:
        if not self.read_only and self.copy():
            self.controller.delete(self.scene.selected_node_ids())

    def paste(self) -> list[str]:
        fragment = read_fragment(QGuiApplication.clipboard().mimeData())
        if fragment is None or self.read_only:
            return []
        return self.controller.paste(*fragment)

    def add_node_at(self, kind: str, point: QPointF) -> str | None:
        return self.controller.add_node(kind, point)
