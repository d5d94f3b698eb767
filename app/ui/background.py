"""Work off the GUI thread, results back on it: the one module that crosses threads (STYLE 7).

Anything slow (a segment count, a page of contacts, an engine tick, a file import) runs through
:class:`Background`: ``submit`` runs a function on a worker thread and hands its result (or the
exception it raised) to a callback on the GUI thread, through a queued Qt signal; ``post`` hands
one value from any thread (an APScheduler job, a server thread) to a GUI-thread callback. No
widget is ever touched from another thread.

``submit_latest(key, …)`` is for results that replace each other (the live count of the segment
being edited): only the newest submission for a key delivers; an older one that finishes late
is dropped, so a stale result is never shown over a newer one. A result for a widget that
has been deleted meanwhile (its window closed) is dropped too.

:class:`Coalesced` is for figures refreshed on a beat (after every engine tick) whose reading
may take longer than the beat on a big workspace: one reading at a time, and the asks that come
while it runs become one more reading after it, never a queue.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

import shiboken6
from PySide6.QtCore import QObject, Qt, QTimer, Signal

WORKERS = 2

Callback = Callable[[Any], None]
ErrorCallback = Callable[[BaseException], None]


class Background(QObject):
    """A small pool of worker threads whose results arrive on the GUI thread."""

    _arrived = Signal(object, object)
    """(callback, value): call ``callback(value)`` on the thread that owns this object."""

    def __init__(self, parent: QObject | None = None, workers: int = WORKERS) -> None:
        super().__init__(parent)
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="background")
        self._arrived.connect(self._deliver, Qt.ConnectionType.QueuedConnection)
        self._generations: dict[str, int] = {}
        self._lock = threading.Lock()
        self._closed = False

    def submit(
        self,
        work: Callable[[], Any],
        on_done: Callback,
        on_error: ErrorCallback | None = None,
    ) -> Future[None]:
        """Run ``work()`` on a worker; ``on_done(result)`` or ``on_error(exception)`` follows on
        the GUI thread (an error without ``on_error`` is re-raised there, so it is not lost).
        After :meth:`shutdown` nothing runs (the window is closing)."""
        if self._closed:
            return _cancelled()
        return self._pool.submit(self._run, work, on_done, on_error, None)

    def submit_latest(
        self,
        key: str,
        work: Callable[[], Any],
        on_done: Callback,
        on_error: ErrorCallback | None = None,
    ) -> Future[None]:
        """Like :meth:`submit`, but a result arrives only if no newer work for ``key`` was
        submitted meanwhile."""
        with self._lock:
            generation = self._generations.get(key, 0) + 1
            self._generations[key] = generation
        if self._closed:
            return _cancelled()
        return self._pool.submit(self._run, work, on_done, on_error, (key, generation))

    def is_latest(self, key: str, generation: int) -> bool:
        with self._lock:
            return self._generations.get(key) == generation

    def post(self, callback: Callback, value: Any = None) -> None:
        """From any thread: call ``callback(value)`` on the GUI thread soon."""
        if not self._closed:
            self._arrived.emit(callback, value)

    def shutdown(self, wait: bool = True) -> None:
        """Stop taking work; with ``wait``, let running work finish (its results are dropped)."""
        self._closed = True
        self._pool.shutdown(wait=wait, cancel_futures=True)

    # -- helpers --------------------------------------------------------------------------

    def _run(
        self,
        work: Callable[[], Any],
        on_done: Callback,
        on_error: ErrorCallback | None,
        latest: tuple[str, int] | None,
    ) -> None:
        try:
            result = work()
        except BaseException as error:  # handed to the GUI thread, never swallowed
            self._deliver_later(on_error or _raise, error, latest)
        else:
            self._deliver_later(on_done, result, latest)

    def _deliver_later(
        self, callback: Callback, value: Any, latest: tuple[str, int] | None
    ) -> None:
        if latest is None:
            self.post(callback, value)
        else:
            key, generation = latest
            self.post(lambda v: callback(v) if self.is_latest(key, generation) else None, value)

    @staticmethod
    def _deliver(callback: Callback, value: Any) -> None:
        owner = getattr(callback, "__self__", None)
        if isinstance(owner, QObject) and not shiboken6.isValid(owner):
            return  # the widget that asked has been closed and deleted meanwhile
        callback(value)


class Coalesced(QObject):
    """Runs ``work`` on the background pool one reading at a time; :meth:`ask` while a reading
    runs asks for one more, started ``pause_ms`` after the current one is delivered."""

    def __init__(
        self,
        background: Background,
        work: Callable[[], Any],
        on_done: Callback,
        on_error: ErrorCallback | None = None,
        pause_ms: int = 1000,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._background = background
        self._work = work
        self._on_done = on_done
        self._on_error = on_error
        self._pause = QTimer(self)
        self._pause.setSingleShot(True)
        self._pause.setInterval(pause_ms)
        self._pause.timeout.connect(self.ask)
        self._running = False
        self._again = False

    @property
    def running(self) -> bool:
        return self._running

    def ask(self) -> None:
        if self._running:
            self._again = True
            return
        self._running = True
        self._background.submit(self._work, self._done, self._failed)

    def _done(self, value: Any) -> None:
        self._finish()
        self._on_done(value)

    def _failed(self, error: BaseException) -> None:
        self._finish()
        if self._on_error is None:
            raise error
        self._on_error(error)

    def _finish(self) -> None:
        self._running = False
        if self._again:
            self._again = False
            self._pause.start()


def _raise(error: BaseException) -> None:
    raise error


def _cancelled() -> Future[None]:
    future: Future[None] = Future()
    future.cancel()
    return future
