"""The main window: navigation on the left, a page per area, workspace and engine in the status bar.

The areas are fixed here (`AREAS`). The Journeys page holds the designer (a journey opened from a
file for now, through `JourneyFiles`); the other pages are placeholders that say what they will
hold until the feature behind them exists. The window only shows what it is given: which
workspace is open and whether the engine runs are set by whoever builds it.

The menus offer the file commands and the designer's own actions (the designer owns them and
their shortcuts). Closing the window asks about unsaved changes first.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
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

from app.ui.journey_files import JourneyFiles
from app.ui.journeys_page import JourneysPage

WINDOW_TITLE = "Journey Studio"
DEFAULT_SIZE = (1280, 800)
SIDEBAR_WIDTH = 184
MESSAGE_MS = 5000
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
        self.journeys = JourneysPage(AREAS[0])
        for area in AREAS:
            item = QListWidgetItem(area.title)
            item.setData(Qt.ItemDataRole.UserRole, area.key)
            self.navigation.addItem(item)
            page = self.journeys if area.key == "journeys" else PlaceholderPage(area)
            self.pages.addWidget(page)
        self.navigation.currentRowChanged.connect(self.pages.setCurrentIndex)
        self.designer = self.journeys.designer
        self.files = JourneyFiles(self.designer, self)
        self.files.changed.connect(self._update_title)
        self.files.opened.connect(self._journey_opened)
        self.journeys.open_requested.connect(self.files.open)
        self.journeys.new_requested.connect(self.files.new)
        self.designer.message.connect(self._show_message)
        self._build_menus()

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
        sidebar.setFixedWidth(SIDEBAR_WIDTH)
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
        assert isinstance(page, PlaceholderPage | JourneysPage)
        area = page.area
        assert isinstance(area, Area)
        return area

    # -- journeys -------------------------------------------------------------------------

    def open_journey(self, path: Path) -> bool:
        """Open a journey file in the designer (asking about unsaved changes first)."""
        return self.files.open(path)

    def _journey_opened(self) -> None:
        self.show_area("journeys")
        self.journeys.show_designer()
        self.designer.view.setFocus()
        QTimer.singleShot(0, self.designer.view.fit_journey)  # once the canvas has its size

    def _update_title(self) -> None:
        if self.files.is_open:
            self.setWindowTitle(f"{self.files.journey_name}[*] — {WINDOW_TITLE}")
        else:
            self.setWindowTitle(WINDOW_TITLE)
        self.setWindowModified(self.files.modified)
        for name in ("save", "save_as"):
            self.file_actions[name].setEnabled(self.files.is_open)

    def _show_message(self, text: str, timeout: int) -> None:
        if text:
            self.statusBar().showMessage(text, timeout)
        else:
            self.statusBar().clearMessage()

    def closeEvent(self, event: QCloseEvent) -> None:
        if self.files.maybe_save():
            event.accept()
        else:
            event.ignore()

    def _build_menus(self) -> None:
        keys = QKeySequence.StandardKey
        self.file_actions: dict[str, QAction] = {}
        file_menu = self.menuBar().addMenu("&File")
        for name, text, shortcut, slot in (
            ("new", "&New journey", keys.New, self.files.new),
            ("open", "&Open…", keys.Open, self.files.open),
            ("save", "&Save", keys.Save, self.files.save),
            ("save_as", "Save &as…", keys.SaveAs, self.files.save_as),
        ):
            action = file_menu.addAction(text)
            action.setShortcut(QKeySequence(shortcut))
            action.triggered.connect(lambda _checked=False, slot=slot: slot())  # no `checked`
            self.file_actions[name] = action
        file_menu.addSeparator()
        quit_action = file_menu.addAction("&Quit")
        quit_action.setShortcut(QKeySequence(keys.Quit))
        quit_action.triggered.connect(self.close)
        actions = self.designer.actions_by_name
        edit_menu = self.menuBar().addMenu("&Edit")
        view_menu = self.menuBar().addMenu("&View")
        for menu, names in (
            (edit_menu, ("undo", "redo", "", "cut", "copy", "paste", "delete", "", "select_all")),
            (view_menu, ("zoom_in", "zoom_out", "fit", "", "arrange")),
        ):
            for name in names:
                if name:
                    menu.addAction(actions[name])
                else:
                    menu.addSeparator()
        self._update_title()
