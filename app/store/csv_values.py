"""Cell values of imported and exported CSV files: parsing, type inference and formatting.

This module owns how one CSV cell becomes a typed value and back (DESIGN §2):

- every cell is trimmed first; an empty cell is *unknown* and never reaches a parser;
- integer: an optional sign and digits, without leading zeros (``01234`` is a zip code, so a
  column of them stays text), within 64 bits;
- decimal: plain or exponent notation (``12.5``, ``-3``, ``1e6``), finite; stored as a float;
- boolean: ``true``/``false``, ``yes``/``no``, ``1``/``0`` in any case;
- date-time: ISO 8601 (``2026-01-31T09:00:00+02:00``, ``2026-01-31 09:00``, ``…Z``) or a plain
  date (``2026-01-31``, midnight); without an offset the time is UTC. Parsed values are aware
  UTC date-times;
- text: anything.

:class:`TypeInference` picks a column's type from all its non-empty cells, preferring integer,
decimal, boolean, date-time, text in that order (a column of ``0``/``1`` is integer).
Invariant: a value formatted by :func:`format_cell` parses back, with the type it was stored
under, to the same value; custom date-times are kept to the second (so that the ISO 8601 text
stored in ``attributes`` sorts in time order).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Final, Literal

ColumnType = Literal["integer", "decimal", "boolean", "datetime", "text"]

COLUMN_TYPES: Final[tuple[ColumnType, ...]] = ("integer", "decimal", "boolean", "datetime", "text")
"""Every custom column type, in order of preference when inferring."""

TypedValue = int | float | bool | str
"""A custom value as stored in ``attributes`` / ``properties`` JSON (date-times as text)."""

_INTEGER = re.compile(r"[+-]?(?:0|[1-9][0-9]*)")
_DECIMAL = re.compile(r"[+-]?(?:(?:0|[1-9][0-9]*)(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_DATETIME = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}"
    r"(?:[T ][0-9]{2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]{1,6})?)?(?:Z|[+-][0-9]{2}(?::?[0-9]{2})?)?)?"
)
_STORED_DATETIME = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]{6})?Z"
)
_EMAIL = re.compile(
    r"[^\s@\"(),:;<>\[\]\\]+@(?:[^\W_](?:[\w-]*[^\W_])?\.)+(?:[^\W\d_]{2,}|xn--[\w-]+)"
)
_TRUE: Final = frozenset({"true", "yes", "1"})
_FALSE: Final = frozenset({"false", "no", "0"})
_INT64 = 2**63
MAX_EMAIL_LENGTH = 320


def _preview(text: str) -> str:
    return repr(text if len(text) <= 60 else text[:57] + "...")


def parse_email(text: str) -> str:
    """A trimmed, lower-cased address; ``ValueError('bad email …')`` otherwise."""
    email = text.strip().lower()
    if len(email) > MAX_EMAIL_LENGTH or _EMAIL.fullmatch(email) is None:
        raise ValueError(f"bad email {_preview(text.strip())}")
    return email


def parse_integer(text: str) -> int:
    if _INTEGER.fullmatch(text) is None or not -_INT64 <= (number := int(text)) < _INT64:
        raise ValueError(f"unparseable integer {_preview(text)}")
    return number


def parse_decimal(text: str) -> float:
    if _DECIMAL.fullmatch(text) is None or not math.isfinite(number := float(text)):
        raise ValueError(f"unparseable number {_preview(text)}")
    return number


def parse_boolean(text: str) -> bool:
    word = text.lower()
    if word in _TRUE:
        return True
    if word in _FALSE:
        return False
    raise ValueError(f"unparseable boolean {_preview(text)} (use true/false, yes/no or 1/0)")


def parse_datetime(text: str) -> datetime:
    """An aware UTC date-time from ISO 8601 text; no offset means UTC."""
    if _DATETIME.fullmatch(text) is not None:
        try:
            moment = datetime.fromisoformat(text)
            if moment.tzinfo is None:
                return moment.replace(tzinfo=UTC)
            return moment.astimezone(UTC)
        except (ValueError, OverflowError):
            pass
    raise ValueError(f"unparseable date {_preview(text)} (use ISO 8601, e.g. 2026-01-31T09:00Z)")


def format_datetime(moment: datetime, *, to_second: bool = False) -> str:
    """ISO 8601 UTC with ``Z``: ``2026-01-31T09:00:00Z`` (microseconds kept unless asked)."""
    utc = moment.astimezone(UTC)
    text = utc.strftime("%Y-%m-%dT%H:%M:%S")
    if utc.microsecond and not to_second:
        text += f".{utc.microsecond:06d}"
    return text + "Z"


def _custom_datetime(text: str) -> str:
    return format_datetime(parse_datetime(text), to_second=True)


_PARSERS: Final[dict[ColumnType, Callable[[str], TypedValue]]] = {
    "integer": parse_integer,
    "decimal": parse_decimal,
    "boolean": parse_boolean,
    "datetime": _custom_datetime,
    "text": str,
}


def parse_typed(column_type: ColumnType, text: str) -> TypedValue:
    """A trimmed, non-empty cell as a custom value of ``column_type`` (``ValueError`` if not)."""
    return _PARSERS[column_type](text)


def _matches(column_type: ColumnType, text: str) -> bool:
    if column_type == "integer":
        return _INTEGER.fullmatch(text) is not None and -_INT64 <= int(text) < _INT64
    if column_type == "decimal":
        return _DECIMAL.fullmatch(text) is not None and math.isfinite(float(text))
    if column_type == "boolean":
        word = text.lower()
        return word in _TRUE or word in _FALSE
    if column_type == "datetime":
        try:
            parse_datetime(text)
        except ValueError:
            return False
        return True
    return True


class TypeInference:
    """The type of one column, narrowed cell by cell; ``type`` is None until a cell is seen."""

    __slots__ = ("_candidates", "_seen")

    def __init__(self) -> None:
        self._candidates: list[ColumnType] = ["integer", "decimal", "boolean", "datetime"]
        self._seen = False

    def add(self, text: str) -> None:
        """Take one trimmed, non-empty cell into account."""
        self._seen = True
        if self._candidates:
            self._candidates = [kind for kind in self._candidates if _matches(kind, text)]

    @property
    def type(self) -> ColumnType | None:
        if not self._seen:
            return None
        return self._candidates[0] if self._candidates else "text"


def format_cell(value: object) -> str:
    """A stored value as CSV cell text (the inverse of the parsers above)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, datetime):
        return format_datetime(value)
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def natural_type(value: object) -> ColumnType:
    """The column type a stored JSON value has by itself (properties, uncatalogued keys)."""
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "decimal"
    if isinstance(value, str) and _STORED_DATETIME.fullmatch(value):
        return "datetime"
    return "text"
