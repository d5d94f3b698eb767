"""Stored segments: save, refusals (unknown names, cycles, in use), evaluation, refresh."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import Connection, insert, select

from app.domain.segment import SegmentDocument
from app.store.schema import journey_versions, journeys, segments
from app.store.segment_sql import SegmentCycleError, UnknownSegmentError
from app.store.segment_usage import due_segments, journey_segment_names, segments_in_use
from app.store.segments import (
    SegmentInUse,
    SegmentNotFound,
    count_members,
    delete_segment,
    get_segment,
    list_segments,
    materialised_members,
    member_emails,
    refresh,
    save_segment,
    stored_documents,
)
from app.store.settings import SEGMENT_REFRESH, set_setting
from app.store.workspace import Workspace, open_workspace
from tests.store import pg
from tests.store.reference import Event
from tests.store.segment_data import NOW, replace_rows

workspace_location = pg.workspace_location

GERMANY = {"attribute": {"field": "country", "op": "eq", "value": "DE"}}
RECENT_BUYER = {"behavior": {"event": "purchase", "within": "30d"}}


@pytest.fixture
def db(workspace_location: str) -> Iterator[Workspace]:
    with open_workspace(workspace_location) as opened:
        yield opened


def document(name: str, definition: dict[str, Any], audience: str = "any") -> SegmentDocument:
    return SegmentDocument.model_validate(
        {"name": name, "audience": audience, "definition": definition}
    )


def save(db: Workspace, name: str, definition: dict[str, Any]) -> str:
    with db.writer() as connection:
        return save_segment(connection, document(name, definition), NOW)


def person(index: int, **fields: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "id": index,
        "kind": "contact",
        "email": f"p{index}@example.com",
        "created_at": NOW - timedelta(days=400),
        "updated_at": NOW - timedelta(days=400),
        "attributes": {},
    }
    return row | fields


def journey(
    connection: Connection, name: str, status: str, data: dict[str, Any], version: int = 1
) -> None:
    """A journey row with a published current version holding ``data`` as its document."""
    text = json.dumps({"name": name, **data})
    connection.execute(
        insert(journeys).values(
            id=f"id-{name}",
            name=name,
            status=status,
            draft=text,
            current_version=version,
            created_at=NOW,
            updated_at=NOW,
        )
    )
    connection.execute(
        insert(journey_versions).values(
            journey_id=f"id-{name}", version=version, document=text, published_at=NOW
        )
    )


def test_save_creates_updates_and_leaves_the_same_text_alone(db: Workspace) -> None:
    assert save(db, "Germany", GERMANY) == "created"
    assert save(db, "Germany", GERMANY) == "unchanged"
    assert save(db, "Germany", {"not": GERMANY}) == "updated"
    with db.reader() as connection:
        stored = get_segment(connection, "Germany")
        assert stored.document.definition.model_dump(by_alias=True) == {"not": GERMANY}
        text = connection.scalar(select(segments.c.document))
        assert text == document("Germany", {"not": GERMANY}).to_json()
        assert [item.name for item in list_segments(connection)] == ["Germany"]


def test_unknown_segments_and_cycles_are_refused(db: Workspace) -> None:
    with pytest.raises(UnknownSegmentError, match="“Nobody”"):
        save(db, "A", {"segment": "Nobody"})
    assert save(db, "A", GERMANY) == "created"
    assert save(db, "B", {"all": [{"segment": "A"}, RECENT_BUYER]}) == "created"
    with pytest.raises(SegmentCycleError, match="“A” → “B” → “A”"):
        save(db, "A", {"not": {"segment": "B"}})
    with pytest.raises(SegmentCycleError, match="“C” → “C”"):
        save(db, "C", {"any": [GERMANY, {"segment": "C"}]})
    with db.reader() as connection:
        assert set(stored_documents(connection)) == {"A", "B"}


def test_segments_used_by_running_journeys_cannot_be_edited_or_deleted(db: Workspace) -> None:
    save(db, "Germany", GERMANY)
    save(db, "Buyers", RECENT_BUYER)
    save(db, "German buyers", {"all": [{"segment": "Germany"}, {"segment": "Buyers"}]})
    save(db, "Branch test", {"all": []})
    save(db, "Spare", {"all": []})
    with db.writer() as connection:
        journey(connection, "Live one", "live", {"settings": {"entry_segment": "German buyers"}})
        branch = {"kind": "branch", "config": {"condition": {"not": {"segment": "Branch test"}}}}
        journey(connection, "Paused one", "paused", {"nodes": [branch]})
        journey(connection, "Stopped one", "stopped", {"settings": {"entry_segment": "Spare"}})
    with pytest.raises(SegmentInUse, match="“Live one”") as refused:
        save(db, "Germany", {"not": GERMANY})
    assert refused.value.journeys == ["Live one"]
    with pytest.raises(SegmentInUse, match="“Paused one”"):
        save(db, "Branch test", {"any": []})
    with db.writer() as connection, pytest.raises(SegmentInUse) as refused:
        delete_segment(connection, "Buyers")
    assert refused.value.journeys == ["Live one"]
    assert refused.value.segments == ["German buyers"]
    assert save(db, "Spare", GERMANY) == "updated"
    with db.writer() as connection:
        delete_segment(connection, "Spare")
        with pytest.raises(SegmentNotFound):
            delete_segment(connection, "Spare")
        in_use = segments_in_use(connection, stored_documents(connection))
    assert in_use == {
        "German buyers": ["Live one"],
        "Germany": ["Live one"],
        "Buyers": ["Live one"],
        "Branch test": ["Paused one"],
    }


def test_journey_documents_name_segments_in_settings_and_conditions() -> None:
    split = {
        "kind": "split",
        "config": {"cases": [{"name": "x", "condition": {"any": [{"segment": "S1"}]}}]},
    }
    send = {"kind": "send_email", "config": {"subject": "segment"}}
    text = json.dumps(
        {
            "settings": {"entry_segment": "E", "exclusion_segments": ["X1", "X2"]},
            "nodes": [split, send],
        }
    )
    assert journey_segment_names(text) == {"E", "X1", "X2", "S1"}
    assert journey_segment_names("not json") == set()


def test_count_and_members_evaluate_at_the_moment_given(db: Workspace) -> None:
    people = [person(1, email="b@example.com"), person(2, email=None), person(3)]
    happened = [
        Event(1, "purchase", NOW - timedelta(days=10), {}),
        Event(2, "purchase", NOW - timedelta(days=40), {}),
    ]
    with db.writer() as connection:
        replace_rows(connection, people, happened)
    save(db, "Recent buyers", RECENT_BUYER)
    with db.reader() as connection:
        assert count_members(connection, "Recent buyers", NOW) == 1
        assert member_emails(connection, "Recent buyers", NOW) == ["b@example.com"]
        earlier = NOW - timedelta(days=20)
        assert count_members(connection, "Recent buyers", earlier) == 1
        assert member_emails(connection, "Recent buyers", earlier) == [None]
        with pytest.raises(SegmentNotFound, match="“Nobody”"):
            count_members(connection, "Nobody", NOW)


def test_refresh_reports_who_joined_and_who_left_once(db: Workspace) -> None:
    people = [person(index) for index in (1, 2, 3)]
    happened = [
        Event(1, "purchase", NOW - timedelta(days=29), {}),
        Event(2, "purchase", NOW - timedelta(days=5), {}),
        Event(3, "purchase", NOW + timedelta(days=3), {}),
    ]
    with db.writer() as connection:
        replace_rows(connection, people, happened)
    save(db, "Recent buyers", RECENT_BUYER)
    steps = [
        (NOW, [1, 2], []),
        (NOW, [], []),
        (NOW + timedelta(days=2), [], [1]),
        (NOW + timedelta(days=3), [3], []),
        (NOW + timedelta(days=36), [], [2, 3]),
    ]
    for now, joined, left in steps:
        with db.writer() as connection:
            assert refresh(connection, "Recent buyers", now) == (joined, left), now
            assert get_segment(connection, "Recent buyers").refreshed_at == now
    with db.reader() as connection:
        assert materialised_members(connection, "Recent buyers") == {}
    with db.writer() as connection:
        assert refresh(connection, "Recent buyers", NOW) == ([1, 2], [])
        assert materialised_members(connection, "Recent buyers") == {1: NOW, 2: NOW}
        later = NOW + timedelta(hours=1)
        assert refresh(connection, "Recent buyers", later) == ([], [])
        assert materialised_members(connection, "Recent buyers") == {1: NOW, 2: NOW}


def test_segments_in_use_are_due_after_the_refresh_interval(db: Workspace) -> None:
    save(db, "Germany", GERMANY)
    save(db, "Buyers", RECENT_BUYER)
    save(db, "German buyers", {"all": [{"segment": "Germany"}, {"segment": "Buyers"}]})
    save(db, "Unused", GERMANY)
    with db.writer() as connection:
        journey(connection, "Live one", "live", {"settings": {"entry_segment": "German buyers"}})
        documents = stored_documents(connection)
        assert due_segments(connection, NOW, documents) == ["Buyers", "German buyers", "Germany"]
        for name in ("Buyers", "German buyers", "Germany"):
            refresh(connection, name, NOW)
        assert due_segments(connection, NOW + timedelta(seconds=59), documents) == []
        assert len(due_segments(connection, NOW + timedelta(seconds=60), documents)) == 3
        set_setting(connection, SEGMENT_REFRESH, 3600)
        assert due_segments(connection, NOW + timedelta(seconds=60), documents) == []
        every = timedelta(seconds=10)
        assert len(due_segments(connection, NOW + every, documents, every=every)) == 3
