"""The contacts browser's queries on a real demo workspace: pages, sorts, search and a contact's
detail after the re-engagement journey ran over it."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import insert, select, text
from sqlalchemy.dialects import sqlite

from app.services.contacts import (
    _SORT_COLUMNS,
    COLUMNS,
    ContactNotFound,
    ContactQuery,
    ContactRow,
    contact_detail,
    contact_page,
    count_contacts,
)
from app.services.documents import read_journey
from app.services.journeys import publish
from app.services.runtime import EngineRunner
from app.services.workspace import create_workspace
from app.store.schema import contacts, enrollments, events
from app.store.workspace import Workspace, open_workspace

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
SAMPLES = Path(__file__).parents[2] / "resources" / "samples"


@pytest.fixture(scope="module")
def demo_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 300-contact demo workspace after six simulated days of the re-engagement journey."""
    path = tmp_path_factory.mktemp("contacts") / "demo.db"
    create_workspace(str(path), demo=True, contacts=300, seed=11, now=NOW)
    with open_workspace(str(path)) as workspace:
        journey = read_journey(SAMPLES / "re-engagement.journey.json")
        assert publish(workspace, journey, NOW).published
        runner = EngineRunner.for_workspace(workspace)
        for _report in runner.simulate(NOW, NOW + timedelta(days=6), timedelta(hours=12)):
            pass
        runner.release()
        with workspace.writer() as connection:  # people known only by an id: empty sort keys
            connection.execute(
                insert(contacts),
                [
                    {"external_id": f"CRM-{n}", "kind": "lead", "created_at": NOW}
                    | {"updated_at": NOW, "attributes": {}}
                    for n in (1, 2)
                ],
            )
    return path


@pytest.fixture
def demo(demo_file: Path, tmp_path: Path) -> Iterator[Workspace]:
    copy = tmp_path / "demo.db"
    copy.write_bytes(demo_file.read_bytes())
    with open_workspace(str(copy)) as workspace:
        yield workspace


def all_rows(
    workspace: Workspace, query: ContactQuery, page: int, keyset: bool, total: int | None = None
) -> list[int]:
    """Every contact id of ``query``, read a page at a time (by keyset, or by offset: from the
    nearer end when ``total`` is given)."""
    ids: list[int] = []
    last: ContactRow | None = None
    while True:
        after = last.sort_key if keyset and last is not None else None
        rows = contact_page(workspace, query, len(ids), page, after=after, total=total)
        ids.extend(row.id for row in rows)
        assert len(ids) <= 1_000, "pages repeat rows (they would never end)"
        if len(rows) < page:
            return ids
        last = rows[-1]


def python_order(workspace: Workspace, query: ContactQuery) -> list[int]:
    """The same order computed in Python over every row (the reference)."""
    with workspace.reader() as connection:
        rows = connection.execute(select(contacts)).all()

    def key(row: object) -> tuple[object, ...]:
        if query.sort is None:
            return ()
        if query.sort == "name":
            return (row.last_name or "", row.first_name or "")  # type: ignore[attr-defined]
        value = getattr(row, query.sort)
        return (value if value is not None else "",)

    ordered = sorted(rows, key=lambda row: (*key(row), row.id), reverse=query.descending)
    return [row.id for row in ordered]


@pytest.mark.parametrize("sort", [None, *(column.key for column in COLUMNS)])
@pytest.mark.parametrize("descending", [False, True])
def test_pages_read_by_keyset_or_offset_cover_every_contact_once_in_the_sort_order(
    demo: Workspace, sort: str | None, descending: bool
) -> None:
    query = ContactQuery(sort=sort, descending=descending and sort is not None)  # type: ignore[arg-type]
    expected = python_order(demo, query)
    assert count_contacts(demo, query) == len(expected) == 302
    assert all_rows(demo, query, 37, keyset=True) == expected
    assert all_rows(demo, query, 37, keyset=False) == expected
    assert all_rows(demo, query, 37, keyset=False, total=302) == expected


@pytest.mark.parametrize("sort", [None, "name", "company", "email"])
@pytest.mark.parametrize("descending", [False, True])
def test_a_page_in_a_wide_sort_is_read_off_an_index_not_sorted(
    demo: Workspace, sort: str | None, descending: bool
) -> None:
    """On a million contacts, sorting every row for a page took 0.1-0.8 s (bench/contacts_ui.py)."""
    keys = [*_SORT_COLUMNS[sort], contacts.c.id]  # type: ignore[index]
    statement = (
        select(contacts.c.id)
        .order_by(*(key.desc() if descending else key for key in keys))
        .limit(200)
        .offset(100)
    )
    compiled = statement.compile(dialect=sqlite.dialect(), compile_kwargs={"literal_binds": True})
    with demo.reader() as connection:
        plan = " ".join(
            row[-1] for row in connection.execute(text(f"EXPLAIN QUERY PLAN {compiled}"))
        )
    assert "TEMP B-TREE" not in plan, plan


