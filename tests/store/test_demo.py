"""The demo workspace: what ``init --demo`` writes, on real SQLite files."""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Connection, Row, insert, select

from app.resources import resource_path
from app.services.documents import read_journey, read_segments
from app.services.workspace import create_workspace
from app.store.demo import DEMO_ATTRIBUTES, fill_demo
from app.store.demo_names import COUNTRIES
from app.store.journeys import load_draft
from app.store.schema import attribute_catalogue, contacts, events, journeys, segments
from app.store.workspace import Workspace, open_workspace
from tests.store.pg import PG_URL_VAR, fresh_pg_schema, requires_pg

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
DEMO_TABLES = ("contacts", "events", "attribute_catalogue")
SAMPLES = resource_path("samples")


def make_demo(path: Path, contacts_wanted: int, seed: int = 7, *, typed: bool = False) -> str:
    """Fill a new workspace at ``path`` and return a digest of every stored demo row."""
    workspace = open_workspace(str(path))
    try:
        with workspace.writer() as connection:
            fill_demo(connection, contacts_wanted=contacts_wanted, seed=seed, now=NOW, typed=typed)
        with workspace.reader() as connection:
            return digest(connection)
    finally:
        workspace.close()


def digest(connection: Connection) -> str:
    """SHA-256 over the rows as stored (raw driver values, in primary-key order)."""
    hashed = hashlib.sha256()
    for table in DEMO_TABLES:
        for row in connection.exec_driver_sql(f"SELECT * FROM {table} ORDER BY 1"):
            hashed.update(repr(tuple(row)).encode())
    return hashed.hexdigest()


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Workspace]:
    """A 2,000-contact demo workspace made the way ``init --demo`` makes it."""
    path = tmp_path_factory.mktemp("demo") / "demo.db"
    create_workspace(str(path), demo=True, contacts=2_000, seed=1, now=NOW)
    with open_workspace(str(path)) as workspace:
        yield workspace


def test_the_same_seed_gives_the_same_workspace(tmp_path: Path) -> None:
    first = make_demo(tmp_path / "a.db", 300)
    assert make_demo(tmp_path / "b.db", 300) == first
    assert make_demo(tmp_path / "c.db", 300, seed=8) != first


def test_the_fast_sqlite_path_stores_what_the_typed_insert_stores(tmp_path: Path) -> None:
    assert make_demo(tmp_path / "raw.db", 300) == make_demo(tmp_path / "typed.db", 300, typed=True)


def typed_rows(location: str) -> list[tuple[Any, ...]]:
    """Every demo and sample row as the store reads it back (Python values, in key order)."""
    with open_workspace(location) as workspace, workspace.reader() as connection:
        return [
            tuple(row)
            for table in (contacts, events, attribute_catalogue, segments, journeys)
            for row in connection.execute(select(table).order_by(*table.primary_key.columns))
        ]


@requires_pg
def test_postgresql_holds_the_same_demo_as_sqlite(tmp_path: Path) -> None:
    sqlite = str(tmp_path / "demo.db")
    create_workspace(sqlite, demo=True, contacts=200, seed=5, now=NOW)
    with fresh_pg_schema(os.environ[PG_URL_VAR]) as url:
        create_workspace(url, demo=True, contacts=200, seed=5, now=NOW)
        assert typed_rows(url) == typed_rows(sqlite)
        with open_workspace(url) as workspace, workspace.writer() as connection:
            added = connection.execute(
                insert(contacts).values(email="new@shop.example", created_at=NOW, updated_at=NOW)
            )
            assert added.inserted_primary_key == (201,)


def test_counts_for_500_contacts(workspace: Workspace) -> None:
    with workspace.writer() as connection:
        counts = fill_demo(connection, contacts_wanted=500, seed=3, now=NOW)
    with workspace.reader() as connection:
        kinds = [row.kind for row in connection.execute(select(contacts.c.kind))]
        stored_events = len(connection.execute(select(events.c.id)).all())
    assert (counts.contacts, counts.events) == (500, stored_events)
    assert len(kinds) == 500
    assert 5 <= kinds.count("lead") <= 50  # about 5 %
    assert 5 * 500 <= stored_events <= 20 * 500


def test_sample_segments_and_journeys_are_loaded(demo: Workspace) -> None:
    expected_journeys = [read_journey(path) for path in SAMPLES.glob("*.journey.json")]
    with demo.reader() as connection:
        stored = dict(connection.execute(select(segments.c.name, segments.c.document)).all())
        rows = connection.execute(select(journeys.c.id, journeys.c.name, journeys.c.status)).all()
        drafts = {journey.id: load_draft(connection, journey.id) for journey in expected_journeys}
    assert stored == {name: doc.to_json() for name, doc in read_segments(SAMPLES).items()}
    assert sorted(rows) == sorted((j.id, j.name, "draft") for j in expected_journeys)
    assert drafts == {journey.id: journey for journey in expected_journeys}


