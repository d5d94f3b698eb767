"""`journey-studio --screenshot FILE [--journey FILE] [--page AREA]`: the main window as a PNG.

Renders offscreen when there is no display (it sets ``QT_QPA_PLATFORM=offscreen`` itself unless
the caller chose a platform), at :data:`SIZE`. Without ``--db`` the window shows a throw-away
demo workspace made in a temporary folder (the samples as drafts, a few hundred contacts), so
the picture looks like what a new user sees after the README's first command; the engine does
not run. The journey (``--journey FILE``, imported, or the re-engagement sample) is open in the
designer, fitted, with its validation shown; ``--page`` shows an area instead (``journeys``:
the list). The README
picture is made with it (``docs/make_screenshot.sh``).
"""

from __future__ import annotations

import os
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

SIZE = (1440, 900)
DEMO_CONTACTS = 500
SAMPLE_JOURNEY = "Re-engagement"


def use_offscreen_without_display() -> None:
    """Offscreen rendering unless a platform was chosen or a display is there to use."""
    has_display = os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")
    if not os.environ.get("QT_QPA_PLATFORM") and not has_display:
        os.environ["QT_QPA_PLATFORM"] = "offscreen"


def take_screenshot(
    target: Path, journey: Path | None = None, db: str | None = None, page: str | None = None
) -> int:
    """Write the PNG; 0 when written, 2 when the journey cannot be read or the PNG written."""
    if db is not None:
        return _render(target, journey, db, page)
    with tempfile.TemporaryDirectory(prefix="journey-studio-screenshot-") as folder:
        from app.services.workspace import create_workspace

        demo = str(Path(folder) / "demo.db")
        now = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
        create_workspace(demo, demo=True, contacts=DEMO_CONTACTS, seed=1, now=now)
        return _render(target, journey, demo, page)


def _render(target: Path, journey: Path | None, db: str, page: str | None) -> int:
    use_offscreen_without_display()
    from PySide6.QtWidgets import QApplication

    from app.services import journey_library as library
    from app.store.workspace import open_workspace
    from app.ui.app import create_application
    from app.ui.background import Background
    from app.ui.context import AppContext
    from app.ui.main_window import MainWindow

    create_application()
    workspace = open_workspace(db)
    context = AppContext(workspace, Background())
    window = MainWindow(context)
    window.session.show_error = lambda title, text: print(f"{title}: {text}", file=sys.stderr)
    window.resize(*SIZE)
    window.show()
    try:
        if page is not None:
            window.show_area(page)
        elif journey is not None:
            if not window.journeys.import_file(journey):
                return 2
        else:
            sample = next(
                (row for row in library.list_journeys(workspace) if row.name == SAMPLE_JOURNEY),
                None,
            )
            if sample is not None:
                window.session.open(sample.id)
        _settle()
        if window.session.is_open:
            window.designer.view.fit_journey()
            window.designer.validation.run_now()
            _settle()
        written = window.grab().save(str(target), "PNG")
    finally:
        window.close()
        context.background.shutdown()
        QApplication.processEvents()
        workspace.close()
    if not written:
        print(f"journey-studio: could not write {target}", file=sys.stderr)
        return 2
    return 0


def _settle() -> None:
    """Let queued work (lists, counts loaded in the background) arrive and paint."""
    from PySide6.QtCore import QThread
    from PySide6.QtWidgets import QApplication

    for _ in range(20):
        QApplication.processEvents()
        QThread.msleep(25)