def test_a_deep_page_by_keyset_equals_the_same_page_by_offset(demo: Workspace) -> None:
    query = ContactQuery(sort="company")
    above = contact_page(demo, query, 200, 50)
    by_offset = contact_page(demo, query, 250, 50)
    by_keyset = contact_page(demo, query, 250, 50, after=above[-1].sort_key)
    assert [row.id for row in by_keyset] == [row.id for row in by_offset]
    assert len(by_offset) == 50


def test_search_matches_every_word_in_name_email_or_company_ignoring_case(
    demo: Workspace,
) -> None:
    with demo.reader() as connection:
        everyone = connection.execute(select(contacts)).all()
    someone = next(row for row in everyone if row.company and row.last_name)
    words = f"{someone.last_name[:3].upper()} {someone.company.split()[0].lower()}"
    wanted = {
        row.id
        for row in everyone
        if all(
            any(
                word.lower() in (value or "").lower()
                for value in (row.first_name, row.last_name, row.email, row.company)
            )
            for word in words.split()
        )
    }
    query = ContactQuery(search=words, sort="email")
    assert someone.id in wanted
    assert count_contacts(demo, query) == len(wanted)
    assert set(all_rows(demo, query, 10, keyset=True)) == wanted


def test_search_wildcards_are_literal(demo: Workspace) -> None:
    with demo.writer() as connection:
        connection.execute(
            insert(contacts).values(
                email="percent%sign@example.com",
                first_name="Per_Cent",
                kind="contact",
                created_at=NOW,
                updated_at=NOW,
                attributes={},
            )
        )
    assert count_contacts(demo, ContactQuery(search="t%s")) == 1
    assert count_contacts(demo, ContactQuery(search="r_c")) == 1
    assert count_contacts(demo, ContactQuery(search="%")) == 1


def test_search_ignores_the_case_of_letters_beyond_ascii(demo: Workspace) -> None:
    with demo.writer() as connection:
        connection.execute(
            insert(contacts),
            [
                {"email": f"{n}@example.com", "last_name": name, "kind": "contact"}
                | {"created_at": NOW, "updated_at": NOW, "attributes": {}}
                for n, name in enumerate(["Åkesson", "ÖZDEMIR-Test", "Ærøskøbing"])
            ],
        )
    assert count_contacts(demo, ContactQuery(search="åkesson")) == 1
    assert count_contacts(demo, ContactQuery(search="ÅKESSON")) == 1
    assert count_contacts(demo, ContactQuery(search="özdemi")) == 1
    assert count_contacts(demo, ContactQuery(search="æRØSKØBING")) == 1
    assert count_contacts(demo, ContactQuery(search="ærøskøbing")) == 1


def test_detail_has_fields_typed_attributes_consent_events_newest_first_and_journeys(
    demo: Workspace,
) -> None:
    with demo.reader() as connection:
        enrolled = connection.execute(
            select(enrollments.c.contact_id).order_by(enrollments.c.id).limit(1)
        ).scalar_one()
        event_count = len(
            connection.execute(select(events.c.id).where(events.c.contact_id == enrolled)).all()
        )
        row = connection.execute(select(contacts).where(contacts.c.id == enrolled)).one()
    detail = contact_detail(demo, enrolled)
    assert detail.fields["email"] == row.email
    assert detail.consent == {
        "email": row.email_opt_in,
        "sms": row.sms_opt_in,
        "push": row.push_opt_in,
    }
    assert {attribute.key: attribute.value for attribute in detail.attributes} == row.attributes
    assert {attribute.key: attribute.type for attribute in detail.attributes}.get(
        "order_count"
    ) == "integer"
    assert detail.events_total == event_count
    times = [event.occurred_at for event in detail.events]
    assert times == sorted(times, reverse=True)
    [run] = detail.journeys
    assert run.journey == "Re-engagement"
    assert run.journey_status == "live"
    assert run.node_title  # the node's title from the published version, not only its id
    assert (run.status == "ended") == (run.end_reason is not None)
    assert any(message.node_id == "reminder" for message in detail.messages)
    assert {message.journey for message in detail.messages} == {"Re-engagement"}


def test_a_missing_contact_is_not_found(demo: Workspace) -> None:
    with pytest.raises(ContactNotFound, match="no contact with id 999999"):
        contact_detail(demo, 999_999)
