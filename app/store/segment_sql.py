"""The segment compiler: a segment definition → one SQL statement of its members (DESIGN §3).

:class:`SegmentCompiler` turns a :class:`~app.domain.segment.SegmentDocument` into one
SQLAlchemy Core ``SELECT contacts.id … WHERE …`` for SQLite or PostgreSQL, evaluated at a given
``now``. It reads no database: the other segments (for membership conditions) and the
attribute catalogue are handed in.

What a definition means (the value tests themselves are described in
:mod:`app.store.segment_values`):

- ``all`` is AND, ``any`` is OR; an empty ``all`` holds for everyone, an empty ``any`` for
  nobody. ``not`` inverts a whole condition or group: every test is two-valued (never SQL NULL),
  so ``not (country eq "DE")`` holds for a contact with no country.
- ``audience`` filters ``contacts.kind``: ``contact``, ``lead``, or ``any`` for both.
- A field is a built-in contact column (:data:`~app.domain.conditions.CONTACT_FIELDS`) or
  ``attributes.<key>``, typed by the attribute catalogue; a key missing from the catalogue is
  typed from the condition's value, as event properties are.
- A behaviour condition counts the contact's events of that type (exact, case-sensitive) that
  pass every ``where`` filter and lie in the window: ``within d`` is ``now - d < occurred_at <=
  now``, ``between [a, b]`` is ``a <= occurred_at < b``, none is all time; events after ``now``
  never count, so evaluating at a past ``now`` works. ``at_least n``, ``at_most n``, ``exactly
  n`` and ``none`` compare that count; ``at_most``, ``exactly 0`` and ``none`` hold for contacts
  with no events at all. ``at_least 1`` compiles to a correlated ``EXISTS``, ``none`` to ``NOT
  EXISTS``, other counts to a correlated ``count(*)``: each is a range seek in the covering
  index ``events (contact_id, type, occurred_at)``. (Measured by ``bench/segments.py``: the
  semi-join ``contacts.id IN (SELECT contact_id FROM events WHERE type = … )`` reads the events
  through ``(type, occurred_at)``, which does not hold ``contact_id``: 6.6 s against 1.3 s on
  SQLite for 1,000,000 contacts and 5,000,000 events. PostgreSQL plans ``[NOT] EXISTS`` as hash
  semi- and anti-joins by itself.)
- ``{"segment": NAME}`` is that segment's whole predicate (its audience and definition),
  compiled inline, recursively. An unknown name raises :class:`UnknownSegmentError`; a cycle
  raises :class:`SegmentCycleError` naming it (``A → B → A``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    and_,
    false,
    func,
    literal_column,
    not_,
    or_,
    select,
    true,
)

from app.domain.conditions import (
    ATTRIBUTE_PREFIX,
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
from app.domain.segment import SegmentDocument
from app.store.schema import contacts, events
from app.store.segment_values import (
    FieldType,
    Operand,
    SqlFunctions,
    ValueKind,
    attribute_test,
    column_operand,
    infer_kind,
    json_operand,
)

CATALOGUE_TYPES: dict[str, FieldType] = {
    "integer": "integer",
    "decimal": "decimal",
    "boolean": "boolean",
    "datetime": "datetime",
    "text": "text",
}
"""The attribute catalogue's types, as value types."""
_BUILT_IN_TYPES: dict[str, FieldType] = {**CATALOGUE_TYPES, "choice": "text"}


class SegmentDefinitionError(ValueError):
    """A definition that cannot be compiled: it names an unknown segment or makes a cycle."""


class UnknownSegmentError(SegmentDefinitionError):
    def __init__(self, name: str, used_by: str | None) -> None:
        self.name = name
        user = f"segment “{used_by}”" if used_by else "the condition"
        super().__init__(f"{user} uses segment “{name}”, which does not exist")


class SegmentCycleError(SegmentDefinitionError):
    def __init__(self, cycle: Sequence[str]) -> None:
        self.cycle = list(cycle)
        path = " → ".join(f"“{name}”" for name in self.cycle)
        super().__init__(f"segments may not use each other in a circle: {path}")


