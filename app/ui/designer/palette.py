"""The node palette: the kinds a marketer can drag onto the canvas, grouped as the registry says.

Groups and entries come from :func:`app.domain.registry.palette` (Actions: Email, SMS, Push,
Task; Flow: Wait, Branch, Split, A/B test, Exit). Dragging an entry carries its kind under
:data:`NODE_KIND_MIME`; double-clicking (or Enter on) an entry asks for one in the middle of the
canvas (``kind_activated``).
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QMimeData, QSize, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFrame,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.domain.registry import Category, NodeSpec, palette
from app.ui.designer.icons import icon
from app.ui.designer.look import CATEGORY_LOOKS

NODE_KIND_MIME = "application/x-journey-studio-node-kind"
GROUPS: tuple[tuple[str, Category], ...] = (("Actions", "action"), ("Flow", "flow"))
KIND_ROLE = Qt.ItemDataRole.UserRole


class PaletteList(QListWidget):
    """One palette group; its entries drag their node kind."""

    def __init__(self, specs: Sequence[NodeSpec], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("paletteList")
        self.setDragEnabled(True)
        self.setDragDropMode(QAbstractItemView.DragDropMode.DragOnly)
        self.setDefaultDropAction(Qt.DropAction.CopyAction)
        self.setIconSize(QSize(20, 20))
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setFrameShape(QFrame.Shape.NoFrame)
        for spec in specs:
            item = QListWidgetItem(
                icon(spec.icon, CATEGORY_LOOKS[spec.category].accent), spec.title
            )
            item.setData(KIND_ROLE, spec.key)
            item.setToolTip(f"{spec.description}\nDrag onto the canvas to add.")
            self.addItem(item)
        self.setCurrentRow(-1)
        self.setFixedHeight(self.sizeHintForRow(0) * len(specs) + 2 * self.frameWidth() + 4)

    def mimeTypes(self) -> list[str]:
        return [NODE_KIND_MIME]

    def mimeData(self, items: Sequence[QListWidgetItem]) -> QMimeData:
        data = QMimeData()
        if items:
            kind = str(items[0].data(KIND_ROLE))
            data.setData(NODE_KIND_MIME, kind.encode("utf-8"))
            data.setText(kind)
        return data


class NodePalette(QFrame):
    """The palette panel: a heading and a list per group."""

    kind_activated = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("palette")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 14, 10, 10)
        layout.setSpacing(4)
        self.lists: dict[str, PaletteList] = {}
        for title, category in GROUPS:
            heading = QLabel(title.upper())
            heading.setObjectName("paletteHeading")
            entries = PaletteList(palette(category))
            entries.itemActivated.connect(self._activated)
            layout.addWidget(heading)
            layout.addWidget(entries)
            layout.addSpacing(10)
            self.lists[title] = entries
        hint = QLabel("Drag onto the canvas, or double-click to add.")
        hint.setObjectName("paletteHint")
        hint.setWordWrap(True)
        layout.addWidget(hint)
        layout.addStretch(1)

    def entry(self, title: str) -> QListWidgetItem:
        """The entry with this title (“Email”, “A/B test”)."""
        for entries in self.lists.values():
            for row in range(entries.count()):
                if entries.item(row).text() == title:
                    return entries.item(row)
        raise KeyError(title)

    def mime_data_for(self, title: str) -> QMimeData:
        """What dragging the entry ``title`` carries (tests drop it on the canvas)."""
        item = self.entry(title)
        entries = item.listWidget()
        assert isinstance(entries, PaletteList)
        return entries.mimeData([item])

    def _activated(self, item: QListWidgetItem) -> None:
        self.kind_activated.emit(str(item.data(KIND_ROLE)))
