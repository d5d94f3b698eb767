"""Wait ends, quiet hours and A/B assignment: time zones, daylight saving, determinism."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.domain.ab_testing import (
    VariantResult,
    bucket,
    pick_winner,
    results_in_order,
    variant_for,
)
from app.domain.journey import QuietHours
from app.domain.node_configs import Variant, WaitTimeOfDay, WaitUntilAttribute
from app.domain.timing import (
    attribute_wait_due,
    local_moment,
    next_time_of_day,
    quiet_hours_release,
    resolve_zone,
)

BERLIN = ZoneInfo("Europe/Berlin")


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)  # type: ignore[misc]


def time_of_day(clock: str, days: list[str] | None = None, zone: str = "contact") -> WaitTimeOfDay:
    data: dict[str, object] = {"mode": "time_of_day", "time": clock, "timezone": zone}
    if days is not None:
        data["days"] = days
    return WaitTimeOfDay.model_validate(data)


def test_zone_falls_back_from_contact_to_journey_to_utc() -> None:
    assert resolve_zone("Asia/Tokyo", "Europe/Berlin") == ZoneInfo("Asia/Tokyo")
    assert resolve_zone(None, "Europe/Berlin") == BERLIN
    assert resolve_zone("Mars/Base", "") is UTC


def test_time_of_day_later_today_in_the_contacts_zone() -> None:
    # 06:00 UTC is 07:00 in Berlin (winter): 09:00 Berlin is 08:00 UTC the same day.
    due = next_time_of_day(time_of_day("09:00"), utc(2026, 1, 14, 6), "Europe/Berlin", "UTC")
    assert due == utc(2026, 1, 14, 8)


def test_time_of_day_already_passed_takes_the_next_allowed_day() -> None:
    weekdays = ["mon", "tue", "wed", "thu", "fri"]
    # Friday 2026-01-16 10:00 Berlin: 09:00 has passed, the weekend is not allowed → Monday.
    due = next_time_of_day(
        time_of_day("09:00", weekdays), utc(2026, 1, 16, 9), "Europe/Berlin", None
    )
    assert due == utc(2026, 1, 19, 8)


def test_time_of_day_exactly_now_is_due_now() -> None:
    now = utc(2026, 1, 14, 8)
    assert next_time_of_day(time_of_day("09:00"), now, "Europe/Berlin", None) == now


def test_time_of_day_in_the_journeys_zone() -> None:
    config = time_of_day("09:00", zone="journey")
    due = next_time_of_day(config, utc(2026, 1, 14, 0), "Asia/Tokyo", "America/New_York")
    assert due == utc(2026, 1, 14, 14)


def test_time_of_day_follows_summer_time() -> None:
    # Berlin is UTC+2 in July: 09:00 local is 07:00 UTC.
    due = next_time_of_day(time_of_day("09:00"), utc(2026, 7, 1, 0), "Europe/Berlin", None)
    assert due == utc(2026, 7, 1, 7)


def test_a_skipped_local_time_means_the_moment_the_clocks_jump() -> None:
    # 2026-03-29 in Berlin: 02:00 CET jumps to 03:00 CEST at 01:00 UTC; 02:30 does not exist.
    assert local_moment(date(2026, 3, 29), time(2, 30), BERLIN) == utc(2026, 3, 29, 1)
    due = next_time_of_day(time_of_day("02:30"), utc(2026, 3, 28, 23), "Europe/Berlin", None)
    assert due == utc(2026, 3, 29, 1)


def test_a_repeated_local_time_means_its_first_occurrence() -> None:
    # 2026-10-25 in Berlin: 02:30 happens at 00:30 UTC (CEST) and again at 01:30 UTC (CET).
    assert local_moment(date(2026, 10, 25), time(2, 30), BERLIN) == utc(2026, 10, 25, 0, 30)


@given(
    st.datetimes(
        min_value=datetime(2020, 1, 1), max_value=datetime(2030, 1, 1), timezones=st.just(UTC)
    ),
    st.sampled_from(["Europe/Berlin", "America/New_York", "Australia/Sydney", "Asia/Kolkata"]),
    st.times().map(lambda t: t.replace(second=0, microsecond=0)),
)
def test_time_of_day_is_never_before_now_and_within_a_week(
    now: datetime, zone: str, clock: time
) -> None:
    config = time_of_day(clock.strftime("%H:%M"), ["wed"])
    due = next_time_of_day(config, now, zone, None)
    assert now <= due <= now + timedelta(days=7, hours=2)
    local = due.astimezone(ZoneInfo(zone))
    assert local.weekday() == 2
    assert local.time() >= clock  # the slot itself, or the jump after a skipped time


def until(field: str, offset: str = "0s") -> WaitUntilAttribute:
    return WaitUntilAttribute.model_validate(
        {"mode": "until_attribute", "field": field, "offset": offset}
    )


def test_wait_until_an_attribute_with_an_offset() -> None:
    config = until("attributes.renewal_date", "-1d")
    due = attribute_wait_due(config, "2026-12-20T09:00:00Z", utc(2026, 12, 1), None, None)
    assert due == utc(2026, 12, 19, 9)


def test_a_date_without_time_means_midnight_in_the_contacts_zone() -> None:
    due = attribute_wait_due(
        until("attributes.d"), "2026-12-20", utc(2026, 12, 1), "Europe/Berlin", None
    )
    assert due == utc(2026, 12, 19, 23)


def test_a_missing_or_unreadable_value_skips_and_a_past_one_moves_on_now() -> None:
    now = utc(2026, 12, 1)
    config = until("attributes.d")
    assert attribute_wait_due(config, None, now, None, None) is None
    assert attribute_wait_due(config, "", now, None, None) is None
    assert attribute_wait_due(config, "soon", now, None, None) is None
    assert attribute_wait_due(config, "2020-01-01T00:00:00Z", now, None, None) == now


def test_quiet_hours_across_midnight() -> None:
    quiet = QuietHours.model_validate({"start": "21:00", "end": "08:00"})
    # 22:30 Berlin (21:30 UTC, winter) → released at 08:00 Berlin next day = 07:00 UTC.
    assert quiet_hours_release(quiet, utc(2026, 1, 14, 21, 30), "Europe/Berlin", None) == utc(
        2026, 1, 15, 7
    )
    # 06:00 Berlin → released at 08:00 Berlin the same day.
    assert quiet_hours_release(quiet, utc(2026, 1, 15, 5), "Europe/Berlin", None) == utc(
        2026, 1, 15, 7
    )
    # 12:00 Berlin is outside the window.
    assert quiet_hours_release(quiet, utc(2026, 1, 15, 11), "Europe/Berlin", None) is None
    # The end itself is outside (08:00 sharp may send).
    assert quiet_hours_release(quiet, utc(2026, 1, 15, 7), "Europe/Berlin", None) is None


def test_quiet_hours_within_one_day_and_empty() -> None:
    quiet = QuietHours.model_validate({"start": "12:00", "end": "14:00"})
    assert quiet_hours_release(quiet, utc(2026, 1, 15, 13), None, "UTC") == utc(2026, 1, 15, 14)
    assert quiet_hours_release(quiet, utc(2026, 1, 15, 14), None, "UTC") is None
    empty = QuietHours.model_validate({"start": "08:00", "end": "08:00"})
    assert quiet_hours_release(empty, utc(2026, 1, 15, 8), None, None) is None


# -- A/B -------------------------------------------------------------------------------------

VARIANTS = [
    Variant(name="A", weight=50),
    Variant(name="B", weight=30),
    Variant(name="C", weight=20),
]


def test_assignment_is_deterministic_and_differs_per_run_and_node() -> None:
    assert bucket("j", "ab", 42, 1) == bucket("j", "ab", 42, 1)
    buckets = {bucket("j", node, 42, run) for node in ("ab", "ab2") for run in (1, 2, 3)}
    assert len(buckets) > 1


def test_assignment_follows_the_weights() -> None:
    counts = Counter(
        variant_for(bucket("j", "ab", contact, 1), VARIANTS) for contact in range(20_000)
    )
    shares = {name: count / 20_000 for name, count in counts.items()}
    assert shares == pytest.approx({"A": 0.5, "B": 0.3, "C": 0.2}, abs=0.015)


def test_bucket_edges() -> None:
    assert variant_for(0, VARIANTS) == "A"
    assert variant_for(4_999, VARIANTS) == "A"
    assert variant_for(5_000, VARIANTS) == "B"
    assert variant_for(9_999, VARIANTS) == "C"


def test_winner_waits_for_enough_contacts_and_ties_go_first() -> None:
    results = results_in_order(VARIANTS, {"A": 100, "B": 100, "C": 99}, {"A": 10, "B": 30, "C": 40})
    assert pick_winner(results, min_per_variant=100) is None
    results = results_in_order(
        VARIANTS, {"A": 100, "B": 200, "C": 100}, {"A": 20, "B": 40, "C": 20}
    )
    assert pick_winner(results, min_per_variant=100) == "A"
    results = [VariantResult("A", 100, 10), VariantResult("B", 300, 31)]
    assert pick_winner(results, min_per_variant=50) == "B"
