"""The main window: navigation on the left, a page per area, workspace and engine in the status bar.

The areas are fixed here (`AREAS`); each page is a placeholder that says what it will hold until
the feature behind it exists. The window only shows what it is given: which workspace is open and
whether the engine runs are set by whoever builds it.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

WINDOW_TITLE = "Journey Studio"
DEFAULT_SIZE = (1280, 800)
DEFAULT_WORKSPACE_LABEL = "default workspace"
PLACEHOLDER_MAX_WIDTH = 720


@dataclass(frozen=True)
class Area:
    """One entry of the navigation and the page it opens."""

    key: str
    title: str
    placeholder: str


AREAS: tuple[Area, ...] = (
    Area(
        "journeys",
        "Journeys",
        "Journeys in this workspace will appear here: drafts, live and stopped journeys. "
        "You will open a journey to draw it from segments, messages, waits and branches, "
        "and see at every step how many contacts passed through.",
    ),
    Area(
        "segments",
        "Segments",
        "Segments will appear here: dynamic groups of contacts defined by their attributes and "
        "behaviour. A contact who enters a segment starts the journeys that use it.",
    ),
    Area(
        "contacts",
        "Contacts",
        "Contacts and leads will appear here, with their details, consent and the journeys "
        "they are in. You will import them from CSV files.",
    ),
    Area(
        "tasks",
        "Tasks",
        "Sales follow-up tasks created by journeys will appear here, with their assignee, "
        "due date and priority.",
    ),
    Area(
        "messages",
        "Messages",
        "Emails, text messages and push notifications sent by journeys will appear here, "
        "with their delivery, opens and clicks.",
    ),
    Area(
        "settings",
        "Settings",
        "Workspace settings will appear here: how often segments refresh, "
        "delivery transports and the address used for tracking links.",
    ),
)


class PlaceholderPage(QWidget):
    """A page that names its area and says what it will show."""

    def __init__(self, area: Area, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("page")
        self.area = area

        title = QLabel(area.title)
        title.setObjectName("pageTitle")

        hint = QLabel(area.placeholder)
        hint.setObjectName("placeholderText")
        hint.setWordWrap(True)

        badge = QLabel("Not available yet")
        badge.setObjectName("placeholderBadge")

        card = QFrame()
        card.setObjectName("placeholderCard")
        card.setMaximumWidth(PLACEHOLDER_MAX_WIDTH)  # keep lines of text readable
        card_layout = QVBoxLayout(card)
        card_layout.setContentsMargins(24, 20, 24, 24)
        card_layout.setSpacing(10)
        card_layout.addWidget(badge, alignment=Qt.AlignmentFlag.AlignLeft)
        card_layout.addWidget(hint)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(40, 32, 40, 32)
        layout.setSpacing(20)
        layout.addWidget(title)
        layout.addWidget(card)
        layout.addStretch(1)


class MainWindow(QMainWindow):
    """The application shell: navigation list, stacked pages and status bar."""

    def __init__(self, workspace: str | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(WINDOW_TITLE)
        self.resize(*DEFAULT_SIZE)

        self.navigation = QListWidget()
        self.navigation.setObjectName("navigation")
        self.navigation.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.pages = QStackedWidget()
        self.pages.setObjectName("pages")
        for area in AREAS:
            item = QListWidgetItem(area.title)
            item.setData(Qt.ItemDataRole.UserRole, area.key)
            self.navigation.addItem(item)
            self.pages.addWidget(PlaceholderPage(area))
        self.navigation.currentRowChanged.connect(self.pages.setCurrentIndex)

        self.setCentralWidget(self._build_central(self.navigation, self.pages))

        self.workspace_label = QLabel()
        self.workspace_label.setObjectName("workspaceStatus")
        self.engine_label = QLabel("Engine: not running")
        self.engine_label.setObjectName("engineStatus")
        self.statusBar().addWidget(self.workspace_label, 1)
        self.statusBar().addPermanentWidget(self.engine_label)
        self.set_workspace(workspace)

        self.show_area(AREAS[0].key)

    @staticmethod
    def _build_central(navigation: QListWidget, pages: QStackedWidget) -> QWidget:
        brand = QLabel(WINDOW_TITLE)
        brand.setObjectName("brand")

        sidebar = QFrame()
        sidebar.setObjectName("sidebar")
        sidebar.setFixedWidth(220)
        sidebar_layout = QVBoxLayout(sidebar)
        sidebar_layout.setContentsMargins(12, 18, 12, 12)
        sidebar_layout.setSpacing(12)
        sidebar_layout.addWidget(brand)
        sidebar_layout.addWidget(navigation, 1)

        central = QWidget()
        central.setObjectName("central")
        layout = QHBoxLayout(central)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(sidebar)
        layout.addWidget(pages, 1)
        return central

    def set_workspace(self, workspace: str | None) -> None:
        """Show which workspace is open (None: the default workspace)."""
        self.workspace_label.setText(f"Workspace: {workspace or DEFAULT_WORKSPACE_LABEL}")

    def show_area(self, key: str) -> None:
        """Select an area by key (`"journeys"`, `"segments"`, …) in the navigation."""
        keys = [area.key for area in AREAS]
        self.navigation.setCurrentRow(keys.index(key))

    def current_area(self) -> Area:
        page = self.pages.currentWidget()
        assert isinstance(page, PlaceholderPage)
        return page.area