def test_custom_attributes_are_in_the_catalogue_with_their_types(demo: Workspace) -> None:
    with demo.reader() as connection:
        catalogue = dict(connection.execute(select(attribute_catalogue)).all())
        attributes = connection.execute(select(contacts.c.attributes)).scalars().all()
    assert catalogue == DEMO_ATTRIBUTES
    assert catalogue == {
        "lifetime_value": "decimal",
        "order_count": "integer",
        "is_employee": "boolean",
        "loyalty_tier": "text",
        "renewal_date": "datetime",
    }
    python_types = {"decimal": float, "integer": int, "boolean": bool, "text": str, "datetime": str}
    for values in attributes:
        assert set(values) <= set(catalogue)
        for key, value in values.items():
            assert type(value) is python_types[catalogue[key]], (key, value)
        if "renewal_date" in values:
            assert re.fullmatch(r"\d{4}-\d\d-\d\dT09:00:00Z", values["renewal_date"])
            assert datetime.fromisoformat(values["renewal_date"]) > NOW


def test_events_lie_in_the_180_days_before_now_and_after_their_contact(demo: Workspace) -> None:
    with demo.reader() as connection:
        rows = connection.execute(
            select(events.c.occurred_at, contacts.c.created_at, events.c.type).join(contacts)
        ).all()
    assert rows
    assert all(NOW - timedelta(days=180) <= at <= NOW for at, _, _ in rows)
    assert all(at >= created for at, created, _ in rows)
    assert {kind for _, _, kind in rows} >= {
        "purchase",
        "web_visit",
        "email_delivered",
        "email_opened",
        "email_clicked",
    }


def test_contacts_look_real_and_agree_with_themselves(demo: Workspace) -> None:
    places = {
        (country.code, city.region, city.name, city.timezone)
        for country in COUNTRIES
        for city in country.cities
    }
    with demo.reader() as connection:
        people = connection.execute(select(contacts)).all()
    emails = [person.email for person in people]
    assert len(set(emails)) == len(emails)
    for person in people:
        assert re.fullmatch(r"[a-z0-9._-]+@[a-z0-9.-]+\.example", person.email), person.email
        assert person.phone is None or re.fullmatch(r"\+[1-9]\d{7,14}", person.phone)
        assert (person.country, person.region, person.city, person.timezone) in places
        ZoneInfo(person.timezone)
        assert NOW - timedelta(days=731) <= person.created_at <= person.updated_at <= NOW
        if person.kind == "lead":
            assert person.owner and person.company and person.external_id is None
    with_phone = [person for person in people if person.phone]
    assert all(person.sms_opt_in is None for person in people if not person.phone)
    assert 0.5 < len(with_phone) / len(people) < 0.95


def test_every_sample_segment_has_a_realistic_membership(demo: Workspace) -> None:
    """The sample segments, evaluated by hand in Python over the stored rows."""
    with demo.reader() as connection:
        people = connection.execute(select(contacts)).all()
        purchases: dict[int, list[tuple[datetime, float]]] = {}
        query = select(events.c.contact_id, events.c.occurred_at, events.c.properties)
        for contact_id, at, properties in connection.execute(
            query.where(events.c.type == "purchase")
        ):
            purchases.setdefault(contact_id, []).append((at, properties["amount"]))

    def lapsed(person: Row[Any]) -> bool:
        bought = purchases.get(person.id, [])
        return bool(bought) and all(at < NOW - timedelta(days=60) for at, _ in bought)

    def high_value(person: Row[Any]) -> bool:
        recent = [
            amount
            for at, amount in purchases.get(person.id, [])
            if at >= NOW - timedelta(days=90) and amount >= 100
        ]
        return person.attributes.get("lifetime_value", 0) >= 1000 or len(recent) >= 3

    members = {
        "No purchase in 60 days": [p for p in people if p.kind == "contact" and lapsed(p)],
        "New subscribers": [
            p
            for p in people
            if p.kind == "contact"
            and p.email_opt_in is True
            and p.created_at >= NOW - timedelta(days=30)
        ],
        "Employees": [
            p
            for p in people
            if p.attributes.get("is_employee") is True or p.email.endswith("@contoso.example")
        ],
        "High value customers": [p for p in people if high_value(p)],
    }
    share = {name: len(found) / len(people) for name, found in members.items()}
    assert 0.10 < share["No purchase in 60 days"] < 0.45, share
    assert 0.01 < share["New subscribers"] < 0.10, share
    assert 0.001 < share["Employees"] < 0.02, share
    assert 0.01 < share["High value customers"] < 0.10, share
    valuable = [p for p in people if p.attributes.get("lifetime_value", 0) >= 1000]
    assert all(p.owner for p in valuable if not p.attributes.get("is_employee"))
