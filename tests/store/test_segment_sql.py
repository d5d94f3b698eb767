"""The segment compiler agrees with the plain-Python reference on generated data (DESIGN §3).

Hypothesis generates contacts (empties, mixed case, attributes of every type and of the wrong
type) and events, writes them to a real workspace, generates conditions (every operator, nested
groups, ``not``, behaviour counts, windows and ``where`` filters, membership of other segments)
and checks that the SQL members equal :mod:`tests.store.reference`'s. SQLite always; PostgreSQL
too when ``JOURNEY_STUDIO_TEST_PG_URL`` names a database whose tables these tests may empty.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import ExitStack
from datetime import datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.domain.conditions import Op
from app.domain.segment import SegmentDocument
from app.store.segment_sql import (
    SegmentCompiler,
    SegmentCycleError,
    UnknownSegmentError,
)
from app.store.workspace import Workspace, open_workspace
from tests.store import pg
from tests.store.reference import Event, Reference
from tests.store.segment_data import (
    CATALOGUE,
    FIELDS,
    NOW,
    NOWS,
    PROPERTY_KEYS,
    audiences,
    behaviours,
    conditions,
    contact_rows,
    event_rows,
    field_tests,
    replace_rows,
)

HYPOTHESIS = settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@pytest.fixture(scope="module", params=pg.DATABASES)
def database(request: pytest.FixtureRequest, tmp_path_factory: Any) -> Iterator[Workspace]:
    """One workspace per test module and backend; each example replaces its rows."""
    with ExitStack() as stack:
        if request.param == "postgresql":
            location = stack.enter_context(pg.fresh_pg_schema(os.environ[pg.PG_URL_VAR]))
        else:
            location = str(tmp_path_factory.mktemp("segments") / "workspace.db")
        workspace = stack.enter_context(open_workspace(location))
        yield workspace


def segment(definition: dict[str, Any], name: str = "Tested", audience: str = "any") -> Any:
    return SegmentDocument.model_validate(
        {"name": name, "audience": audience, "definition": definition}
    )


@st.composite
def worlds(draw: st.DrawFn) -> tuple[list[dict[str, Any]], list[Event], datetime]:
    people = draw(contact_rows())
    happened = draw(event_rows([person["id"] for person in people]))
    return people, happened, draw(NOWS)


def check(
    workspace: Workspace,
    world: tuple[list[dict[str, Any]], list[Event], datetime],
    tested: list[SegmentDocument],
    others: dict[str, SegmentDocument] | None = None,
) -> None:
    people, happened, now = world
    with workspace.writer() as connection:
        replace_rows(connection, people, happened, CATALOGUE)
    reference = Reference(people, happened, now, others, CATALOGUE)
    dialect = workspace.engine.dialect.name
    with workspace.reader() as connection:
        for document in tested:
            compiler = SegmentCompiler(
                now=now, dialect=dialect, segments=others, catalogue=CATALOGUE
            )
            found = set(connection.scalars(compiler.members(document)))
            expected = reference.members(document)
            assert found == expected, document.model_dump_json(by_alias=True)
            count = connection.scalar(compiler.count(document))
            assert count == len(expected)


@pytest.mark.parametrize("op", list(Op), ids=str)
@settings(HYPOTHESIS, max_examples=15)
@given(world=worlds(), data=st.data())
def test_every_operator_matches_the_reference(
    database: Workspace, op: Op, world: Any, data: st.DataObject
) -> None:
    on_contacts = data.draw(st.lists(field_tests(FIELDS), min_size=1, max_size=4))
    on_events = data.draw(st.lists(field_tests(PROPERTY_KEYS), min_size=1, max_size=2))
    for test in on_contacts + on_events:
        test["op"] = str(op)
    contact_tests = [{"attribute": t} for t in on_contacts]
    event_tests = [{"behavior": {"event": "purchase", "where": [t]}} for t in on_events]
    valid = [segment(c) for c in contact_tests + event_tests if _valid(c)]
    negated = [
        segment({"not": document.definition.model_dump(by_alias=True)}) for document in valid
    ]
    check(database, world, valid + negated)


@HYPOTHESIS
@given(world=worlds(), data=st.data())
def test_condition_trees_match_the_reference(
    database: Workspace, world: Any, data: st.DataObject
) -> None:
    inner = segment(data.draw(conditions([])), "Inner", data.draw(audiences))
    outer = segment(data.draw(conditions(["Inner"])), "Outer", data.draw(audiences))
    tested = [
        segment(data.draw(conditions(["Inner", "Outer"])), audience=data.draw(audiences))
        for _ in range(3)
    ]
    check(database, world, tested, {"Inner": inner, "Outer": outer})


@HYPOTHESIS
@given(world=worlds(), data=st.data())
def test_behaviour_counts_and_windows_match_the_reference(
    database: Workspace, world: Any, data: st.DataObject
) -> None:
    tested = [
        segment({"behavior": behaviour}, audience=data.draw(audiences))
        for behaviour in data.draw(st.lists(behaviours(), min_size=1, max_size=4))
    ]
    check(database, world, tested)


def _valid(condition: dict[str, Any]) -> bool:
    try:
        segment(condition)
    except ValueError:
        return False
    return True


# Hand-written cases: what a marketer would notice -------------------------------------------


def person(index: int, **fields: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "id": index,
        "kind": "contact",
        "email": f"p{index}@example.com",
        "created_at": NOW - timedelta(days=100),
        "updated_at": NOW - timedelta(days=100),
        "attributes": {},
    }
    row.update(fields)
    return row


def members(
    workspace: Workspace,
    definition: dict[str, Any],
    people: list[dict[str, Any]],
    happened: list[Event] = (),  # type: ignore[assignment]
    now: datetime = NOW,
    audience: str = "any",
) -> set[int]:
    with workspace.writer() as connection:
        replace_rows(connection, people, list(happened), CATALOGUE)
    compiler = SegmentCompiler(now=now, dialect=workspace.engine.dialect.name, catalogue=CATALOGUE)
    with workspace.reader() as connection:
        return set(connection.scalars(compiler.members(segment(definition, audience=audience))))


def test_not_equal_country_includes_contacts_without_a_country(database: Workspace) -> None:
    people = [person(1, country="DE"), person(2, country=None), person(3, country="at")]
    de = {"attribute": {"field": "country", "op": "eq", "value": "de"}}
    assert members(database, de, people) == {1}
    assert members(database, {"not": de}, people) == {2, 3}
    ne = {"attribute": {"field": "country", "op": "ne", "value": "DE"}}
    assert members(database, ne, people) == {3}


def test_at_most_and_none_include_contacts_without_events(database: Workspace) -> None:
    people = [person(1), person(2), person(3)]
    happened = [
        Event(1, "purchase", NOW - timedelta(days=1), {}),
        Event(2, "purchase", NOW - timedelta(days=90), {}),
        Event(2, "purchase", NOW + timedelta(days=1), {}),
    ]
    lapsed = {
        "all": [
            {"behavior": {"event": "purchase", "count": {"at_least": 1}}},
            {"behavior": {"event": "purchase", "count": {"none": True}, "within": "60d"}},
        ]
    }
    assert members(database, lapsed, people, happened) == {2}
    at_most = {"behavior": {"event": "purchase", "count": {"at_most": 0}, "within": "60d"}}
    assert members(database, at_most, people, happened) == {2, 3}
    # evaluated 89 days ago, the purchase of 90 days ago is within 60 days, the others not yet
    earlier = NOW - timedelta(days=89)
    assert members(database, lapsed, people, happened, now=earlier) == set()


def test_audience_filters_the_kind(database: Workspace) -> None:
    people = [person(1), person(2, kind="lead")]
    assert members(database, {"all": []}, people, audience="lead") == {2}
    assert members(database, {"all": []}, people, audience="any") == {1, 2}
    assert members(database, {"any": []}, people) == set()


def test_unknown_and_circular_segments_are_refused() -> None:
    a = segment({"segment": "B"}, name="A")
    b = segment({"not": {"segment": "A"}}, name="B")
    compiler = SegmentCompiler(now=NOW, dialect="sqlite", segments={"A": a, "B": b})
    with pytest.raises(SegmentCycleError, match="“A” → “B” → “A”"):
        compiler.members(a)
    lonely = segment({"segment": "Nobody"}, name="C")
    with pytest.raises(UnknownSegmentError, match="“Nobody”"):
        SegmentCompiler(now=NOW, dialect="sqlite").members(lonely)


def test_window_edges(database: Workspace) -> None:
    """``within 30d`` is (now - 30d, now]; ``between [a, b]`` is [a, b); the future never counts."""
    edge = NOW - timedelta(days=30)
    times = [edge, edge + timedelta(microseconds=1), NOW, NOW + timedelta(microseconds=1)]
    people = [person(index) for index in range(1, 5)]
    happened = [Event(index, "purchase", at, {}) for index, at in enumerate(times, 1)]
    within = {"behavior": {"event": "purchase", "within": "30d"}}
    assert members(database, within, people, happened) == {2, 3}
    between = {"behavior": {"event": "purchase", "between": [_iso(edge), _iso(NOW)]}}
    assert members(database, between, people, happened) == {1, 2}
    ever = {"behavior": {"event": "purchase"}}
    assert members(database, ever, people, happened) == {1, 2, 3}


def test_date_edges_on_columns_and_attributes(database: Workspace) -> None:
    edge = NOW - timedelta(days=30)
    times = [edge, edge + timedelta(seconds=1), NOW, NOW + timedelta(seconds=1)]
    people = [
        person(index, created_at=at, attributes={"renewal": _iso(at)})
        for index, at in enumerate(times, 1)
    ]
    for field in ("created_at", "attributes.renewal"):
        recent = {"attribute": {"field": field, "op": "within_last", "value": "30d"}}
        assert members(database, recent, people) == {2, 3}, field
        old = {"attribute": {"field": field, "op": "more_than_ago", "value": "30d"}}
        assert members(database, old, people) == set(), field
        after = {"attribute": {"field": field, "op": "after", "value": _iso(edge)}}
        assert members(database, after, people) == {2, 3, 4}, field
        exactly = {"attribute": {"field": field, "op": "eq", "value": _iso(NOW)}}
        assert members(database, exactly, people) == {3}, field


def test_text_is_case_insensitive_for_ascii_letters(database: Workspace) -> None:
    people = [
        person(1, city="Berlin"),
        person(2, city="BERLIN"),
        person(3, city="München"),
        person(4, city="MÜNCHEN"),
        person(5, city="50%_off"),
    ]

    def city(op: str, value: Any) -> set[int]:
        return members(database, {"attribute": {"field": "city", "op": op, "value": value}}, people)

    assert city("eq", "berlin") == {1, 2}
    assert city("in", ["x", "BeRlIn", "münchen"]) == {1, 2, 3}
    assert city("not_in", ["x", "BeRlIn"]) == {3, 4, 5}
    assert city("starts_with", "mü") == {3}
    assert city("contains", "%_") == {5}
    assert city("starts_with", "_") == set()
    assert city("ends_with", "%") == set()
    assert city("ends_with", "LIN") == {1, 2}


def test_numbers_and_booleans_compare_by_type(database: Workspace) -> None:
    people = [
        person(1, attributes={"ltv": 10, "vip": True}),
        person(2, attributes={"ltv": 20.5, "vip": False}),
        person(3, attributes={"ltv": 30}),
        person(4, attributes={"ltv": "20.5", "vip": "true"}),
    ]

    def test(field: str, op: str, value: Any) -> set[int]:
        condition = {"attribute": {"field": f"attributes.{field}", "op": op, "value": value}}
        return members(database, condition, people)

    assert test("ltv", "between", [10, 20.5]) == {1, 2}
    assert test("ltv", "in", [30, 20.5]) == {2, 3}
    assert test("ltv", "gt", 10) == {2, 3}
    assert test("ltv", "eq", "20.5") == set()
    assert test("ltv", "ne", 10) == {2, 3}
    assert test("vip", "eq", False) == {2}
    assert members(
        database,
        {"not": {"attribute": {"field": "attributes.vip", "op": "eq", "value": True}}},
        people,
    ) == {2, 3, 4}
    assert test("vip", "ne", True) == {2}


def _iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")
