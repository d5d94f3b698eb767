"""What every page of the app receives: the open workspace, the clock and the background pool.

:func:`app.ui.app.run_gui` builds one :class:`AppContext` (STYLE 11: one place builds the object
graph) and hands it to the main window, which hands it to each page. Pages call the use-cases
in :mod:`app.services` with ``context.workspace``; anything slow goes through
``context.background`` so the window never freezes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from app.store.workspace import Workspace
from app.ui.background import Background


def wall_clock() -> datetime:
    return datetime.now(UTC)


@dataclass
class AppContext:
    workspace: Workspace
    background: Background
    clock: Callable[[], datetime] = field(default=wall_clock)
    """Now, in UTC. Tests pass a fixed or simulated moment."""

    @property
    def location(self) -> str:
        """The workspace as people see it (file path, or URL without its password)."""
        return self.workspace.describe()

    def now(self) -> datetime:
        return self.clock()
