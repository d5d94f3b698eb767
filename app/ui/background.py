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

import contextlib
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

import shiboken6
from PySide6.QtCore import QObject, Qt, QTimer, Signal

WORKERS = 2

Callback = Callable[[Any], None]
ErrorCallback = Callable[[BaseException], None]


class _Job:
    """One piece of work and its callbacks on their way between threads.

    Worker threads only ever hold this box; the GUI thread takes its contents out when it
    delivers. So the last reference to a callback (a widget's bound method, a lambda over a
    widget) is dropped on the GUI thread. A Qt wrapper whose last reference goes on another
    thread is deleted through a deferred call on the GUI thread, and that call crashed the
    process when its widget had been closed meanwhile (PySide6 6.12, seen as a segfault in
    ``Shiboken::BindingManager::runDeletionInMainThread`` when a page was closed just as its
    result arrived)."""

    __slots__ = ("latest", "on_done", "on_error", "outcome", "work")

    def __init__(
        self,
        work: Callable[[], Any] | None,
        on_done: Callback,
        on_error: ErrorCallback | None,
        latest: tuple[str, int] | None,
    ) -> None:
        self.work = work
        self.on_done: Callback | None = on_done
        self.on_error = on_error
        self.latest = latest
        self.outcome: tuple[bool, Any] | None = None

    def take(self) -> tuple[Callback | None, ErrorCallback | None, tuple[bool, Any] | None]:
        """The callbacks and the outcome, leaving the box empty (on the GUI thread)."""
        taken = self.on_done, self.on_error, self.outcome
        self.work = self.on_done = self.on_error = self.outcome = None
        return taken


class Background(QObject):
    """A small pool of worker threads whose results arrive on the GUI thread."""

    _arrived = Signal(object)
    """A :class:`_Job` with its outcome, delivered on the thread that owns this object."""

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
        return self._pool.submit(self._run, _Job(work, on_done, on_error, None))

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
        return self._pool.submit(self._run, _Job(work, on_done, on_error, (key, generation)))

    def is_latest(self, key: str, generation: int) -> bool:
        with self._lock:
            return self._generations.get(key) == generation

    def post(self, callback: Callback, value: Any = None) -> None:
        """From any thread: call ``callback(value)`` on the GUI thread soon. The caller's own
        reference to ``callback`` goes when it returns, on its thread: a caller on another
        thread keeps the object that owns the callback alive some other way."""
        job = _Job(None, callback, None, None)
        job.outcome = (True, value)
        self._hand_over(job)

    def shutdown(self, wait: bool = True) -> None:
        """Stop taking work; with ``wait``, let running work finish (its results are dropped)."""
        self._closed = True
        self._pool.shutdown(wait=wait, cancel_futures=True)

    # -- helpers --------------------------------------------------------------------------

    def _run(self, job: _Job) -> None:
        work = job.work
        assert work is not None
        try:
            job.outcome = (True, work())
        except BaseException as error:  # handed to the GUI thread, never swallowed
            job.outcome = (False, error)
        del work  # the box still holds it: the GUI thread drops the last reference
        self._hand_over(job)

    def _hand_over(self, job: _Job) -> None:
        """Send ``job`` to the GUI thread, even after :meth:`shutdown` (it is dropped there
        then), so that its contents are never released on this thread."""
        with contextlib.suppress(RuntimeError):  # this object is gone: the app is ending
            self._arrived.emit(job)

    def _deliver(self, job: _Job) -> None:
        on_done, on_error, outcome = job.take()
        if self._closed or (job.latest is not None and not self.is_latest(*job.latest)):
            return
        assert outcome is not None and on_done is not None  # set before every hand-over
        succeeded, value = outcome
        callback = on_done if succeeded else on_error or _raise
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
