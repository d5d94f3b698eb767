"""The engine's clocks: it never reads the wall clock itself (DESIGN §5).

:class:`SystemClock` is the real one; :class:`SimulatedClock` is moved by hand, by tests and by
``engine run --simulate``. Both give aware UTC date-times.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime:
        """The current moment, aware UTC."""
        ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class SimulatedClock:
    """A clock that stands still until moved; it never runs backwards."""

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("a simulated clock starts at an aware date-time")
        self._now = start.astimezone(UTC)

    def now(self) -> datetime:
        return self._now

    def advance(self, step: timedelta) -> datetime:
        if step < timedelta(0):
            raise ValueError("time never runs backwards")
        self._now += step
        return self._now

    def set(self, moment: datetime) -> datetime:
        moment = moment.astimezone(UTC)
        if moment < self._now:
            raise ValueError("time never runs backwards")
        self._now = moment
        return self._now
