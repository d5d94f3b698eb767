"""Typed values in segment SQL, and the attribute tests over them (DESIGN §3).

A segment condition tests a *value*: a built-in contact column, a custom attribute
(``contacts.attributes`` JSON, typed by the attribute catalogue) or an event property
(``events.properties`` JSON, typed by the condition's own value). This module turns each into an
:class:`Operand` (its SQL value and whether it is present) and builds the SQL of one test.

Invariants every test keeps, so that ``not`` can invert any condition:

- **Two-valued.** A test is never SQL NULL: every comparison is guarded by ``present``, so a test
  on an empty value is false (``not`` makes it true), except ``is_empty``.
- **Empty** means NULL, a missing JSON key, JSON null, the empty text ``''``, or a JSON value of
  another type than the field's (a text where a number belongs is not a number).
- **Text** compares case-insensitively for the ASCII letters A–Z (``eq``, ``ne``, ``in``,
  ``not_in``, ``contains``, ``starts_with``, ``ends_with``); other letters (Ü, É) match only in
  the same case. SQLite's ``lower()`` folds ASCII only, so PostgreSQL folds the same way with
  ``translate()``: a segment means the same on both. A number or boolean given for a text field
  compares as its text (``12``, ``true``).
- **Numbers** (catalogue ``integer`` and ``decimal``) compare as double precision; booleans as
  booleans; a bound of another type matches nobody (``gt "abc"``). ``between`` includes both
  bounds.
- **Date-times**: built-in columns compare as aware UTC instants; date-time attributes are ISO
  8601 UTC text (``2026-01-31T09:00:00Z``) and compare as text to the second, the bound being
  written the same way. ``within_last d`` is ``now - d < value <= now``; ``more_than_ago d`` is
  ``value < now - d``; ``before`` / ``after`` are strict.
- An operator that does not fit the type (``contains`` on a number, ``gt`` on text) matches
  nobody; ``ne`` and ``not_in`` hold for every present value that is not equal.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from sqlalchemy import ColumnElement, and_, case, false, func, literal, not_, or_

from app.domain.conditions import (
    DATE_OPS,
    DURATION_OPS,
    NO_VALUE_OPS,
    ORDER_OPS,
    TEXT_OPS,
    Op,
    Value,
    parse_datetime,
)
from app.domain.durations import parse_duration

FieldType = Literal["text", "integer", "decimal", "boolean", "datetime"]
ValueKind = Literal["text", "integer", "decimal", "boolean", "datetime", "any"]
"""A field type, or ``any`` for a JSON value whose type is not known (``is_empty`` only)."""

Dialect = Literal["sqlite", "postgresql"]
SUPPORTED_DIALECTS: tuple[Dialect, ...] = ("sqlite", "postgresql")

_UPPER = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_ASCII_LOWER = str.maketrans(_UPPER, _UPPER.lower())

JsonType = Literal["string", "number", "boolean", "array", "object"]
_SQLITE_JSON_TYPES: dict[JsonType, tuple[str, ...]] = {
    "string": ("text",),
    "number": ("integer", "real"),
    "boolean": ("true", "false"),
    "array": ("array",),
    "object": ("object",),
}
_KIND_JSON_TYPE: dict[ValueKind, JsonType] = {
    "text": "string",
    "datetime": "string",
    "integer": "number",
    "decimal": "number",
    "boolean": "boolean",
}


def ascii_lower(text: str) -> str:
    """Lower-case the ASCII letters only, as SQL does here."""
    return text.translate(_ASCII_LOWER)


def iso_seconds(moment: datetime) -> str:
    """``2026-01-31T09:00:00``: how date-time attributes compare (UTC, to the second)."""
    return moment.astimezone(UTC).replace(tzinfo=None, microsecond=0).isoformat()


@dataclass(frozen=True)
class Operand:
    """A value to test: its SQL expression, when it is present, and its type."""

    kind: ValueKind
    value: ColumnElement[Any]
    present: ColumnElement[bool]
    iso_text: bool = False
    """A date-time kept as ISO text (attributes, properties), compared to the second."""

    def moment(self, moment: datetime) -> Any:
        """A date-time bound written the way this value is stored."""
        return iso_seconds(moment) if self.iso_text else moment.astimezone(UTC)


class SqlFunctions:
    """The few expressions whose SQL differs between SQLite and PostgreSQL."""

    def __init__(self, dialect: str) -> None:
        if dialect not in SUPPORTED_DIALECTS:
            raise ValueError(f"segments run on SQLite or PostgreSQL, not {dialect}")
        self.dialect = dialect

    def lower(self, value: ColumnElement[Any]) -> ColumnElement[str]:
        """ASCII-only lower case (SQLite's ``lower()``; ``translate()`` on PostgreSQL)."""
        if self.dialect == "sqlite":
            return func.lower(value)
        return func.translate(value, _UPPER, _UPPER.lower())

    def byte_order(self, text: ColumnElement[Any]) -> ColumnElement[Any]:
        """Text that orders by code point (PostgreSQL's database collation may not)."""
        return text if self.dialect == "sqlite" else text.collate("C")

    def json_is(
        self, column: ColumnElement[Any], key: str, types: Sequence[JsonType]
    ) -> ColumnElement[bool]:
        """Whether ``column[key]`` holds a JSON value of one of ``types`` (never NULL)."""
        if self.dialect == "sqlite":
            path = '$."' + key + '"'
            kind: ColumnElement[Any] = func.json_type(column, literal(path))
            names = [name for json_type in types for name in _SQLITE_JSON_TYPES[json_type]]
        else:
            kind = func.json_typeof(column[key])
            names = list(types)
        return func.coalesce(kind, "").in_(names)


def column_operand(column: ColumnElement[Any], kind: FieldType) -> Operand:
    """A built-in contact column; text is empty when NULL or ``''``."""
    present: ColumnElement[bool] = column.is_not(None)
    if kind == "text":
        present = and_(present, column != "")
    return Operand(kind, column, present)


def json_operand(
    sql: SqlFunctions, column: ColumnElement[Any], key: str, kind: ValueKind
) -> Operand:
    """``column[key]`` of a JSON column as a value of ``kind``; another JSON type is empty."""
    entry = column[key]
    if kind == "any":
        as_text = entry.as_string()
        present = or_(
            sql.json_is(column, key, ("number", "boolean", "array", "object")),
            and_(sql.json_is(column, key, ("string",)), as_text != ""),
        )
        return Operand(kind, as_text, present)
    guard = sql.json_is(column, key, (_KIND_JSON_TYPE[kind],))
    if kind in ("integer", "decimal"):
        extracted: ColumnElement[Any] = entry.as_float()
    elif kind == "boolean":
        extracted = entry.as_boolean()
    elif kind == "datetime":
        extracted = sql.byte_order(func.substr(entry.as_string(), 1, 19))
    else:
        extracted = entry.as_string()
    value = case((guard, extracted))  # PostgreSQL may cast before testing the guard
    present = guard
    if kind in ("text", "datetime"):
        present = and_(guard, extracted != "")
    return Operand(kind, value, present, iso_text=kind == "datetime")


def infer_kind(op: Op, value: Value) -> ValueKind:
    """The type of a value that has no catalogue entry (event properties), from the test.

    Date operators mean a date-time, text operators text; otherwise the value decides: a
    boolean, a number, a date-time bound of ``gt``/``between``…, else text.
    """
    if op in NO_VALUE_OPS:
        return "any"
    if op in DURATION_OPS or op in DATE_OPS:
        return "datetime"
    if op in TEXT_OPS:
        return "text"
    sample = value[0] if isinstance(value, list) and value else value
    if isinstance(sample, bool):
        return "boolean"
    if isinstance(sample, int | float):
        return "decimal"
    if op in ORDER_OPS or op is Op.BETWEEN:
        return "datetime"
    return "text"


def attribute_test(
    sql: SqlFunctions, operand: Operand, op: Op, value: Value, now: datetime
) -> ColumnElement[bool]:
    """``operand op value`` at ``now``: two-valued, false on an empty value but ``is_empty``."""
    if op is Op.IS_EMPTY:
        return not_(operand.present)
    if op is Op.IS_NOT_EMPTY:
        return operand.present
    if op in (Op.NE, Op.NOT_IN):
        equal = _typed_test(sql, operand, Op.EQ if op is Op.NE else Op.IN, value, now)
        return operand.present if equal is None else and_(operand.present, not_(equal))
    test = _typed_test(sql, operand, op, value, now)
    return false() if test is None else and_(operand.present, test)


def _typed_test(
    sql: SqlFunctions, operand: Operand, op: Op, value: Value, now: datetime
) -> ColumnElement[bool] | None:
    """The comparison on a present value, or None when the bound does not fit the type."""
    if operand.kind == "text":
        return _text_test(sql, operand.value, op, value)
    if operand.kind in ("integer", "decimal"):
        return _ordered_test(operand.value, op, value, as_number)
    if operand.kind == "boolean":
        return _equality_test(operand.value, op, value, as_boolean)
    if operand.kind == "datetime":
        return _datetime_test(operand, op, value, now)
    return None


def _text_test(
    sql: SqlFunctions, column: ColumnElement[Any], op: Op, value: Value
) -> ColumnElement[bool] | None:
    lowered = sql.lower(column)
    if op in TEXT_OPS:
        if not isinstance(value, str):
            return None
        needle = ascii_lower(value)
        if op is Op.CONTAINS:
            return lowered.contains(needle, autoescape=True)
        if op is Op.STARTS_WITH:
            return lowered.startswith(needle, autoescape=True)
        return lowered.endswith(needle, autoescape=True)
    return _equality_test(lowered, op, value, lambda item: _lowered(as_text(item)))


def _lowered(text: str | None) -> str | None:
    return None if text is None else ascii_lower(text)


def _equality_test(
    column: ColumnElement[Any], op: Op, value: Value, convert: Any
) -> ColumnElement[bool] | None:
    if op is Op.EQ and not isinstance(value, list):
        bound = convert(value)
        return None if bound is None else column == bound
    if op is Op.IN and isinstance(value, list):
        bounds = [converted for item in value if (converted := convert(item)) is not None]
        return column.in_(bounds) if bounds else None
    return None


def _ordered_test(
    column: ColumnElement[Any], op: Op, value: Value, convert: Any
) -> ColumnElement[bool] | None:
    if op in (Op.EQ, Op.IN):
        return _equality_test(column, op, value, convert)
    if op is Op.BETWEEN and isinstance(value, list) and len(value) == 2:
        low, high = convert(value[0]), convert(value[1])
        if low is None or high is None:
            return None
        return and_(column >= low, column <= high)
    if op in ORDER_OPS and not isinstance(value, list):
        bound = convert(value)
        if bound is None:
            return None
        comparisons: dict[Op, ColumnElement[bool]] = {
            Op.GT: column > bound,
            Op.GTE: column >= bound,
            Op.LT: column < bound,
            Op.LTE: column <= bound,
        }
        return comparisons[op]
    return None


def _datetime_test(
    operand: Operand, op: Op, value: Value, now: datetime
) -> ColumnElement[bool] | None:
    column = operand.value

    def bound(item: Any) -> Any:
        moment = as_moment(item)
        return None if moment is None else operand.moment(moment)

    if op in DURATION_OPS:
        if not isinstance(value, str):
            return None
        cutoff = operand.moment(now - parse_duration(value))
        if op is Op.WITHIN_LAST:
            return and_(column > cutoff, column <= operand.moment(now))
        older: ColumnElement[bool] = column < cutoff
        return older
    if op in DATE_OPS:
        moment = bound(value)
        if moment is None:
            return None
        strict: ColumnElement[bool] = column < moment if op is Op.BEFORE else column > moment
        return strict
    return _ordered_test(column, op, value, bound)


def as_text(value: Any) -> str | None:
    """A scalar as text: ``true``/``false`` for booleans, numbers as Python writes them."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str | int | float):
        return str(value)
    return None


def as_number(value: Any) -> float | None:
    """A finite number (booleans are not numbers), else None."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    try:
        number = float(value)
    except OverflowError:
        return None
    return number if math.isfinite(number) else None


def as_boolean(value: Any) -> bool | None:
    return value if isinstance(value, bool) else None


def as_moment(value: Any) -> datetime | None:
    """An ISO 8601 date-time with an offset, as aware UTC; anything else None."""
    if not isinstance(value, str):
        return None
    try:
        return parse_datetime(value).astimezone(UTC)
    except (ValueError, OverflowError):
        return None
