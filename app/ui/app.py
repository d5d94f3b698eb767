"""Start the desktop app: the QApplication, the style sheet, the workspace and the main window.

This is the GUI entry point that `journey-studio` (without a command) calls, and the one place
that builds the app's object graph (STYLE 11): workspace → context (clock, background pool) →
main window, then the engine host once the window is shown. Opening another workspace from the
window builds a new graph and closes the old one (its engine stops and gives the lease back,
its workspace closes).
"""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtCore import QObject, QTimer
from PySide6.QtWidgets import QApplication, QMessageBox

from app import __version__
from app.resources import resource_path
from app.store.workspace import WorkspaceError, open_workspace
from app.ui import preferences
from app.ui.background import Background
from app.ui.collector import collect_on_gui_thread
from app.ui.context import AppContext
from app.ui.designer.clipboard import FRAGMENT_MIME
from app.ui.journey_session import Unsaved
from app.ui.main_window import MainWindow

APP_NAME = "Journey Studio"
STYLE_SHEET = ("style", "light.qss")


class Launcher(QObject):
    """Opens a workspace in a main window, and swaps windows when another one is asked for."""

    def __init__(self, run_engine: bool = True) -> None:
        super().__init__()
        self.run_engine = run_engine
        self.window: MainWindow | None = None

    def open(self, db: str | None) -> MainWindow | None:
        """Open ``db`` (None: the default workspace) in a new window; None when it cannot be
        opened (the reason has been shown)."""
        try:
            workspace = open_workspace(db)
        except WorkspaceError as error:
            QMessageBox.critical(self.window, "The workspace could not be opened", str(error))
            return None
        context = AppContext(workspace, Background())
        window = MainWindow(context)
        window.workspace_requested.connect(self._switch)
        window.destroyed.connect(lambda _obj=None: _close_context(context))
        preferences.remember_workspace(context.location)
        if self.run_engine:  # once the window is on screen: the engine's modules load then
            QTimer.singleShot(0, window, lambda: _start_engine(window, context))
        self.window = window
        return window

    def _switch(self, location: str) -> None:
        old = self.window
        if old is not None and not old.session.maybe_save():
            return
        new = self.open(location)
        if new is None:
            self.window = old
            return
        if old is not None:
            new.restoreGeometry(old.saveGeometry())
            old.session.ask_unsaved = lambda _name: Unsaved.DISCARD  # asked above already
            old.close()
            old.deleteLater()
        new.show()


def _start_engine(window: MainWindow, context: AppContext) -> None:
    from app.ui.engine_host import EngineHost

    if window.isVisible():
        engine = EngineHost(context)
        window.attach_engine(engine)
        engine.start()


def _close_context(context: AppContext) -> None:
    context.background.shutdown(wait=False)
    context.workspace.close()


def run_gui(db: str | None, journey: Path | None = None) -> int:
    """Open the main window on workspace `db` (None: default workspace), with the journey file
    `journey` imported into it and open in the designer when given; return the exit code."""
    app = create_application()
    launcher = Launcher()
    window = launcher.open(db)
    if window is None:
        return 1
    window.show()
    if journey is not None:
        window.journeys.import_file(journey)
    return app.exec()


def create_application() -> QApplication:
    """Return the process's QApplication, created and styled on first use."""
    existing = QApplication.instance()
    app = existing if isinstance(existing, QApplication) else QApplication(sys.argv[:1])
    app.setApplicationName(APP_NAME)
    app.setApplicationDisplayName(APP_NAME)
    app.setOrganizationName(APP_NAME)
    app.setApplicationVersion(__version__)
    app.setStyle("Fusion")  # the same base look on every platform; the style sheet refines it
    app.setStyleSheet(load_style_sheet())
    if existing is None:
        app.aboutToQuit.connect(release_clipboard)
    collect_on_gui_thread(app)
    return app


def release_clipboard() -> None:
    """Give up the clipboard if it holds journey nodes this app copied. Otherwise Qt deletes
    the copied data after Python has shut down, and the process crashes on its way out."""
    clipboard = QApplication.clipboard()
    data = clipboard.mimeData()
    if clipboard.ownsClipboard() or (data is not None and data.hasFormat(FRAGMENT_MIME)):
        clipboard.clear()


def load_style_sheet() -> str:
    """The light theme, or "" (Qt's plain look) with a note on stderr if the file is missing."""
    path = resource_path(*STYLE_SHEET)
    try:
        return path.read_text(encoding="utf-8")
    except OSError as error:
        print(f"journey-studio: style sheet not loaded: {error}", file=sys.stderr)
        return ""
