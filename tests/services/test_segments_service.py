"""Segment use-cases the segments page relies on: unsaved definitions counted as saved ones are,
what the builder offers, rename/duplicate names, usage, and the overlap of running journeys."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from app.domain.segment import SegmentDocument
from app.services import segments as service
from app.services.documents import read_journey, read_segment
from app.services.journeys import publish
from app.services.workspace import create_workspace
from app.store import segments as store_segments
from app.store.schema import contacts, events, segments
from app.store.segment_sql import SegmentCycleError, cheap_tests_first
from app.store.segments import SegmentInUse, segment_compiler
from app.store.workspace import Workspace, open_workspace

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
SAMPLES = Path(__file__).resolve().parents[2] / "resources" / "samples"


@pytest.fixture(scope="module")
def demo_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("demo") / "demo.db"
    create_workspace(str(path), demo=True, contacts=300, seed=3, now=NOW)
    return path


@pytest.fixture
def demo(demo_file: Path, tmp_path: Path) -> Iterator[Workspace]:
    copy = tmp_path / "demo.db"
    copy.write_bytes(demo_file.read_bytes())
    opened = open_workspace(str(copy))
    try:
        yield opened
    finally:
        opened.close()


def lapsed_in(countries: list[str]) -> SegmentDocument:
    document = read_segment(SAMPLES / "no-purchase-60-days.segment.json")
    data = document.model_dump(mode="json", by_alias=True)
    data["name"] = "Lapsed DACH"
    country = {"attribute": {"field": "country", "op": "in", "value": countries}}
    data["definition"]["all"].append(country)
    return SegmentDocument.model_validate(data)


def test_an_unsaved_definition_counts_as_the_saved_segment_does(demo: Workspace) -> None:
    document = lapsed_in(["DE", "AT"])
    unsaved = service.count_document(demo, document, NOW)
    service.save_segment(demo, document, NOW)
    assert unsaved == service.count_members(demo, "Lapsed DACH", NOW)
    wider = service.count_document(demo, lapsed_in(["DE", "AT", "FR", "US", "GB"]), NOW)
    assert 0 < unsaved < wider


def test_the_sample_is_members_with_their_name_email_and_country(demo: Workspace) -> None:
    document = lapsed_in(["DE", "AT"])
    sample = service.sample_members(demo, document, NOW, limit=5)
    emails = set(service.member_emails(demo, "No purchase in 60 days", NOW))
    assert len(sample) == 5
    assert all(row.country in ("DE", "AT") and row.email in emails for row in sample)
    assert [row.id for row in sample] == sorted(row.id for row in sample)


def test_a_draft_that_would_close_a_cycle_is_refused_as_saving_it_would_be(
    demo: Workspace,
) -> None:
    employees = read_segment(SAMPLES / "employees.segment.json")
    data = employees.model_dump(mode="json", by_alias=True)
    data["definition"]["any"].append({"segment": "Uses employees"})
    looped = SegmentDocument.model_validate(data)
    user = SegmentDocument.model_validate(
        {"name": "Uses employees", "definition": {"segment": "Employees"}}
    )
    service.save_segment(demo, user, NOW)
    with pytest.raises(SegmentCycleError):
        service.count_document(demo, looped, NOW)


def test_the_builder_is_offered_the_event_types_and_values_present(demo: Workspace) -> None:
    choices = service.builder_choices(demo)
    with demo.reader() as connection:
        types = sorted(set(connection.scalars(select(events.c.type))))
        countries = sorted({c for c in connection.scalars(select(contacts.c.country)) if c})
    assert choices.event_types == types
    assert "purchase" in types
    assert choices.attributes["lifetime_value"] == "decimal"
    assert service.present_values(demo, "country") == countries
    assert service.present_values(demo, "country", limit=2) == countries[:2]
    assert service.present_values(demo, "email_opt_in") == []


def test_copy_names_are_free(demo: Workspace) -> None:
    assert service.free_copy_name(demo, "Employees") == "Employees (copy)"
    copy = read_segment(SAMPLES / "employees.segment.json").model_copy(
        update={"name": "Employees (copy)"}
    )
    service.save_segment(demo, copy, NOW)
    assert service.free_copy_name(demo, "Employees") == "Employees (copy 2)"


def test_rename_keeps_one_segment_and_is_refused_while_others_name_it(demo: Workspace) -> None:
    document = lapsed_in(["DE"])
    service.save_segment(demo, document, NOW)
    renamed = document.model_copy(update={"name": "Lapsed Germany"})
    service.rename_segment(demo, "Lapsed DACH", renamed, NOW)
    names = [row.name for row in service.segment_overview(demo)]
    assert "Lapsed Germany" in names and "Lapsed DACH" not in names
    user = SegmentDocument.model_validate(
        {"name": "Staff list", "definition": {"segment": "Employees"}}
    )
    service.save_segment(demo, user, NOW)
    staff = read_segment(SAMPLES / "employees.segment.json").model_copy(update={"name": "Staff"})
    with pytest.raises(SegmentInUse, match="other segments use it: “Staff list”"):
        service.rename_segment(demo, "Employees", staff, NOW)
    with pytest.raises(service.REFUSALS, match="already named “No purchase in 60 days”"):
        service.rename_segment(
            demo,
            "Lapsed Germany",
            renamed.model_copy(update={"name": "No purchase in 60 days"}),
            NOW,
        )


def go_live(workspace: Workspace, name: str) -> None:
    result = publish(workspace, read_journey(SAMPLES / f"{name}.journey.json"), NOW)
    assert result.published, result.findings


def test_overview_names_the_running_journeys_and_marks_their_segments_read_only(
    demo: Workspace,
) -> None:
    go_live(demo, "re-engagement")
    rows = {row.name: row for row in service.segment_overview(demo)}
    assert rows["No purchase in 60 days"].journeys == ["Re-engagement"]
    assert rows["No purchase in 60 days"].read_only
    assert rows["No purchase in 60 days"].refreshed_at == NOW
    assert not rows["New subscribers"].read_only


def test_overlap_counts_contacts_in_both_entry_segments(demo: Workspace) -> None:
    go_live(demo, "re-engagement")
    go_live(demo, "high-value-follow-up")
    overlap = service.journey_overlap(demo, NOW)
    lapsed, high = "No purchase in 60 days", "High value customers"
    assert overlap.segments == [high, lapsed]
    assert overlap.journeys == {high: ["High-value follow-up"], lapsed: ["Re-engagement"]}
    both = set(service.member_emails(demo, lapsed, NOW)) & set(
        service.member_emails(demo, high, NOW)
    )
    assert overlap.counts[lapsed, high] == overlap.counts[high, lapsed] == len(both) > 0
    assert overlap.counts[lapsed, lapsed] == service.count_members(demo, lapsed, NOW)
    assert overlap.materialised == {lapsed, high}


def test_overlap_evaluates_segments_never_refreshed(demo: Workspace) -> None:
    go_live(demo, "re-engagement")
    with demo.writer() as connection:
        connection.execute(segments.update().values(refreshed_at=None))
    overlap = service.journey_overlap(demo, NOW)
    lapsed = "No purchase in 60 days"
    assert overlap.materialised == set()
    assert overlap.counts[lapsed, lapsed] == service.count_members(demo, lapsed, NOW)


def test_no_running_journeys_no_overlap(demo: Workspace) -> None:
    overlap = service.journey_overlap(demo, NOW)
    assert overlap.segments == [] and overlap.counts == {}


def test_a_new_segment_may_not_take_a_name_in_use(demo: Workspace) -> None:
    employees = read_segment(SAMPLES / "employees.segment.json")
    with pytest.raises(service.REFUSALS, match="already named “Employees”"):
        service.save_edited(demo, employees, None, NOW)
    changed = employees.model_copy(update={"description": "Staff"})
    assert service.save_edited(demo, changed, "Employees", NOW).outcome == "updated"


def test_cheap_tests_first_keeps_the_meaning_and_puts_column_tests_first(demo: Workspace) -> None:
    definition = {
        "any": [
            {"behavior": {"event": "purchase", "count": {"at_least": 2}, "within": "90d"}},
            {
                "all": [
                    {"not": {"behavior": {"event": "email_opened", "within": "30d"}}},
                    {"attribute": {"field": "attributes.lifetime_value", "op": "gte", "value": 50}},
                    {"attribute": {"field": "country", "op": "in", "value": ["DE", "FR"]}},
                ]
            },
            {"attribute": {"field": "email_opt_in", "op": "eq", "value": True}},
        ]
    }
    document = SegmentDocument.model_validate({"name": "Mixed", "definition": definition})
    ordered = cheap_tests_first(document.definition).model_dump(mode="json", by_alias=True)
    assert [next(iter(child)) for child in ordered["any"]] == ["attribute", "all", "behavior"]
    inner = [child.get("attribute", {}).get("field") for child in ordered["any"][1]["all"]]
    assert inner == ["country", "attributes.lifetime_value", None]
    with demo.reader() as connection:
        compiled = connection.scalar(segment_compiler(connection, NOW).count(document))
    assert service.count_document(demo, document, NOW) == compiled > 0


def lapsed_with(*extra: dict[str, object]) -> SegmentDocument:
    data = lapsed_in(["DE"]).model_dump(mode="json", by_alias=True)
    data["definition"]["all"] = data["definition"]["all"][:2] + list(extra)
    return SegmentDocument.model_validate(data)


def country(*codes: str) -> dict[str, object]:
    return {"attribute": {"field": "country", "op": "in", "value": list(codes)}}


def test_the_live_counter_counts_every_edit_exactly_and_builds_on_earlier_counts(
    demo: Workspace,
) -> None:
    counter = service.LiveCounter(demo)
    edits = [
        lapsed_with(country("DE")),  # evaluated in full
        lapsed_with(country("DE", "AT")),  # one condition changed: the rest is kept
        lapsed_with(country("DE", "AT", "FR")),  # the kept rest answers
        lapsed_with(
            country("DE", "AT", "FR"),
            {"attribute": {"field": "email_opt_in", "op": "eq", "value": True}},
        ),
        lapsed_with(country("DE")),
        lapsed_with(),
        lapsed_with(country("FR")).model_copy(update={"audience": "any"}),
        lapsed_with(country("FR"), {"attribute": {"field": "city", "op": "is_not_empty"}}),
        SegmentDocument.model_validate(
            {"name": "x", "definition": {"all": [country("DE"), country("DE", "FR")]}}
        ),
        SegmentDocument.model_validate({"name": "x", "definition": {"all": [country("AT")]}}),
    ]
    try:
        counts = [counter.count(document, NOW) for document in edits]
    finally:
        counter.close()
    assert counts == [service.count_document(demo, document, NOW) for document in edits]
    assert counts[0] < counts[1] < counts[2] and counts[3] < counts[2] < counts[5]
    assert counter.reused >= 5


def test_after_completing_a_count_column_edits_are_answered_from_memory(
    demo: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    counter = service.LiveCounter(demo)
    try:
        counter.count(lapsed_with(country("DE")), NOW)
        counter.complete(lapsed_with(country("DE")), NOW)
        tested: list[int] = []
        members_among = store_segments.members_among

        def spy(*args: Any) -> list[int]:
            tested.append(len(args[3]))
            return members_among(*args)

        monkeypatch.setattr(store_segments, "members_among", spy)
        for codes in (["DE", "AT"], ["FR"], ["DE", "AT", "FR", "NL"]):
            document = lapsed_with(country(*codes))
            assert counter.count(document, NOW) == service.count_document(demo, document, NOW)
    finally:
        counter.close()
    assert tested == []  # no contact had to be tested again


def test_the_live_counter_sees_data_written_after_it_counted(demo: Workspace) -> None:
    counter = service.LiveCounter(demo)
    document = lapsed_with(country("DE"))
    try:
        before = counter.count(document, NOW)
        assert counter.count(document, NOW) == before and counter.reused == 1
        moving = service.sample_members(demo, lapsed_with(country("FR")), NOW, limit=3)
        with demo.writer() as connection:
            ids = [member.id for member in moving]
            connection.execute(contacts.update().where(contacts.c.id.in_(ids)).values(country="DE"))
        after = counter.count(document, NOW)
    finally:
        counter.close()
    assert len(moving) == 3
    assert after == before + 3 == service.count_document(demo, document, NOW)
    assert counter.reused == 1  # the write made it forget what it had found


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_live_counter_agrees_with_the_compiled_count_over_random_edits(
    demo: Workspace, seed: int
) -> None:
    chooser = random.Random(seed)
    countries = service.present_values(demo, "country")
    windows = ["30d", "60d", "90d"]
    state: dict[str, Any] = {
        "countries": ["DE"],
        "window": "60d",
        "consent": False,
        "audience": "contact",
    }
    counter = service.LiveCounter(demo)
    try:
        for _ in range(25):
            move = chooser.choice(
                ["countries", "countries", "countries", "window", "consent", "audience"]
            )
            if move == "countries":
                state["countries"] = chooser.sample(countries, chooser.randint(0, 4))
            elif move == "window":
                state["window"] = chooser.choice(windows)
            elif move == "consent":
                state["consent"] = not state["consent"]
            else:
                state["audience"] = chooser.choice(["contact", "lead", "any"])
            parts: list[dict[str, Any]] = [
                {"behavior": {"event": "purchase", "count": {"at_least": 1}}},
                {
                    "behavior": {
                        "event": "purchase",
                        "count": {"none": True},
                        "within": state["window"],
                    }
                },
            ]
            if state["countries"]:
                parts.append(country(*state["countries"]))
            if state["consent"]:
                parts.append({"attribute": {"field": "email_opt_in", "op": "eq", "value": True}})
            document = SegmentDocument.model_validate(
                {"name": "x", "audience": state["audience"], "definition": {"all": parts}}
            )
            assert counter.count(document, NOW) == service.count_document(demo, document, NOW), (
                state
            )
    finally:
        counter.close()
    assert counter.reused > 5
