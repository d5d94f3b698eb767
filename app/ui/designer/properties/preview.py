"""The message preview: a message node rendered for a contact picked from the workspace.

A search box finds contacts by name or email (``sources.search_contacts``); the message is
rendered for the chosen one (``sources.render_preview``, the product's own sandboxed templates)
and shown part by part: a subject or title as a line, an HTML body in a sandboxed browser (no
links followed, nothing fetched from outside), text as text, and for SMS the length and segment
count. A template that fails shows its error in place of its part. Searches and renders go
through ``sources.run`` (the window's background pool), newest result wins.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import QTimer, QUrl
from PySide6.QtWidgets import (
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)
from shiboken6 import isValid

from app.domain.journey import JourneyDocument
from app.domain.registry import spec_for
from app.services.preview import ContactChoice, MessagePreview, RenderedPart
from app.ui.designer.properties.context import label_for
from app.ui.designer.properties.fields import narrow_combo
from app.ui.designer.properties.rows import error_label
from app.ui.designer.properties.sources import DesignerSources

SEARCH_KEY = "designer.preview.search"
RENDER_KEY = "designer.preview.render"
DELAY_MS = 200


class SandboxedBrowser(QTextBrowser):
    """Shows HTML without following links or loading anything: images from outside stay out."""

    def __init__(self) -> None:
        super().__init__()
        self.setOpenLinks(False)
        self.setOpenExternalLinks(False)
        self.setMinimumHeight(200)

    def loadResource(self, kind: int, name: QUrl | str) -> Any:
        del kind, name
        return None


class PartView(QWidget):
    """One rendered part: its label, its text (or HTML), or its template error."""

    def __init__(self, part: RenderedPart, multiline: bool) -> None:
        super().__init__()
        self.setObjectName("previewPart")
        self.field = part.field
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(3)
        caption = QLabel(label_for(part.field))
        caption.setObjectName("fieldLabel")
        layout.addWidget(caption)
        self.error = error_label("templateError")
        self.content: QWidget
        if part.html:
            browser = SandboxedBrowser()
            browser.setHtml(part.text)
            self.content = browser
        elif multiline:
            area = QPlainTextEdit(part.text)
            area.setReadOnly(True)
            area.setMinimumHeight(90)
            self.content = area
        else:
            label = QLabel(part.text or "—")
            label.setObjectName("previewLine")
            label.setWordWrap(True)
            self.content = label
        layout.addWidget(self.content)
        layout.addWidget(self.error)
        if part.error:
            self.content.hide()
            self.error.setText(f"Template error: {part.error}")
            self.error.show()


class MessagePreviewPane(QWidget):
    def __init__(self, sources: DesignerSources) -> None:
        super().__init__()
        self.setObjectName("messagePreview")
        self.sources = sources
        self.document: JourneyDocument | None = None
        self.node_id: str | None = None
        self.search = QLineEdit()
        self.search.setPlaceholderText("Find a contact by name or email")
        self.search.setClearButtonEnabled(True)
        self.search.textEdited.connect(self._search_later)
        self.contacts = narrow_combo()
        self.contacts.activated.connect(self.render_now)
        self.status = QLabel()
        self.status.setObjectName("fieldHint")
        self.status.setWordWrap(True)
        self.status.hide()
        self.sms = QLabel()
        self.sms.setObjectName("smsLength")
        self.parts_box = QVBoxLayout()
        self.parts_box.setSpacing(10)
        self.parts: list[PartView] = []
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(8)
        heading = QLabel("Preview for")
        heading.setObjectName("fieldLabel")
        layout.addWidget(heading)
        layout.addWidget(self.search)
        layout.addWidget(self.contacts)
        layout.addWidget(self.status)
        layout.addLayout(self.parts_box)
        layout.addWidget(self.sms)
        layout.addStretch(1)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(DELAY_MS)
        self._timer.timeout.connect(self.find_contacts)
        self._render_timer = QTimer(self)
        self._render_timer.setSingleShot(True)
        self._render_timer.setInterval(DELAY_MS)
        self._render_timer.timeout.connect(self.render_now)

    def set_sources(self, sources: DesignerSources) -> None:
        self.sources = sources
        self.find_contacts()

    def show_node(self, document: JourneyDocument, node_id: str) -> None:
        """Preview this node; the contact list is filled the first time."""
        self.document, self.node_id = document, node_id
        if self.contacts.count() == 0:
            self.find_contacts()
        else:
            self.render_now()

    def render_later(self) -> None:
        """The message changed: render again once the typing pauses."""
        self._render_timer.start()

    # -- contacts -------------------------------------------------------------------------

    def _search_later(self) -> None:
        self._timer.start()

    def find_contacts(self) -> None:
        text = self.search.text()
        search = self.sources.search_contacts
        self.sources.run(SEARCH_KEY, lambda: list(search(text)), self._found, self._failed)

    def _found(self, found: Sequence[ContactChoice]) -> None:
        if not isValid(self):
            return  # the designer closed while the search ran
        current = self.contacts.currentData()
        self.contacts.clear()
        for contact in found:
            self.contacts.addItem(contact.label, contact.id)
        if not found:
            self.contacts.addItem(
                "No contact found: rendering without contact data"
                if self.search.text()
                else "Without contact data",
                None,
            )
        index = self.contacts.findData(current) if current is not None else 0
        self.contacts.setCurrentIndex(max(index, 0))
        self.render_now()

    def contact_id(self) -> int | None:
        data = self.contacts.currentData()
        return int(data) if isinstance(data, int) else None

    # -- rendering ------------------------------------------------------------------------

    def render_now(self) -> None:
        if self.document is None or self.node_id is None:
            return
        node = self.document.node(self.node_id)
        if node is None:
            return
        node = node.model_copy(deep=True)  # the worker never reads what the GUI edits
        name, contact = self.document.name, self.contact_id()
        render = self.sources.render_preview
        self._say("Rendering…")
        self.sources.run(RENDER_KEY, lambda: render(node, name, contact), self._show, self._failed)

    def _show(self, preview: MessagePreview) -> None:
        if not isValid(self):
            return
        node = self.document.node(self.node_id) if self.document and self.node_id else None
        multiline = (
            {t.name for t in spec_for(node.kind).templates if t.multiline} if node else set()
        )
        for view in self.parts:
            view.setParent(None)
            view.deleteLater()
        self.parts = [PartView(part, part.field in multiline) for part in preview.parts]
        for view in self.parts:
            self.parts_box.addWidget(view)
        self.sms.setText(preview.sms.describe() if preview.sms else "")
        self.sms.setVisible(preview.sms is not None)
        errors = len(preview.errors)
        self._say(f"{errors} template error{'' if errors == 1 else 's'}" if errors else "")

    def _failed(self, error: BaseException) -> None:
        if not isValid(self):
            return
        self._say(f"The preview could not be made: {error}")

    def _say(self, text: str) -> None:
        self.status.setText(text)
        self.status.setVisible(bool(text))

    def part(self, field: str) -> PartView | None:
        return next((view for view in self.parts if view.field == field), None)
