"""Hypothesis strategies for segment tests: contacts, events and condition trees.

The data is small and dense on purpose: few distinct texts in mixed case, times on day
boundaries around ``now`` (and a second or a microsecond either side), attributes that are
missing, null, empty or of the wrong type, so that equalities, empties and window edges are
hit often.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import strategies as st
from sqlalchemy import Connection, delete, insert

from app.domain.conditions import Op
from app.store.schema import attribute_catalogue, contacts, events, segment_members
from tests.store.reference import Event

NOW = datetime(2026, 3, 1, 12, 0, 0, tzinfo=UTC)
NOWS = st.sampled_from([NOW, NOW - timedelta(days=30), NOW + timedelta(days=45)])

CATALOGUE = {
    "tier": "text",
    "score": "integer",
    "ltv": "decimal",
    "vip": "boolean",
    "renewal": "datetime",
}
"""Catalogued attributes; ``extra`` is left out on purpose (typed from the condition)."""

TEXT_FIELDS = ["email", "country", "city", "first_name", "external_id", "kind"]
BOOL_FIELDS = ["email_opt_in", "sms_opt_in"]
DATE_FIELDS = ["created_at", "updated_at"]
ATTRIBUTE_FIELDS = [f"attributes.{key}" for key in [*CATALOGUE, "extra"]]
FIELDS = TEXT_FIELDS + BOOL_FIELDS + DATE_FIELDS + ATTRIBUTE_FIELDS
EVENT_TYPES = ["purchase"] * 5 + ["web_visit", "Purchase"]
PROPERTY_KEYS = ["amount", "sku", "paid", "at"]

WORDS = ["de", "DE", "De", "at", "AT", "Ü", "ü", "a%b", "a_b", "abc", "ABC", "x", "", " "]
texts = st.one_of(
    st.sampled_from(WORDS), st.sampled_from(WORDS), st.text(alphabet="aAbBüÜ%_ ", max_size=3)
)
numbers = st.one_of(
    st.integers(-3, 3),
    st.sampled_from([0.5, -1.5, 2.0, 100, 1000, 10**15]),
)
DAY_MARKS = [0, -30, -60, -90, -1, 45]
"""Days from ``NOW`` that the windows and ``now`` choices meet (30d, 60d, 90d, …)."""
offsets = st.sampled_from(
    [timedelta(0)] * 4
    + [
        timedelta(seconds=1),
        timedelta(seconds=-1),
        timedelta(microseconds=1),
        timedelta(microseconds=-1),
    ]
)


@st.composite
def moments(draw: st.DrawFn, spread_days: int = 120) -> datetime:
    """Mostly a time on a marked day from ``NOW`` (give or take a second), else anywhere near."""
    if draw(st.integers(0, 3)) > 0:
        return NOW + timedelta(days=draw(st.sampled_from(DAY_MARKS))) + draw(offsets)
    seconds = draw(st.integers(-spread_days * 86_400, spread_days * 43_200))
    return NOW + timedelta(seconds=seconds, microseconds=draw(st.integers(0, 999_999)))


def iso(moment: datetime, offset_hours: int = 0) -> str:
    """``moment`` written with ``Z`` or as local time at a whole-hour offset."""
    local = moment.astimezone(UTC) + timedelta(hours=offset_hours)
    text = local.replace(tzinfo=None).isoformat()
    if offset_hours == 0:
        return text + "Z"
    return f"{text}{'+' if offset_hours > 0 else '-'}{abs(offset_hours):02}:00"


@st.composite
def iso_moments(draw: st.DrawFn) -> str:
    """A date-time as files write it: ``Z`` or another offset, sometimes with a fraction."""
    moment = draw(moments())
    if draw(st.booleans()):
        moment = moment.replace(microsecond=0)
    return iso(moment, draw(st.sampled_from([0, 0, 2, -5])))


stored_moments = st.builds(
    lambda moment, fraction: (
        moment.astimezone(UTC).replace(tzinfo=None, microsecond=0).isoformat() + fraction + "Z"
    ),
    moments(),
    st.sampled_from(["", "", "", ".250"]),
)
"""A date-time attribute as the importer stores it (ISO 8601 UTC text, ``Z``)."""

scalars = st.one_of(texts, numbers, st.booleans(), iso_moments())
durations = st.sampled_from(["0s", "1h", "1d", "P2D", "7d"] + ["30d", "60d", "90d"] * 2)

TYPED_VALUES: dict[str, st.SearchStrategy[Any]] = {
    "text": texts,
    "integer": st.integers(-3, 3) | st.just(10**15),
    "decimal": numbers,
    "boolean": st.booleans(),
    "datetime": stored_moments,
}


def attribute_value(kind: str) -> st.SearchStrategy[Any]:
    """Mostly a value of the type; sometimes null, empty, or of the wrong type."""
    return st.one_of(
        TYPED_VALUES[kind],
        TYPED_VALUES[kind],
        st.none(),
        st.just(""),
        st.sampled_from(["7", True, 3, "2026-01-01T00:00:00Z", [1], {"a": 1}]),
    )


@st.composite
def attributes(draw: st.DrawFn) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, kind in [*CATALOGUE.items(), ("extra", "text")]:
        if draw(st.booleans()):
            value_kind = draw(st.sampled_from(list(TYPED_VALUES))) if key == "extra" else kind
            result[key] = draw(attribute_value(value_kind))
    return result


@st.composite
def contact_rows(draw: st.DrawFn, max_size: int = 8) -> list[dict[str, Any]]:
    count = draw(st.integers(0, max_size) | st.integers(3, max_size))
    rows = []
    for index in range(1, count + 1):
        email = draw(st.sampled_from([None, "", f"User{index}@Example.com", f"u{index}@x.de"]))
        created = draw(moments())
        rows.append(
            {
                "id": index,
                "kind": draw(st.sampled_from(["contact", "contact", "lead"])),
                "email": email if email != "" or index == 1 else None,
                "country": draw(st.none() | texts),
                "city": draw(st.none() | texts),
                "first_name": draw(st.none() | texts),
                "external_id": draw(st.none() | st.just(f"X-{index}")),
                "email_opt_in": draw(st.none() | st.booleans()),
                "sms_opt_in": draw(st.none() | st.booleans()),
                "created_at": created,
                "updated_at": created + timedelta(days=draw(st.integers(0, 40))),
                "attributes": draw(attributes()),
            }
        )
    return rows


@st.composite
def event_rows(draw: st.DrawFn, contact_ids: list[int], max_size: int = 25) -> list[Event]:
    if not contact_ids:
        return []
    result = []
    busy = contact_ids[: max(1, len(contact_ids) // 3)]  # a few contacts with many events
    for _ in range(draw(st.integers(0, max_size) | st.integers(len(contact_ids), max_size))):
        properties: dict[str, Any] = {}
        for key in PROPERTY_KEYS:
            if draw(st.booleans()):
                properties[key] = draw(
                    st.one_of(numbers, texts, st.booleans(), stored_moments, st.none())
                )
        result.append(
            Event(
                contact_id=draw(st.sampled_from(busy) | st.sampled_from(contact_ids)),
                type=draw(st.sampled_from(EVENT_TYPES)),
                occurred_at=draw(moments()),
                properties=properties,
            )
        )
    return result


def _value_for(op: Op) -> st.SearchStrategy[Any]:
    if op in (Op.IS_EMPTY, Op.IS_NOT_EMPTY):
        return st.none()
    if op in (Op.IN, Op.NOT_IN):
        return st.lists(scalars, min_size=1, max_size=3)
    if op is Op.BETWEEN:
        orderable = numbers | iso_moments()
        return st.tuples(orderable, orderable).map(list)
    if op in (Op.WITHIN_LAST, Op.MORE_THAN_AGO):
        return durations
    if op in (Op.BEFORE, Op.AFTER):
        return iso_moments()
    if op in (Op.CONTAINS, Op.STARTS_WITH, Op.ENDS_WITH):
        return texts
    if op in (Op.GT, Op.GTE, Op.LT, Op.LTE):
        return numbers | iso_moments()
    return scalars


@st.composite
def field_tests(draw: st.DrawFn, fields: list[str]) -> dict[str, Any]:
    op = draw(st.sampled_from(list(Op)))
    value = draw(_value_for(op))
    test: dict[str, Any] = {"field": draw(st.sampled_from(fields)), "op": str(op)}
    if value is not None:
        test["value"] = value
    return test


counts = st.one_of(
    st.builds(lambda n: {"at_least": n}, st.sampled_from([1, 1, 2, 3, 0])),
    st.builds(lambda n: {"at_most": n}, st.sampled_from([0, 1, 1, 2])),
    st.builds(lambda n: {"exactly": n}, st.sampled_from([1, 1, 2, 0])),
    st.just({"none": True}),
)


@st.composite
def behaviours(draw: st.DrawFn) -> dict[str, Any]:
    behaviour: dict[str, Any] = {
        "event": draw(st.sampled_from(EVENT_TYPES)),
        "count": draw(counts),
        "where": draw(st.lists(field_tests(PROPERTY_KEYS), max_size=1))
        if draw(st.booleans())
        else [],
    }
    window = draw(st.sampled_from(["none", "within", "between"]))
    if window == "within":
        behaviour["within"] = draw(durations)
    elif window == "between":
        start = draw(moments())
        length = draw(
            st.sampled_from([timedelta(seconds=1), timedelta(days=30), timedelta(days=60)])
        )
        behaviour["between"] = [iso(start), iso(start + length)]
    return behaviour


def conditions(segment_names: list[str]) -> st.SearchStrategy[dict[str, Any]]:
    """Condition trees: attribute and behaviour tests, membership, nested all/any/not."""
    leaves: st.SearchStrategy[dict[str, Any]] = st.one_of(
        field_tests(FIELDS).map(lambda test: {"attribute": test}),
        behaviours().map(lambda test: {"behavior": test}),
    )
    if segment_names:
        leaves = leaves | st.sampled_from(segment_names).map(lambda name: {"segment": name})
    return st.recursive(
        leaves,
        lambda children: st.one_of(
            st.lists(children, max_size=3).map(lambda items: {"all": items}),
            st.lists(children, max_size=3).map(lambda items: {"any": items}),
            children.map(lambda child: {"not": child}),
        ),
        max_leaves=6,
    )


def segment_data(name: str, definition: dict[str, Any], audience: str) -> dict[str, Any]:
    return {"name": name, "audience": audience, "definition": definition}


audiences = st.sampled_from(["contact", "lead", "any"])


def replace_rows(
    connection: Connection,
    contact_rows: list[dict[str, Any]],
    event_rows: list[Event],
    catalogue: dict[str, str] | None = None,
) -> None:
    """Empty the people tables and the catalogue, then insert these rows (ids kept)."""
    for table in (segment_members, events, contacts, attribute_catalogue):
        connection.execute(delete(table))
    if contact_rows:
        connection.execute(insert(contacts), contact_rows)
    if event_rows:
        connection.execute(insert(events), [event._asdict() for event in event_rows])
    if catalogue:
        rows = [{"key": key, "type": kind} for key, kind in catalogue.items()]
        connection.execute(insert(attribute_catalogue), rows)
