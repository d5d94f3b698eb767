"""Background work: results arrive on the GUI thread, errors are handed over, stale results drop."""

from __future__ import annotations

import threading

import pytest
from pytestqt.qtbot import QtBot

from app.ui.background import Background


@pytest.fixture
def background(qapp: object) -> Background:
    pool = Background()
    yield pool
    pool.shutdown()


def test_result_arrives_on_the_gui_thread(qtbot: QtBot, background: Background) -> None:
    gui = threading.get_ident()
    seen: list[tuple[int, int]] = []
    worker: list[int] = []

    def work() -> int:
        worker.append(threading.get_ident())
        return 42

    background.submit(work, lambda value: seen.append((value, threading.get_ident())))
    qtbot.waitUntil(lambda: bool(seen), timeout=3000)
    assert seen == [(42, gui)]
    assert worker[0] != gui


def test_an_error_reaches_the_error_callback(qtbot: QtBot, background: Background) -> None:
    errors: list[BaseException] = []

    def fail() -> None:
        raise ValueError("no such segment")

    background.submit(fail, lambda _value: None, errors.append)
    qtbot.waitUntil(lambda: bool(errors), timeout=3000)
    assert isinstance(errors[0], ValueError)
    assert str(errors[0]) == "no such segment"


def test_only_the_newest_result_for_a_key_arrives(qtbot: QtBot, background: Background) -> None:
    release_first = threading.Event()
    shown: list[str] = []

    def slow_old() -> str:
        release_first.wait(5)
        return "old"

    background.submit_latest("count", slow_old, shown.append)
    background.submit_latest("count", lambda: "new", shown.append)
    qtbot.waitUntil(lambda: shown == ["new"], timeout=3000)
    release_first.set()  # the older work now finishes, after the newer one was shown
    done: list[bool] = []
    background.submit(lambda: True, done.append)
    qtbot.waitUntil(lambda: bool(done), timeout=3000)
    qtbot.wait(50)
    assert shown == ["new"]


def test_post_from_another_thread(qtbot: QtBot, background: Background) -> None:
    gui = threading.get_ident()
    seen: list[tuple[str, int]] = []
    thread = threading.Thread(
        target=lambda: background.post(lambda v: seen.append((v, threading.get_ident())), "tick")
    )
    thread.start()
    thread.join()
    qtbot.waitUntil(lambda: bool(seen), timeout=3000)
    assert seen == [("tick", gui)]


class Dropped:
    """A callable that notes the thread its last reference went on."""

    def __init__(self, threads: list[str], result: object = None, fails: bool = False) -> None:
        self.threads = threads
        self.result = result
        self.fails = fails

    def __call__(self, *_args: object) -> object:
        if self.fails:
            raise ValueError("refused")
        return self.result

    def __del__(self) -> None:
        self.threads.append(threading.current_thread().name)


def test_work_and_callbacks_are_let_go_on_the_gui_thread(
    qtbot: QtBot, background: Background
) -> None:
    """A widget's callback whose last reference goes on a worker crashes PySide (see _Job)."""
    threads: list[str] = []
    for n in range(10):
        work = Dropped(threads, n, fails=n % 2 == 1)
        background.submit(work, Dropped(threads), Dropped(threads))
        del work
        background.submit_latest("count", Dropped(threads, n), Dropped(threads))
    qtbot.waitUntil(lambda: len(threads) == 50, timeout=5000)
    assert set(threads) == {threading.main_thread().name}


def test_work_submitted_after_shutdown_does_not_run(qtbot: QtBot, qapp: object) -> None:
    pool = Background()
    pool.shutdown()
    ran: list[bool] = []
    future = pool.submit(lambda: ran.append(True), lambda _value: None)
    latest = pool.submit_latest("count", lambda: ran.append(True), lambda _value: None)
    qtbot.wait(50)
    assert future.cancelled() and latest.cancelled()
    assert ran == []


def test_asks_while_a_reading_runs_become_one_more_reading(
    qtbot: QtBot, background: Background
) -> None:
    from app.ui.background import Coalesced

    release = threading.Event()
    started: list[int] = []
    shown: list[int] = []

    def reading() -> int:
        started.append(len(started) + 1)
        release.wait(5)
        return len(started)

    figures = Coalesced(background, reading, shown.append, pause_ms=10)
    figures.ask()
    qtbot.waitUntil(lambda: started == [1], timeout=3000)
    for _ in range(5):  # five engine ticks while the first reading is still running
        figures.ask()
    release.set()
    qtbot.waitUntil(lambda: shown == [1, 2], timeout=3000)
    qtbot.wait(100)
    assert started == [1, 2]  # one more reading, not five
    assert not figures.running
