"""Time rules of the runtime (DESIGN §5), pure: when a wait ends, when quiet hours release.

Everything takes and returns aware UTC date-times; local time is used only inside, for the
time-of-day rules. Time zones resolve in the order DESIGN gives: the contact's, else the
journey's, else UTC (an unknown zone name counts as missing).

Daylight saving: a local time skipped by a change (02:30 on the spring-forward night) means the
first valid moment after it, the instant the clocks jump; a local time that happens twice (the
autumn night) means its first occurrence.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, tzinfo
from zoneinfo import ZoneInfo

from app.domain.base import is_timezone
from app.domain.journey import QuietHours
from app.domain.node_configs import WEEKDAYS, WaitTimeOfDay, WaitUntilAttribute

__all__ = [
    "attribute_wait_due",
    "local_moment",
    "next_time_of_day",
    "quiet_hours_release",
    "resolve_zone",
]


def resolve_zone(*names: str | None) -> tzinfo:
    """The first of ``names`` that is a known IANA zone, else UTC."""
    for name in names:
        if name and is_timezone(name):
            return ZoneInfo(name)
    return UTC


def local_moment(day: date, clock: time, zone: tzinfo) -> datetime:
    """``clock`` on ``day`` in ``zone`` as aware UTC, with the daylight-saving rules above."""
    first = datetime.combine(day, clock, zone).replace(fold=0)
    utc = first.astimezone(UTC)
    if utc.astimezone(zone).replace(tzinfo=None) == first.replace(tzinfo=None):
        return utc  # exists (the first occurrence when it happens twice)
    return _end_of_gap(first.replace(fold=1).astimezone(UTC), utc, day, clock, zone)


def _end_of_gap(low: datetime, high: datetime, day: date, clock: time, zone: tzinfo) -> datetime:
    """The first instant in [low, high] whose wall clock has passed ``clock`` on ``day``."""
    target = datetime.combine(day, clock)
    low, high = min(low, high), max(low, high)
    while high - low > timedelta(seconds=1):
        middle = low + (high - low) / 2
        if middle.astimezone(zone).replace(tzinfo=None) >= target:
            high = middle
        else:
            low = middle
    return high.replace(microsecond=0)


def next_time_of_day(
    config: WaitTimeOfDay, now: datetime, contact_zone: str | None, journey_zone: str | None
) -> datetime:
    """When a time-of-day wait that starts at ``now`` ends: the next allowed day's slot.

    A slot at exactly ``now`` is taken; one already passed today means the next allowed day.
    """
    zone = (
        resolve_zone(contact_zone, journey_zone)
        if config.timezone == "contact"
        else resolve_zone(journey_zone)
    )
    allowed = {WEEKDAYS.index(day) for day in config.days} or set(range(7))
    today = now.astimezone(zone).date()
    for offset in range(8):
        day = today + timedelta(days=offset)
        if day.weekday() not in allowed:
            continue
        moment = local_moment(day, config.time, zone)
        if moment >= now:
            return moment
    raise AssertionError("a week always has an allowed day")  # pragma: no cover


def attribute_wait_due(
    config: WaitUntilAttribute,
    value: object,
    now: datetime,
    contact_zone: str | None,
    journey_zone: str | None,
) -> datetime | None:
    """When a wait for a contact's date ends; None when the value is missing (skip it).

    A date without a time means midnight in the contact's zone; a moment already past gives
    ``now`` (the contact moves on at once).
    """
    moment = _as_moment(value, resolve_zone(contact_zone, journey_zone))
    if moment is None:
        return None
    return max(moment + config.offset, now)


def _as_moment(value: object, zone: tzinfo) -> datetime | None:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, date):
        return local_moment(value, time(0, 0), zone)
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip()
    try:
        if len(text) == 10:
            return local_moment(date.fromisoformat(text), time(0, 0), zone)
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def quiet_hours_release(
    quiet: QuietHours, now: datetime, contact_zone: str | None, journey_zone: str | None
) -> datetime | None:
    """The end of the quiet window ``now`` falls in (aware UTC), or None outside it.

    The window runs from ``start`` to ``end`` local time and may cross midnight (21:00–08:00);
    equal start and end hold nothing back.
    """
    if quiet.start == quiet.end:
        return None
    zone = resolve_zone(contact_zone, journey_zone)
    today = now.astimezone(zone).date()
    for day in (today - timedelta(days=1), today):
        start = local_moment(day, quiet.start, zone)
        end_day = day if quiet.end > quiet.start else day + timedelta(days=1)
        end = local_moment(end_day, quiet.end, zone)
        if start <= now < end:
            return end
    return None
