"""Running the engine for a workspace: the one place that builds it, and its run modes.

Builds the engine's object graph (workspace → transports → links → engine) and runs it: one
tick, a simulated span of time, or always-on with APScheduler. Every mode holds the
workspace's engine lease while it ticks, so the desktop app and ``engine run`` never run one
workspace twice.
"""

from __future__ import annotations

import hashlib
import re
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import platformdirs
from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy.engine import make_url

from app.engine.lease import LeaseHolder, holder_name, release, try_acquire
from app.engine.tick import Engine, TickReport
from app.engine.tracking.links import workspace_links
from app.engine.transports.outbox import OutboxTransport
from app.services.transports import transports_for
from app.store.workspace import Workspace

TICK_INTERVAL = timedelta(seconds=5)


class EngineBusy(RuntimeError):
    """Another engine holds this workspace's lease."""

    def __init__(self, other: LeaseHolder) -> None:
        self.other = other
        super().__init__(
            f"another engine ({other.holder}) is running this workspace; its lease expires at "
            f"{other.expires_at.isoformat()}"
        )


def outbox_folder(workspace: Workspace) -> Path:
    """Beside an SQLite workspace (``demo.db`` → ``demo.outbox/``), else in the user data
    folder, one per database (``outbox/<database>-<hash of the URL without password>``):
    message ids are unique within a workspace only, and the outbox takes a file that is
    already there for a message already handed over."""
    url = make_url(workspace.url)
    if url.get_backend_name() == "sqlite" and url.database:
        database = Path(url.database)
        return database.with_name(f"{database.stem}.outbox")
    name = re.sub(r"[^A-Za-z0-9_.-]+", "_", url.database or "workspace")
    digest = hashlib.sha256(url.render_as_string(hide_password=True).encode()).hexdigest()[:12]
    base = Path(platformdirs.user_data_dir("journey-studio", "Journey Studio"))
    return base / "outbox" / f"{name}-{digest}"


def build_engine(workspace: Workspace) -> Engine:
    """The engine with the transports and tracking the workspace's settings choose."""
    outbox = OutboxTransport(outbox_folder(workspace))
    return Engine(workspace, transports_for(workspace, outbox), workspace_links(workspace))


@dataclass
class EngineRunner:
    """Ticks an engine under the workspace's lease."""

    workspace: Workspace
    engine: Engine
    holder: str
    wall_clock: Callable[[], datetime] = lambda: datetime.now(UTC)

    @classmethod
    def for_workspace(cls, workspace: Workspace) -> EngineRunner:
        return cls(workspace, build_engine(workspace), holder_name())

    def hold_lease(self) -> None:
        """Take or renew the lease, or raise :class:`EngineBusy`."""
        with self.workspace.writer() as connection:
            other = try_acquire(connection, self.holder, self.wall_clock())
        if other is not None:
            raise EngineBusy(other)

    def release(self) -> None:
        with self.workspace.writer() as connection:
            release(connection, self.holder)

    def tick(self, now: datetime) -> TickReport:
        self.hold_lease()
        return self.engine.tick(now)

    def simulate(self, start: datetime, end: datetime, step: timedelta) -> Iterator[TickReport]:
        """Ticks at ``start``, ``start + step``, … up to ``end`` in simulated time."""
        if step <= timedelta(0):
            raise ValueError("the step of a simulation must be positive")
        moment = start
        while moment <= end:
            yield self.tick(moment)
            moment += step

    def run_forever(
        self,
        stop: threading.Event,
        interval: timedelta = TICK_INTERVAL,
        on_tick: Callable[[TickReport], None] | None = None,
        on_wait: Callable[[EngineBusy], None] | None = None,
        on_error: Callable[[Exception], None] | None = None,
    ) -> None:
        """Tick every ``interval`` with APScheduler until ``stop`` is set (coalesced, no
        misfire limit); while another engine holds the lease, wait and say so. A tick that
        fails goes to ``on_error`` (its transaction rolled back; the next tick tries again)."""

        def job() -> None:
            try:
                report = self.tick(self.wall_clock())
            except EngineBusy as busy:
                if on_wait is not None:
                    on_wait(busy)
                return
            except Exception as error:
                if on_error is None:
                    raise
                on_error(error)
                return
            if on_tick is not None:
                on_tick(report)

        scheduler = BackgroundScheduler(timezone=UTC)
        scheduler.add_job(
            job,
            "interval",
            seconds=max(interval.total_seconds(), 0.1),
            next_run_time=datetime.now(UTC),
            coalesce=True,
            max_instances=1,
            misfire_grace_time=None,
        )
        scheduler.start()
        try:
            stop.wait()
        finally:
            scheduler.shutdown(wait=True)
            self.release()
