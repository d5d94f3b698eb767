"""The main window: navigation on the left, a page per area, workspace and engine in the status bar.

The areas are fixed here (:data:`AREAS`); :data:`PAGES` says which widget each area shows. Every
page receives the :class:`~app.ui.context.AppContext` (the open workspace, the clock, the
background pool). The window shows the in-process engine's state through the
:class:`~app.ui.engine_host.EngineHost` attached to it (none in tests that do not run one).

The menus offer the journey commands and the designer's own actions (the designer owns them and
their shortcuts), opening another workspace and the recent ones. Closing the window asks about
unsaved changes first, then stops the engine and remembers the window's geometry.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence, QShowEvent
from PySide6.QtWidgets import (
    QFileDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QMenu,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from app.ui import preferences
from app.ui.context import AppContext
from app.ui.engine_state import EngineState
from app.ui.journeys_page import JourneysPage

if TYPE_CHECKING:
    from app.ui.engine_host import EngineHost

WINDOW_TITLE = "Journey Studio"
DEFAULT_SIZE = (1280, 800)
SIDEBAR_WIDTH = 184
PLACEHOLDER_MAX_WIDTH = 720
WORKSPACE_FILTER = "Workspaces (*.db *.sqlite *.sqlite3);;All files (*)"


@dataclass(frozen=True)
class Area:
    """One entry of the navigation and the page it opens."""

    key: str
    title: str
    placeholder: str


AREAS: tuple[Area, ...] = (
    Area("journeys", "Journeys", ""),
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

PageFactory = Callable[[AppContext], QWidget]


def _segments_page(context: AppContext) -> QWidget:
    from app.ui.segments.page import SegmentsPage

    return SegmentsPage(context)


def _contacts_page(context: AppContext) -> QWidget:
    from app.ui.contacts.page import ContactsPage

    return ContactsPage(context)


def _tasks_page(context: AppContext) -> QWidget:
    from app.ui.pages.tasks_page import TasksPage

    return TasksPage(context)


def _messages_page(context: AppContext) -> QWidget:
    from app.ui.pages.messages_page import MessagesPage

    return MessagesPage(context)


def _settings_page(context: AppContext) -> QWidget:
    from app.ui.pages.settings_page import SettingsPage

    return SettingsPage(context)


PAGES: dict[str, PageFactory] = {
    "segments": _segments_page,
    "contacts": _contacts_page,
    "tasks": _tasks_page,
    "messages": _messages_page,
    "settings": _settings_page,
}
"""The page of each area other than Journeys, built (and its module imported) the first time
the area is shown, so that start-up pays only for the Journeys page (DESIGN §8: window shown
within 2 s)."""


class LazyPage(QWidget):
    """Stands in for an area's page until the area is first shown, then builds and holds it."""

    def __init__(self, area: Area, factory: Callable[[], QWidget]) -> None:
        super().__init__()
        self.setObjectName("page")
        self.area = area
        self._factory = factory
        self.page: QWidget | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)

    def build(self) -> QWidget:
        if self.page is None:
            self.page = self._factory()
            layout = self.layout()
            assert layout is not None
            layout.addWidget(self.page)
            self.page.show()  # at once, not at the next turn of the event loop
        return self.page

    def showEvent(self, event: QShowEvent) -> None:
        self.build()
        super().showEvent(event)


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

    workspace_requested = Signal(str)
    """Open this workspace (a path or URL) in place of this one."""

    def __init__(
        self,
        context: AppContext,
        engine: EngineHost | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.context = context
        self.engine: EngineHost | None = None
        self.setWindowTitle(WINDOW_TITLE)
        self.resize(*DEFAULT_SIZE)
        self.choose_workspace_path: Callable[[], Path | None] = self._choose_workspace_path

        self.navigation = QListWidget()
        self.navigation.setObjectName("navigation")
        self.navigation.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.pages = QStackedWidget()
        self.pages.setObjectName("pages")
        self.journeys = JourneysPage(context, AREAS[0])
        self.page_by_area: dict[str, QWidget] = {}
        for area in AREAS:
            item = QListWidgetItem(area.title)
            item.setData(Qt.ItemDataRole.UserRole, area.key)
            self.navigation.addItem(item)
            page = self._page_for(area)
            self.page_by_area[area.key] = page
            self.pages.addWidget(page)
        self.navigation.currentRowChanged.connect(self.pages.setCurrentIndex)
        self.designer = self.journeys.designer
        self.session = self.journeys.session
        self.session.changed.connect(self._update_title)
        self.journeys.message.connect(self._show_message)
        self.session.opened.connect(self._journey_opened)
        self._build_menus()

        self.setCentralWidget(self._build_central(self.navigation, self.pages))

        self.workspace_label = QLabel(f"Workspace: {context.location}")
        self.workspace_label.setObjectName("workspaceStatus")
        self.engine_label = QLabel(EngineState("stopped").describe())
        self.engine_label.setObjectName("engineStatus")
        self.statusBar().addWidget(self.workspace_label, 1)
        self.statusBar().addPermanentWidget(self.engine_label)
        if engine is not None:
            self.attach_engine(engine)

        geometry = preferences.window_geometry()
        if geometry is not None:
            self.restoreGeometry(geometry)
        self.show_area(AREAS[0].key)

    def _page_for(self, area: Area) -> QWidget:
        if area.key == "journeys":
            return self.journeys
        factory = PAGES.get(area.key)
        if factory is None:
            return PlaceholderPage(area)
        return LazyPage(area, lambda: factory(self.context))

    def page(self, key: str) -> QWidget:
        """The page of an area (built now if it had not been shown yet)."""
        holder = self.page_by_area[key]
        return holder.build() if isinstance(holder, LazyPage) else holder

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

    def show_area(self, key: str) -> None:
        """Select an area by key (`"journeys"`, `"segments"`, …) in the navigation."""
        keys = [area.key for area in AREAS]
        self.navigation.setCurrentRow(keys.index(key))

    def current_area(self) -> Area:
        return AREAS[self.pages.currentIndex()]

    # -- journeys -------------------------------------------------------------------------

    def _journey_opened(self) -> None:
        self.show_area("journeys")
        self.designer.view.setFocus()
        QTimer.singleShot(0, self.designer.view.fit_journey)  # once the canvas has its size

    def _update_title(self) -> None:
        if self.session.is_open:
            self.setWindowTitle(f"{self.session.journey_name}[*] — {WINDOW_TITLE}")
        else:
            self.setWindowTitle(WINDOW_TITLE)
        self.setWindowModified(self.session.modified)
        editing = self.session.is_open and not self.session.read_only
        self.file_actions["save"].setEnabled(editing)
        self.file_actions["go_live"].setEnabled(editing)
        self.file_actions["export"].setEnabled(self.session.is_open)

    def _show_message(self, text: str, timeout: int) -> None:
        if text:
            self.statusBar().showMessage(text, timeout)
        else:
            self.statusBar().clearMessage()

    def attach_engine(self, engine: EngineHost) -> None:
        """Show this engine's state, refresh the figures after its ticks, stop it on close."""
        self.engine = engine
        engine.state_changed.connect(self._show_engine)
        engine.ticked.connect(lambda _report: self.journeys.refresh())
        self._show_engine(engine.state)

    def _show_engine(self, state: EngineState) -> None:
        self.engine_label.setText(state.describe())
        self.engine_label.setToolTip(state.detail)

    def _export_open_journey(self) -> None:
        if self.session.journey_id is not None:
            self.journeys.table.select_journey(self.session.journey_id)
            self.journeys.export_selected()

    # -- workspaces -----------------------------------------------------------------------

    def open_workspace(self, location: str | None = None) -> None:
        if location is None:
            path = self.choose_workspace_path()
            if path is None:
                return
            location = str(path)
        self.workspace_requested.emit(location)

    def _fill_recent(self, menu: QMenu) -> None:
        menu.clear()
        current = self.context.location
        recent = [item for item in preferences.recent_workspaces() if item != current]
        for location in recent:
            action = menu.addAction(location)
            action.triggered.connect(
                lambda _checked=False, location=location: self.open_workspace(location)
            )
        if not recent:
            menu.addAction("No other workspaces yet").setEnabled(False)

    def _choose_workspace_path(self) -> Path | None:
        name, _filter = QFileDialog.getOpenFileName(
            self, "Open workspace", str(Path.home()), WORKSPACE_FILTER
        )
        return Path(name) if name else None

    # -- closing --------------------------------------------------------------------------

    def closeEvent(self, event: QCloseEvent) -> None:
        if not self.session.maybe_save():
            event.ignore()
            return
        preferences.remember_window_geometry(self.saveGeometry())
        if self.engine is not None:
            self.engine.stop()
        event.accept()

    def _build_menus(self) -> None:
        keys = QKeySequence.StandardKey
        self.file_actions: dict[str, QAction] = {}
        file_menu = self.menuBar().addMenu("&File")
        for name, text, shortcut, slot in (
            ("new", "&New journey", QKeySequence(keys.New), self.session.new),
            ("import", "&Import journey…", QKeySequence("Ctrl+I"), self.journeys.import_file),
            ("export", "&Export journey…", QKeySequence("Ctrl+E"), self._export_open_journey),
            ("save", "&Save", QKeySequence(keys.Save), self.session.save),
            ("go_live", "&Go live", QKeySequence("Ctrl+Shift+L"), self.session.go_live),
            ("open_workspace", "Open &workspace…", QKeySequence(keys.Open), self.open_workspace),
        ):
            action = file_menu.addAction(text)
            action.setShortcut(shortcut)
            action.triggered.connect(lambda _checked=False, slot=slot: slot())  # no `checked`
            self.file_actions[name] = action
        recent = file_menu.addMenu("&Recent workspaces")
        recent.aboutToShow.connect(lambda: self._fill_recent(recent))
        self.recent_menu = recent
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
