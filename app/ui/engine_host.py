"""The always-on engine inside the desktop app, and what the status bar says about it.

The app runs its workspace's engine in the background (DESIGN §5): :class:`EngineHost` starts
:meth:`~app.services.runtime.EngineRunner.run_forever` on a thread of its own, under the
workspace's engine lease, so a headless ``journey-studio engine run`` on the same workspace and
the app never both tick it (the second one waits and says so). Tick results, waits and errors
reach the GUI only through :meth:`Background.post` (STYLE 7); widgets listen to
:attr:`EngineHost.state_changed` and :attr:`EngineHost.ticked`.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, timedelta

from PySide6.QtCore import QObject, Signal

from app.engine.tick import TickReport
from app.services.runtime import TICK_INTERVAL, EngineBusy, EngineRunner
from app.ui.context import AppContext
from app.ui.engine_state import EngineState

STOP_TIMEOUT_S = 30


class EngineHost(QObject):
    state_changed = Signal(object)
    """The new :class:`EngineState`."""
    ticked = Signal(object)
    """A :class:`TickReport` after every tick (the journeys list refreshes its figures)."""

    def __init__(
        self,
        context: AppContext,
        interval: timedelta = TICK_INTERVAL,
        runner: Callable[[], EngineRunner] | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.context = context
        self.interval = interval
        self._make_runner = runner or (lambda: EngineRunner.for_workspace(context.workspace))
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.state = EngineState("stopped")

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self) -> None:
        if self.running:
            return
        self._stop.clear()
        self._set(EngineState("starting"))
        runner = self._make_runner()
        post = self.context.background.post
        self._thread = threading.Thread(
            target=runner.run_forever,
            kwargs={
                "stop": self._stop,
                "interval": self.interval,
                "on_tick": lambda report: post(self._on_tick, report),
                "on_wait": lambda busy: post(self._on_wait, busy),
                "on_error": lambda error: post(self._on_error, error),
            },
            name="engine",
            daemon=True,
        )
        self._thread.start()

    def stop(self) -> None:
        """Stop ticking, let the current tick finish and give the lease back."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(STOP_TIMEOUT_S)
            self._thread = None
        self._set(EngineState("stopped", self.state.last_tick))

    # -- on the GUI thread ----------------------------------------------------------------

    def _on_tick(self, report: TickReport) -> None:
        if self._stop.is_set():
            return
        self._set(EngineState("running", report.now.astimezone(UTC)))
        self.ticked.emit(report)

    def _on_wait(self, busy: EngineBusy) -> None:
        if not self._stop.is_set():
            self._set(EngineState("waiting", self.state.last_tick, f"{busy.other.holder} runs it"))

    def _on_error(self, error: Exception) -> None:
        if not self._stop.is_set():
            self._set(
                EngineState("error", self.state.last_tick, str(error) or type(error).__name__)
            )

    def _set(self, state: EngineState) -> None:
        self.state = state
        self.state_changed.emit(state)
