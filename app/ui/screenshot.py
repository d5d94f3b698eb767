"""`journey-studio --screenshot FILE [--journey FILE]`: the main window with a journey, as a PNG.

Renders offscreen when there is no display (it sets ``QT_QPA_PLATFORM=offscreen`` itself unless
the caller chose a platform), at :data:`SIZE`, with the journey fitted in the canvas and its
validation shown. The README picture is made with it (``docs/make_screenshot.sh``).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from app.resources import resource_path

SIZE = (1440, 900)
DEFAULT_JOURNEY = ("samples", "re-engagement.journey.json")


def use_offscreen_without_display() -> None:
    """Offscreen rendering unless a platform was chosen or a display is there to use."""
    has_display = os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")
    if not os.environ.get("QT_QPA_PLATFORM") and not has_display:
        os.environ["QT_QPA_PLATFORM"] = "offscreen"


def take_screenshot(target: Path, journey: Path | None = None, db: str | None = None) -> int:
    """Write the PNG; 0 when written, 2 when the journey cannot be read or the PNG written."""
    use_offscreen_without_display()
    from PySide6.QtWidgets import QApplication

    from app.ui.app import create_application
    from app.ui.main_window import MainWindow

    app = create_application()
    window = MainWindow(workspace=db)
    window.files.show_error = lambda title, text: print(f"{title}: {text}", file=sys.stderr)
    window.resize(*SIZE)
    window.show()
    if not window.open_journey(journey or resource_path(*DEFAULT_JOURNEY)):
        window.close()
        return 2
    for _ in range(3):
        app.processEvents()
    window.designer.view.fit_journey()
    window.designer.validation.run_now()
    app.processEvents()
    written = window.grab().save(str(target), "PNG")
    window.close()
    QApplication.processEvents()
    if not written:
        print(f"journey-studio: could not write {target}", file=sys.stderr)
        return 2
    return 0
