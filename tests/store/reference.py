"""A plain-Python evaluation of segments: the oracle the SQL compiler is tested against.

It follows DESIGN §3 and the rules written in ``app/store/segment_values.py`` and
``app/store/segment_sql.py`` directly, one contact at a time, without SQL and without the
compiler's code (only the domain models are shared), so the two are independent readings of
the same rules:

- empty (None, a missing key, ``''``, a JSON value of the wrong type) is false for every
  operator but ``is_empty``; ``not`` inverts; ``ne``/``not_in`` need a present value;
- text compares with A–Z folded to a–z only; numbers as floats; date-time attributes as ISO
  text to the second; built-in date-times as aware instants;
- behaviour counts events of the type, after every ``where`` filter, in the window, never after
  ``now``.

Contacts are dicts with the ``contacts`` columns (``attributes`` a dict); events are
:class:`Event` tuples.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any, NamedTuple

from app.domain.conditions import (
    CONTACT_FIELDS,
    AllGroup,
    AnyGroup,
    AtLeast,
    AtMost,
    AttributeCondition,
    AttributeTest,
    BehaviorCondition,
    BehaviorTest,
    Condition,
    Exactly,
    NoneCount,
    NotGroup,
    SegmentCondition,
)
from app.domain.durations import parse_duration
from app.domain.segment import SegmentDocument


class Event(NamedTuple):
    contact_id: int
    type: str
    occurred_at: datetime
    properties: dict[str, Any]


class Empty:
    """The marker of an empty value."""


EMPTY = Empty()


def fold(text: str) -> str:
    return "".join(chr(ord(c) + 32) if "A" <= c <= "Z" else c for c in text)


def second_text(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S")


def parse_moment(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    if moment.tzinfo is None:
        return None
    return moment.astimezone(UTC)


def number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    try:
        result = float(value)
    except OverflowError:
        return None
    return result if math.isfinite(result) else None


def text_of(value: Any) -> str | None:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str | int | float):
        return str(value)
    return None


def guess_type(test: AttributeTest) -> str:
    op, value = str(test.op), test.value
    if op in ("is_empty", "is_not_empty"):
        return "any"
    if op in ("within_last", "more_than_ago", "before", "after"):
        return "datetime"
    if op in ("contains", "starts_with", "ends_with"):
        return "text"
    first = value[0] if isinstance(value, list) else value
    if isinstance(first, bool):
        return "boolean"
    if isinstance(first, int | float):
        return "decimal"
    if op in ("gt", "gte", "lt", "lte", "between"):
        return "datetime"
    return "text"


def json_value(raw: Any, kind: str) -> Any:
    """A stored JSON value as a typed value of ``kind``, or EMPTY."""
    if raw is None or raw is EMPTY:
        return EMPTY
    if kind == "any":
        return EMPTY if raw == "" else raw
    if kind == "text":
        return raw if isinstance(raw, str) and raw != "" else EMPTY
    if kind == "datetime":
        return raw[:19] if isinstance(raw, str) and raw != "" else EMPTY
    if kind in ("integer", "decimal"):
        return float(raw) if isinstance(raw, int | float) and not isinstance(raw, bool) else EMPTY
    if kind == "boolean":
        return raw if isinstance(raw, bool) else EMPTY
    raise AssertionError(kind)


class Reference:
    """Evaluates segments over in-memory contacts and events at ``now``."""

    def __init__(
        self,
        contacts: Iterable[Mapping[str, Any]],
        events: Iterable[Event],
        now: datetime,
        segments: Mapping[str, SegmentDocument] | None = None,
        catalogue: Mapping[str, str] | None = None,
    ) -> None:
        self.contacts = list(contacts)
        self.events: dict[int, list[Event]] = defaultdict(list)
        for event in events:
            self.events[event.contact_id].append(event)
        self.now = now.astimezone(UTC)
        self.segments = dict(segments or {})
        self.catalogue = dict(catalogue or {})

    def members(self, segment: SegmentDocument) -> set[int]:
        return {contact["id"] for contact in self.contacts if self.is_member(segment, contact)}

    def is_member(self, segment: SegmentDocument, contact: Mapping[str, Any]) -> bool:
        if segment.audience != "any" and contact["kind"] != segment.audience:
            return False
        return self.holds(segment.definition, contact)

    def holds(self, condition: Condition, contact: Mapping[str, Any]) -> bool:
        if isinstance(condition, AllGroup):
            return all(self.holds(child, contact) for child in condition.all)
        if isinstance(condition, AnyGroup):
            return any(self.holds(child, contact) for child in condition.any)
        if isinstance(condition, NotGroup):
            return not self.holds(condition.not_, contact)
        if isinstance(condition, AttributeCondition):
            return self.contact_test(condition.attribute, contact)
        if isinstance(condition, BehaviorCondition):
            return self.behaviour(condition.behavior, contact["id"])
        if isinstance(condition, SegmentCondition):
            return self.is_member(self.segments[condition.segment], contact)
        raise AssertionError(condition)

    # attribute tests ---------------------------------------------------------------------

    def contact_test(self, test: AttributeTest, contact: Mapping[str, Any]) -> bool:
        if test.field.startswith("attributes."):
            key = test.field[len("attributes.") :]
            kind = self.catalogue.get(key) or guess_type(test)
            value = json_value(contact["attributes"].get(key, EMPTY), kind)
            return self.test(value, kind, test, text_dates=True)
        kind = {"choice": "text"}.get(CONTACT_FIELDS[test.field], CONTACT_FIELDS[test.field])
        raw = contact.get(test.field)
        value = EMPTY if raw is None or raw == "" else raw
        return self.test(value, kind, test, text_dates=False)

    def test(self, value: Any, kind: str, test: AttributeTest, text_dates: bool) -> bool:
        op = str(test.op)
        if op == "is_empty":
            return value is EMPTY
        if op == "is_not_empty":
            return value is not EMPTY
        if value is EMPTY:
            return False
        if op == "ne":
            return not self.compare(value, kind, "eq", test.value, text_dates)
        if op == "not_in":
            return not self.compare(value, kind, "in", test.value, text_dates)
        return self.compare(value, kind, op, test.value, text_dates)

    def compare(self, value: Any, kind: str, op: str, bound: Any, text_dates: bool) -> bool:
        if kind == "text":
            return self.compare_text(value, op, bound)
        if kind in ("integer", "decimal"):
            return self.compare_ordered(float(value), op, bound, number)
        if kind == "boolean":
            convert = lambda item: item if isinstance(item, bool) else None  # noqa: E731
            return op in ("eq", "in") and self.compare_ordered(value, op, bound, convert)
        if kind == "datetime":
            return self.compare_moment(value, op, bound, text_dates)
        return False

    @staticmethod
    def compare_text(value: str, op: str, bound: Any) -> bool:
        folded = fold(value)
        if op in ("contains", "starts_with", "ends_with"):
            if not isinstance(bound, str):
                return False
            needle = fold(bound)
            if op == "contains":
                return needle in folded
            return folded.startswith(needle) if op == "starts_with" else folded.endswith(needle)
        if op == "eq":
            text = text_of(bound)
            return text is not None and folded == fold(text)
        if op == "in":
            return any(
                (text := text_of(item)) is not None and folded == fold(text) for item in bound
            )
        return False

    @staticmethod
    def compare_ordered(value: Any, op: str, bound: Any, convert: Any) -> bool:
        if op == "eq":
            converted = convert(bound)
            return converted is not None and value == converted
        if op == "in":
            return any((c := convert(item)) is not None and value == c for item in bound)
        if op == "between":
            low, high = convert(bound[0]), convert(bound[1])
            return low is not None and high is not None and low <= value <= high
        if op in ("gt", "gte", "lt", "lte"):
            converted = convert(bound)
            if converted is None:
                return False
            return {
                "gt": value > converted,
                "gte": value >= converted,
                "lt": value < converted,
                "lte": value <= converted,
            }[op]
        return False

    def compare_moment(self, value: Any, op: str, bound: Any, text_dates: bool) -> bool:
        def convert(item: Any) -> Any:
            moment = parse_moment(item)
            if moment is None:
                return None
            return second_text(moment) if text_dates else moment

        def at(moment: datetime) -> Any:
            return second_text(moment) if text_dates else moment

        if op in ("within_last", "more_than_ago"):
            cutoff = at(self.now - parse_duration(bound))
            if op == "within_last":
                return cutoff < value <= at(self.now)
            return value < cutoff
        if op in ("before", "after"):
            converted = convert(bound)
            if converted is None:
                return False
            return value < converted if op == "before" else value > converted
        return self.compare_ordered(value, op, bound, convert)

    # behaviour -----------------------------------------------------------------------------

    def behaviour(self, test: BehaviorTest, contact_id: int) -> bool:
        count = sum(1 for event in self.events.get(contact_id, ()) if self.counts(test, event))
        match test.count:
            case AtLeast(at_least=n):
                return count >= n
            case AtMost(at_most=n):
                return count <= n
            case Exactly(exactly=n):
                return count == n
            case NoneCount():
                return count == 0
        raise AssertionError(test.count)

    def counts(self, test: BehaviorTest, event: Event) -> bool:
        if event.type != test.event or event.occurred_at > self.now:
            return False
        if test.within is not None and not event.occurred_at > self.now - test.within:
            return False
        if test.between is not None:
            start, end = test.between
            if not start <= event.occurred_at < end:
                return False
        for where in test.where:
            kind = guess_type(where)
            value = json_value(event.properties.get(where.field, EMPTY), kind)
            if not self.test(value, kind, where, text_dates=True):
                return False
        return True
