"""The properties panel right of the canvas: the selected node's form, or the journey settings.

One node selected: its property form (and, for a message node, a Preview tab). Nothing
selected: the journey settings form. Several: a note saying so. Every change a form emits goes
to the controller as an undoable edit; a value that cannot be stored is refused there and the
reason shows next to the field. After any edit, undo or redo the form shows the document again
(``refresh``), and the validator's findings for what is shown appear next to their fields.

Read-only (a live journey): the forms are disabled; the preview still works.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QFrame,
    QLabel,
    QScrollArea,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app.domain.journey import Node
from app.domain.registry import spec_for
from app.domain.validation import SETTINGS, Finding
from app.ui.designer.controller import DesignerController
from app.ui.designer.properties.context import FormContext
from app.ui.designer.properties.node_form import STEP_NAME, NodeForm
from app.ui.designer.properties.preview import MessagePreviewPane
from app.ui.designer.properties.settings_form import SettingsForm
from app.ui.designer.properties.sources import DesignerSources

PANEL_WIDTH = 340


def is_message(node: Node) -> bool:
    """Message nodes are the ones with templates: email, SMS, push and task."""
    return bool(spec_for(node.kind).templates)


def _scrolled(widget: QWidget) -> QScrollArea:
    area = QScrollArea()
    area.setObjectName("propertiesScroll")
    area.setWidgetResizable(True)
    area.setFrameShape(QFrame.Shape.NoFrame)
    area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)  # deep conditions
    area.setWidget(widget)
    return area


class PropertiesPanel(QFrame):
    def __init__(self, controller: DesignerController, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("propertiesPanel")
        self.setMinimumWidth(280)
        self.controller = controller
        self.sources = DesignerSources()
        self.read_only = False
        self.node_ids: list[str] = []
        self.form: NodeForm | SettingsForm | QLabel | None = None
        self.findings: list[Finding] = []
        self.heading = QLabel()
        self.heading.setObjectName("panelHeading")
        self.subheading = QLabel()
        self.subheading.setObjectName("fieldHint")
        self.subheading.setWordWrap(True)
        self.tabs = QTabWidget()
        self.tabs.setObjectName("propertiesTabs")
        self.tabs.setDocumentMode(True)
        self.form_holder = QWidget()
        self.form_holder.setObjectName("formHolder")
        self.form_layout = QVBoxLayout(self.form_holder)
        self.form_layout.setContentsMargins(14, 12, 14, 14)
        self.preview = MessagePreviewPane(self.sources)
        preview_holder = QWidget()
        preview_layout = QVBoxLayout(preview_holder)
        preview_layout.setContentsMargins(14, 12, 14, 14)
        preview_layout.addWidget(self.preview)
        self.tabs.addTab(_scrolled(self.form_holder), "Properties")
        self.tabs.addTab(_scrolled(preview_holder), "Preview")
        self.tabs.currentChanged.connect(self._tab_changed)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 10, 0, 0)
        layout.setSpacing(2)
        for label in (self.heading, self.subheading):
            label.setContentsMargins(14, 0, 14, 0)
            layout.addWidget(label)
        layout.addWidget(self.tabs, 1)
        controller.document_changed.connect(self.refresh)
        self.show_selection([])

    # -- what is shown --------------------------------------------------------------------

    def set_sources(self, sources: DesignerSources) -> None:
        self.sources = sources
        self.preview.sources = sources
        self._rebuild()

    def show_selection(self, node_ids: Sequence[str]) -> None:
        """Show the form for this selection (one node, none, or several)."""
        self.node_ids = list(node_ids)
        self._rebuild()

    def _context(self) -> FormContext:
        node_id = self.node_ids[0] if len(self.node_ids) == 1 else None
        return FormContext(self.controller.document, self.sources, node_id)

    def _rebuild(self) -> None:
        if self.form is not None:
            self.form.setParent(None)
            self.form.deleteLater()
        document = self.controller.document
        node = document.node(self.node_ids[0]) if len(self.node_ids) == 1 else None
        if len(self.node_ids) > 1:
            self.form = QLabel(f"{len(self.node_ids)} nodes selected.")
            self.form.setObjectName("fieldHint")
            self._set_heading("Several nodes", "Select one node to see its properties.")
        elif node is None:
            self.form = SettingsForm(document, self._context())
            self.form.text_edited.connect(self._text_edited)
            self.form.setting_edited.connect(self._setting_edited)
            self._set_heading("Journey settings", "Select a node to edit it.")
        else:
            self.form = NodeForm(node, self._context())
            self.form.title_edited.connect(self._title_edited)
            self.form.field_edited.connect(self._field_edited)
            self.form.config_reshaped.connect(self._config_reshaped)
            spec = spec_for(node.kind)
            self._set_heading(spec.title, spec.description)
        self.form.setEnabled(not self.read_only)
        self.form_layout.addWidget(self.form)
        message = node is not None and is_message(node)
        self.tabs.setTabVisible(1, message)
        if not message:
            self.tabs.setCurrentIndex(0)
        elif self.tabs.currentIndex() == 1 and node is not None:
            self.preview.show_node(document, node.id)
        self.show_findings(self.findings)

    def _set_heading(self, title: str, note: str) -> None:
        self.heading.setText(title)
        self.subheading.setText(note)

    def refresh(self) -> None:
        """Show the document again (after an edit, an undo or a redo)."""
        document = self.controller.document
        form = self.form
        if isinstance(form, NodeForm):
            node = document.node(form.node_id)
            if node is None or form.shape(node) != form.built_for:
                self.node_ids = [n for n in self.node_ids if document.node(n) is not None]
                self._rebuild()
                return
            form.refresh(node)
            if self.tabs.currentIndex() == 1:
                self.preview.render_later()
        elif isinstance(form, SettingsForm):
            form.refresh(document)

    def show_findings(self, findings: Sequence[Finding]) -> None:
        self.findings = list(findings)
        if isinstance(self.form, NodeForm):
            node_id = self.form.node_id
            self.form.show_findings(f for f in findings if f.node == node_id)
        elif isinstance(self.form, SettingsForm):
            self.form.show_findings(f for f in findings if f.node == SETTINGS)

    def set_read_only(self, read_only: bool) -> None:
        self.read_only = read_only
        if self.form is not None:
            self.form.setEnabled(not read_only)

    def _tab_changed(self, index: int) -> None:
        if index == 1 and isinstance(self.form, NodeForm):
            self.preview.show_node(self.controller.document, self.form.node_id)

    # -- edits ----------------------------------------------------------------------------

    def _title_edited(self, title: str) -> None:
        if isinstance(self.form, NodeForm):
            problem = self.controller.set_title(self.form.node_id, title)
            self.form.show_problem(STEP_NAME, problem)

    def _field_edited(self, field: str, value: object) -> None:
        if isinstance(self.form, NodeForm):
            form = self.form
            problem = self.controller.set_config_field(form.node_id, field, value)
            form.show_problem(field, problem)

    def _config_reshaped(self, field: str, config: dict[str, object]) -> None:
        if isinstance(self.form, NodeForm):
            form = self.form
            problem = self.controller.reshape_config(form.node_id, field, config)
            form.show_problem(field, problem)

    def _text_edited(self, field: str, text: str) -> None:
        if isinstance(self.form, SettingsForm) and field in ("name", "description"):
            problem = self.controller.set_journey_text(field, text)  # type: ignore[arg-type]
            self.form.show_problem(field, problem)

    def _setting_edited(self, field: str, value: object) -> None:
        if isinstance(self.form, SettingsForm):
            problem = self.controller.set_setting(field, value)
            self.form.show_problem(field, problem)
