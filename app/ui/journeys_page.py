"""The Journeys page: an empty state until a journey is open, then the designer.

For now journeys come from files (File → Open); the workspace's journeys list takes the empty
state's place when the store serves it.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from app.ui.designer.editor import DesignerWidget

EMPTY_TEXT = (
    "Journeys in this workspace will appear here. Until then, open a journey file "
    "(*.journey.json) to design it, or start a new journey."
)


class JourneysPage(QWidget):
    open_requested = Signal()
    new_requested = Signal()

    def __init__(self, area: object, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("page")
        self.area = area
        self.designer = DesignerWidget()
        self.empty = self._empty_state()
        self.stack = QStackedWidget()
        self.stack.addWidget(self.empty)
        self.stack.addWidget(self.designer)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.stack)

    def show_designer(self) -> None:
        self.stack.setCurrentWidget(self.designer)

    @property
    def designer_shown(self) -> bool:
        return self.stack.currentWidget() is self.designer

    def _empty_state(self) -> QWidget:
        title = QLabel("Journeys")
        title.setObjectName("pageTitle")
        text = QLabel(EMPTY_TEXT)
        text.setObjectName("placeholderText")
        text.setWordWrap(True)
        open_button = QPushButton("Open journey file…")
        open_button.setObjectName("primaryButton")
        open_button.clicked.connect(self.open_requested)
        new_button = QPushButton("New journey")
        new_button.setObjectName("secondaryButton")
        new_button.clicked.connect(self.new_requested)
        buttons = QHBoxLayout()
        buttons.setSpacing(8)
        buttons.addWidget(open_button)
        buttons.addWidget(new_button)
        buttons.addStretch(1)
        card = QFrame()
        card.setObjectName("placeholderCard")
        card.setMaximumWidth(720)
        card_layout = QVBoxLayout(card)
        card_layout.setContentsMargins(24, 20, 24, 24)
        card_layout.setSpacing(16)
        card_layout.addWidget(text)
        card_layout.addLayout(buttons)
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.setContentsMargins(40, 32, 40, 32)
        layout.setSpacing(20)
        layout.addWidget(title)
        layout.addWidget(card)  # full width up to its maximum: wrapped text gets its height
        layout.addStretch(1)
        return page