class SegmentCompiler:
    """Compiles segments to SQL at one instant ``now`` for one database dialect.

    ``segments`` holds every segment a membership condition may name (by name);
    ``catalogue`` maps attribute keys to their type (``integer``, ``decimal``, ``boolean``,
    ``datetime``, ``text``).
    """

    def __init__(
        self,
        *,
        now: datetime,
        dialect: str,
        segments: Mapping[str, SegmentDocument] | None = None,
        catalogue: Mapping[str, str] | None = None,
    ) -> None:
        if now.tzinfo is None:
            raise ValueError("segments are evaluated at an aware UTC date-time")
        self.now = now.astimezone(UTC)
        self.sql = SqlFunctions(dialect)
        self.segments = dict(segments or {})
        self.catalogue = dict(catalogue or {})
        self._expanding: list[str] = []

    def members(self, segment: SegmentDocument) -> Select[int]:
        """``SELECT contacts.id`` of the segment's members."""
        return select(contacts.c.id).where(self.predicate(segment))

    def count(self, segment: SegmentDocument) -> Select[int]:
        """``SELECT count(*)`` of the segment's members."""
        return select(func.count()).select_from(contacts).where(self.predicate(segment))

    def predicate(self, segment: SegmentDocument) -> ColumnElement[bool]:
        """The segment's test on a ``contacts`` row: its audience and its definition."""
        if segment.name in self._expanding:
            start = self._expanding.index(segment.name)
            raise SegmentCycleError([*self._expanding[start:], segment.name])
        self._expanding.append(segment.name)
        try:
            return _all([self.audience(segment.audience), self.condition(segment.definition)])
        finally:
            self._expanding.pop()

    @staticmethod
    def audience(audience: str) -> ColumnElement[bool]:
        return true() if audience == "any" else contacts.c.kind == audience

    def condition(self, condition: Condition) -> ColumnElement[bool]:
        """One condition or group on a ``contacts`` row (never SQL NULL)."""
        match condition:
            case AllGroup(all=children):
                return _all([self.condition(child) for child in children])
            case AnyGroup(any=children):
                return _any([self.condition(child) for child in children])
            case NotGroup(not_=child):
                return not_(self.condition(child))
            case AttributeCondition(attribute=test):
                return self.attribute(test)
            case BehaviorCondition(behavior=test):
                return self.behavior(test)
            case SegmentCondition(segment=name):
                return self.membership(name)
        raise TypeError(f"not a segment condition: {condition!r}")

    def attribute(self, test: AttributeTest) -> ColumnElement[bool]:
        return attribute_test(self.sql, self.field(test), test.op, test.value, self.now)

    def field(self, test: AttributeTest) -> Operand:
        """The contact value a test reads: a column, or a typed ``attributes`` entry."""
        if test.field.startswith(ATTRIBUTE_PREFIX):
            key = test.field.removeprefix(ATTRIBUTE_PREFIX)
            kind: ValueKind | None = CATALOGUE_TYPES.get(self.catalogue.get(key, ""))
            if kind is None:
                kind = infer_kind(test.op, test.value)
            return json_operand(self.sql, contacts.c.attributes, key, kind)
        column_type = _BUILT_IN_TYPES[CONTACT_FIELDS[test.field]]
        return column_operand(contacts.c[test.field], column_type)

    def behavior(self, test: BehaviorTest) -> ColumnElement[bool]:
        """The event count test as a correlated ``EXISTS`` or ``count(*)`` over the events."""
        count = test.count
        if isinstance(count, AtLeast) and count.at_least == 0:
            return true()
        own = [events.c.contact_id == contacts.c.id, *self.event_filters(test)]
        any_event = select(literal_column("1")).where(*own).correlate(contacts).exists()
        if isinstance(count, NoneCount) or (isinstance(count, Exactly) and count.exactly == 0):
            return ~any_event
        if isinstance(count, AtLeast) and count.at_least == 1:
            return any_event
        counted = select(func.count()).where(*own).correlate(contacts).scalar_subquery()
        if isinstance(count, AtLeast):
            return counted >= count.at_least
        if isinstance(count, AtMost):
            return counted <= count.at_most
        return counted == count.exactly

    def event_filters(self, test: BehaviorTest) -> list[ColumnElement[bool]]:
        """Type, window (never after ``now``) and ``where`` filters on ``events`` rows."""
        occurred = events.c.occurred_at
        filters: list[ColumnElement[bool]] = [events.c.type == test.event, occurred <= self.now]
        if test.within is not None:
            filters.append(occurred > self.now - test.within)
        if test.between is not None:
            start, end = test.between
            filters += [occurred >= start.astimezone(UTC), occurred < end.astimezone(UTC)]
        for where in test.where:
            kind = infer_kind(where.op, where.value)
            operand = json_operand(self.sql, events.c.properties, where.field, kind)
            filters.append(attribute_test(self.sql, operand, where.op, where.value, self.now))
        return filters

    def membership(self, name: str) -> ColumnElement[bool]:
        segment = self.segments.get(name)
        if segment is None:
            raise UnknownSegmentError(name, self._expanding[-1] if self._expanding else None)
        return self.predicate(segment)


def _all(parts: Sequence[ColumnElement[bool]]) -> ColumnElement[bool]:
    return and_(*parts) if parts else true()


def _any(parts: Sequence[ColumnElement[bool]]) -> ColumnElement[bool]:
    return or_(*parts) if parts else false()


def cheap_tests_first(condition: Condition) -> Condition:
    """The same condition with every group's children in evaluation-cost order: tests on
    contact columns, then on custom attributes, then groups and membership, then behaviour.

    Every test is two-valued, so ``all`` and ``any`` do not depend on the order of their
    children; SQLite evaluates ``AND`` / ``OR`` terms in the order written and stops early, so
    a cheap column test that fails spares the event subqueries for that contact.
    """
    match condition:
        case AllGroup(all=children):
            return AllGroup(all=sorted(map(cheap_tests_first, children), key=_cost))
        case AnyGroup(any=children):
            return AnyGroup(any=sorted(map(cheap_tests_first, children), key=_cost))
        case NotGroup(not_=child):
            return NotGroup.model_validate({"not": cheap_tests_first(child)})
    return condition


def _cost(condition: Condition) -> int:
    match condition:
        case AttributeCondition(attribute=test):
            return 1 if test.field.startswith(ATTRIBUTE_PREFIX) else 0
        case BehaviorCondition():
            return 3
    return 2


def value_test(
    compiler: SegmentCompiler, test: AttributeTest, values: ColumnElement[Any]
) -> ColumnElement[bool]:
    """``test`` applied to ``values`` in place of the built-in contact column it names: the
    same SQL the segment would run, for testing a column's distinct values instead of every
    contact (the live count's value index)."""
    kind = _BUILT_IN_TYPES[CONTACT_FIELDS[test.field]]
    return attribute_test(
        compiler.sql, column_operand(values, kind), test.op, test.value, compiler.now
    )
