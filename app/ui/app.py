"""Start the desktop app: the QApplication, the style sheet and the main window.

This is the GUI entry point that `journey-studio` (without a command) calls. The workspace store
and the engine are wired in here as they arrive.
"""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtWidgets import QApplication

from app import __version__
from app.resources import resource_path
from app.ui.main_window import MainWindow

APP_NAME = "Journey Studio"
STYLE_SHEET = ("style", "light.qss")


def run_gui(db: str | None, journey: Path | None = None) -> int:
    """Open the main window on workspace `db` (None: default workspace), with the journey file
    `journey` open in the designer when given; return the exit code."""
    app = create_application()
    window = MainWindow(workspace=db)
    window.show()
    if journey is not None:
        window.open_journey(journey)
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
    return app


def load_style_sheet() -> str:
    """The light theme, or "" (Qt's plain look) with a note on stderr if the file is missing."""
    path = resource_path(*STYLE_SHEET)
    try:
        return path.read_text(encoding="utf-8")
    except OSError as error:
        print(f"journey-studio: style sheet not loaded: {error}", file=sys.stderr)
        return ""
