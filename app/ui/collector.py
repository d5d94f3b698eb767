"""Python's cycle collector runs on the GUI thread only.

Left automatic, the collector runs in whichever thread happens to allocate, so a background
worker (a segment count, an engine tick) can end up destroying a closed window's widgets, and Qt
objects destroyed off the GUI thread crash the process. :func:`collect_on_gui_thread` turns
automatic collection off and collects from a timer on the GUI thread instead, generation by
generation as the allocation counts pass Python's own thresholds.
"""

from __future__ import annotations

import gc

from PySide6.QtCore import QObject, QTimer

INTERVAL_MS = 500

_timer: QTimer | None = None


def collect_on_gui_thread(parent: QObject) -> None:
    """Install the collector (once per process) on the thread that owns ``parent``."""
    global _timer
    if _timer is not None:
        return
    gc.disable()
    _timer = QTimer(parent)
    _timer.setInterval(INTERVAL_MS)
    _timer.timeout.connect(_collect_due)
    _timer.start()


def _collect_due() -> None:
    counts, thresholds = gc.get_count(), gc.get_threshold()
    for generation in (2, 1, 0):
        if counts[generation] > thresholds[generation]:
            gc.collect(generation)
            return
