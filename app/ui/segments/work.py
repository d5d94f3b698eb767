"""Handing the page's work to the background pool, once the window may be closing.

The pool refuses new work after it has shut down (the window closed while a result was on its
way and asked for the next piece of work); that work is simply not needed any more.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from app.ui.background import Background, ErrorCallback


def run_in_background(
    background: Background,
    work: Callable[[], Any],
    on_done: Callable[[Any], None],
    on_error: ErrorCallback,
    latest: str | None = None,
) -> None:
    """``background.submit`` (or ``submit_latest(latest, …)``), skipped after shutdown."""
    try:
        if latest is None:
            background.submit(work, on_done, on_error)
        else:
            background.submit_latest(latest, work, on_done, on_error)
    except RuntimeError:  # "cannot schedule new futures after shutdown": closing
        return
