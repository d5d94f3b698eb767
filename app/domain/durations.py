"""Durations as journey and segment files write them.

A duration is a string: ``90s``, ``30m``, ``12h``, ``5d``, ``2w`` or ISO 8601 (``P5D``,
``PT12H``, ``P1DT6H``). Months and years are refused: their length depends on the calendar.
Only a wait's ``offset`` may be negative (``-1d``); :data:`Duration` refuses a sign,
:data:`SignedDuration` accepts one.

Invariant: :func:`format_duration` is the inverse of :func:`parse_duration` for every value
it produces, so saving and loading a document keeps every duration.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Annotated

from pydantic import BeforeValidator, PlainSerializer, WithJsonSchema

_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86_400, "w": 604_800}
_SHORT = re.compile(r"^(?P<sign>-?)(?P<amount>\d{1,12})(?P<unit>[smhdw])$")
_ISO = re.compile(
    r"^(?P<sign>-?)P(?!$)(?:(?P<w>\d{1,9})W)?(?:(?P<d>\d{1,9})D)?"
    r"(?:T(?=\d)(?:(?P<h>\d{1,9})H)?(?:(?P<m>\d{1,9})M)?(?:(?P<s>\d{1,9})S)?)?$"
)
MAX_DURATION = timedelta(days=36_500)


class DurationError(ValueError):
    """A text that is not a duration this product understands."""


def parse_duration(text: str, *, signed: bool = False) -> timedelta:
    """Parse ``5d``, ``-1d`` (when ``signed``) or ISO 8601 ``P5D`` into a timedelta."""
    stripped = text.strip()
    seconds = _short_seconds(stripped)
    if seconds is None:
        seconds = _iso_seconds(stripped)
    if seconds is None:
        raise DurationError(
            f"{text!r} is not a duration: write a number and a unit "
            "(90s, 30m, 12h, 5d, 2w) or ISO 8601 such as P5D; months are not allowed"
        )
    if seconds < 0 and not signed:
        raise DurationError(f"{text!r} is negative; only a wait's offset may be negative")
    value = timedelta(seconds=seconds)
    if abs(value) > MAX_DURATION:
        raise DurationError(f"{text!r} is longer than 100 years")
    return value


def _short_seconds(text: str) -> int | None:
    match = _SHORT.match(text)
    if match is None:
        return None
    seconds = int(match["amount"]) * _UNIT_SECONDS[match["unit"]]
    return -seconds if match["sign"] else seconds


def _iso_seconds(text: str) -> int | None:
    match = _ISO.match(text.upper())
    if match is None or not any(match[unit] for unit in "wdhms"):
        return None
    seconds = sum(int(match[unit] or 0) * _UNIT_SECONDS[unit] for unit in "wdhms")
    return -seconds if match["sign"] else seconds


def format_duration(value: timedelta) -> str:
    """The shortest exact form in days or smaller: ``5d`` not ``120h``, ``14d`` not ``2w``.

    Marketers count waits in days, so weeks are read but never written.
    """
    total = int(value.total_seconds())
    if total != value.total_seconds():
        raise DurationError("durations are whole seconds")
    sign = "-" if total < 0 else ""
    total = abs(total)
    if total == 0:
        return "0s"
    for unit in ("d", "h", "m"):
        if total % _UNIT_SECONDS[unit] == 0:
            return f"{sign}{total // _UNIT_SECONDS[unit]}{unit}"
    return f"{sign}{total}s"


def describe_duration(value: timedelta) -> str:
    """Words for a marketer: ``5 days``, ``1 hour``, ``90 seconds``."""
    text = format_duration(value)
    sign, amount, unit = text.startswith("-"), int(text.strip("-")[:-1]), text[-1]
    names = {"s": "second", "m": "minute", "h": "hour", "d": "day", "w": "week"}
    words = f"{amount} {names[unit]}{'' if amount == 1 else 's'}"
    return f"{words} before" if sign else words


def _coerce(signed: bool) -> BeforeValidator:
    def coerce(value: object) -> object:
        if isinstance(value, str):
            return parse_duration(value, signed=signed)
        if isinstance(value, timedelta):
            return value
        raise DurationError("a duration must be written as text, such as 5d or P5D")

    return BeforeValidator(coerce)


_SCHEMA = {
    "type": "string",
    "pattern": (
        r"^-?(\d+[smhdw]|[Pp](?=\d|[Tt]\d)(\d+[Ww])?(\d+[Dd])?"
        r"([Tt](?=\d)(\d+[Hh])?(\d+[Mm])?(\d+[Ss])?)?)$"
    ),
    "examples": ["90s", "30m", "12h", "5d", "2w", "P5D"],
}

Duration = Annotated[
    timedelta,
    _coerce(signed=False),
    PlainSerializer(format_duration, return_type=str),
    WithJsonSchema({**_SCHEMA, "pattern": _SCHEMA["pattern"].replace("^-?", "^")}),
]
"""A non-negative duration field; saved in its shortest exact form."""

SignedDuration = Annotated[
    timedelta,
    _coerce(signed=True),
    PlainSerializer(format_duration, return_type=str),
    WithJsonSchema(_SCHEMA),
]
"""A duration that may be negative (a wait's ``offset``)."""
