"""What the status bar says about the app's engine: a value the engine host publishes.

Kept apart from :mod:`app.ui.engine_host` so that the window can show it without importing the
engine itself, which the app loads only after its window is on screen (DESIGN §8: shown within
2 s).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class EngineState:
    """What the status bar shows: ``stopped``, ``starting``, ``running``, ``waiting``, ``error``."""

    phase: str
    last_tick: datetime | None = None
    detail: str = ""

    def describe(self) -> str:
        if self.phase == "running" and self.last_tick is not None:
            local = self.last_tick.astimezone().strftime("%H:%M:%S")
            return f"Engine: running · last tick {local}"
        return {
            "stopped": "Engine: stopped",
            "starting": "Engine: starting…",
            "running": "Engine: running",
            "waiting": f"Engine: waiting — {self.detail}",
            "error": f"Engine: tick failed — {self.detail}",
        }[self.phase]
