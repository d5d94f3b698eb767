"""Running the tracking server for a workspace, and rotating its signing key (DESIGN §7).

:class:`TrackingControl` starts and stops one :class:`~app.engine.tracking.server.TrackingServer`
in a thread and tells a listener what it is doing (:class:`TrackingStatus`: stopped, running at
an address, opens and clicks recorded since it started, or why it could not start). The
listener is called on whichever thread made the change — the caller's for start and stop, a
request thread for a recorded open — so the desktop app hands it on through its background
module and never touches a widget from here. Used by ``tracking serve`` and the Settings page.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime

from app.engine.tracking.keys import rotate
from app.engine.tracking.server import TrackingServer, TrackingService
from app.engine.tracking.tokens import Claim
from app.store.workspace import Workspace

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8765


@dataclass(frozen=True)
class TrackingStatus:
    """What the tracking server is doing."""

    running: bool = False
    url: str | None = None
    opens: int = 0
    clicks: int = 0
    unsubscribes: int = 0
    error: str | None = None
    """Why the last start failed (the port is taken, the host is unknown, …)."""


Listener = Callable[[TrackingStatus], None]


class _CountingService(TrackingService):
    """The server's service, counting what it records for the status line."""

    def __init__(
        self,
        workspace: Workspace,
        clock: Callable[[], datetime] | None,
        recorded: Callable[[str], None],
    ) -> None:
        super().__init__(workspace, clock)
        self._recorded = recorded

    def record(self, claim: Claim) -> bool:
        stored = super().record(claim)
        if stored:
            self._recorded(claim.action)
        return stored


class TrackingControl:
    """Starts and stops the workspace's tracking server; at most one runs at a time."""

    def __init__(
        self,
        workspace: Workspace,
        listener: Listener | None = None,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self.workspace = workspace
        self.listener = listener
        self.clock = clock
        self._server: TrackingServer | None = None
        self._status = TrackingStatus()
        self._lock = threading.Lock()

    @property
    def status(self) -> TrackingStatus:
        with self._lock:
            return self._status

    def start(self, host: str = DEFAULT_HOST, port: int = DEFAULT_PORT) -> TrackingStatus:
        """Bind and serve (port 0 picks a free one). A failure is reported in the status, not
        raised: it is something to show next to the Start button."""
        with self._lock:
            if self._server is not None:
                return self._status
            service = _CountingService(self.workspace, self.clock, self._count)
            try:
                server = TrackingServer(service, host.strip() or DEFAULT_HOST, port)
            except OSError as error:
                where = f"{host}:{port}"
                reason = error.strerror or str(error)
                self._status = TrackingStatus(error=f"cannot serve on {where}: {reason}")
            else:
                server.start()
                self._server = server
                self._status = TrackingStatus(running=True, url=server.url)
            status = self._status
        self._tell(status)
        return status

    def stop(self) -> TrackingStatus:
        """Stop serving (waits for requests in progress); nothing happens when stopped."""
        with self._lock:
            server, self._server = self._server, None
        if server is not None:
            server.stop()
        with self._lock:
            self._status = TrackingStatus()
            status = self._status
        self._tell(status)
        return status

    def _count(self, action: str) -> None:
        with self._lock:
            if self._server is None:
                return
            status = self._status
            if action == "open":
                status = replace(status, opens=status.opens + 1)
            elif action == "click":
                status = replace(status, clicks=status.clicks + 1)
            elif action == "unsubscribe":
                status = replace(status, unsubscribes=status.unsubscribes + 1)
            self._status = status
        self._tell(status)

    def _tell(self, status: TrackingStatus) -> None:
        if self.listener is not None:
            self.listener(status)


def rotate_tracking_key(workspace: Workspace, now: datetime | None = None) -> str:
    """Start signing with a new key; links signed with older keys stay valid for 30 days.
    Returns the new key's id."""
    with workspace.writer() as connection:
        return rotate(connection, now or datetime.now(UTC))
