"""Command-line values: ISO 8601 moments with an offset and durations (DESIGN §10)."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime, timedelta

from app.domain.durations import DurationError, parse_duration


def moment(text: str) -> datetime:
    """``--at`` / ``--from`` / ``--to``: ISO 8601 with an offset, as aware UTC."""
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a date-time; write ISO 8601 with an offset, e.g. 2026-12-01T09:00:00Z"
        ) from None
    if value.tzinfo is None:
        raise argparse.ArgumentTypeError(f"{text!r} has no offset; add Z for UTC")
    return value.astimezone(UTC)


def duration(text: str) -> timedelta:
    try:
        return parse_duration(text)
    except DurationError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def iso(value: datetime | None) -> str | None:
    """Times on the command line's output: ISO 8601 UTC with ``Z``."""
    if value is None:
        return None
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")
