"""What the engine remembers between ticks, so that an idle tick costs next to nothing.

Goals, exits and enrolment are questions about every run or every member; asked in full at
each tick they cost time in proportion to the audience, even when nothing happened. The
engine remembers, per published version, what it last looked at, and asks again only about
what can have changed since:

- **Events**: the moment of the last goal and exit-event check and the highest event id then.
  Only contacts with a matching event that became visible since (it happened after that
  moment, or it was recorded after that check) can have reached the goal or hit an exit event.
- **Segments**: each entry and exclusion segment's ``refreshed_at`` at the last exit check and
  the last enrolment. Whatever changes a segment's materialised membership also sets its
  ``refreshed_at``, so an unchanged value means unchanged membership; a refresh by this tick
  that found no joins (or no leaves) changes nothing that depends only on joins (or leaves).

Nothing here is needed for correctness after a restart: a new engine remembers nothing, and
its first tick asks every question in full. Memory is updated only after the transaction that
asked has committed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from app.engine.membership import Refresh

Snapshot = dict[str, datetime | None]
"""Segment name → its ``refreshed_at`` (None: never refreshed, or no such segment)."""


@dataclass(frozen=True)
class EventMark:
    """Events up to ``at`` and up to id ``last_id`` have been looked at."""

    at: datetime
    last_id: int


@dataclass(frozen=True)
class EnrolState:
    segments: Snapshot
    current: bool
    enrolling: bool


@dataclass
class VersionMemory:
    events: EventMark | None = None
    exits: Snapshot | None = None
    enrol: EnrolState | None = None


@dataclass
class SegmentState:
    """The segments as this tick sees them: every ``refreshed_at`` after step 2, and what
    step 2's own refreshes changed."""

    refreshed: Snapshot = field(default_factory=dict)
    this_tick: Mapping[str, Refresh] = field(default_factory=dict)

    def snapshot(self, names: Iterable[str]) -> Snapshot:
        return {name: self.refreshed.get(name) for name in names}

    def may_have_joined(self, name: str, seen: Snapshot) -> bool:
        """Whether anyone can have joined ``name`` since ``seen`` was taken."""
        return self._changed(name, seen, lambda refresh: refresh.joined)

    def may_have_left(self, name: str, seen: Snapshot) -> bool:
        """Whether anyone can have left ``name`` since ``seen`` was taken."""
        return self._changed(name, seen, lambda refresh: refresh.left)

    def leavers_since(self, name: str, seen: Snapshot) -> tuple[int, ...] | None:
        """Everyone who can have left ``name`` since ``seen`` was taken, when that is known
        (only this tick's refresh changed it, and it named them); None: anyone may have."""
        if name not in seen:
            return None
        if seen[name] == self.refreshed.get(name):
            return ()
        refresh = self.this_tick.get(name)
        if refresh is not None and refresh.before == seen[name]:
            return () if refresh.left == 0 else refresh.leavers
        return None

    def _changed(self, name: str, seen: Snapshot, count: Callable[[Refresh], int]) -> bool:
        if name not in seen:
            return True
        if seen[name] == self.refreshed.get(name):
            return False
        refresh = self.this_tick.get(name)
        if refresh is not None and refresh.before == seen[name]:
            return count(refresh) > 0  # only this tick's refresh changed it
        return True
