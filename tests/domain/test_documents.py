"""Journey and segment documents: strict loading, error locations, versions, round trips."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.domain import loading
from app.domain.durations import DurationError, format_duration, parse_duration
from app.domain.journey import JourneyDocument
from app.domain.loading import DocumentError, load_journey, load_segment
from app.domain.registry import REGISTRY, palette
from app.domain.validation import Finding, validate_journey
from tests.domain.strategies import conditions, journeys

FIXTURES = Path(__file__).parent / "fixtures"


def problems(text: str) -> list[str]:
    with pytest.raises(DocumentError) as caught:
        load_journey(text, "x.journey.json")
    return [str(problem) for problem in caught.value.problems]


def journey_text(**changes: object) -> str:
    data: dict[str, object] = {
        "schema_version": 1,
        "id": "j",
        "name": "J",
        "nodes": [{"id": "start", "kind": "start"}],
        "edges": [],
    }
    data.update(changes)
    return json.dumps(data, ensure_ascii=False)


# -- durations ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        *[("90s", 90), ("30m", 1800), ("12h", 43200), ("5d", 432000), ("2w", 1209600)],
        *[("P5D", 432000), ("PT12H", 43200), ("P1DT6H30M", 109800), ("p2w", 1209600)],
    ],
)
def test_durations_parse(text: str, seconds: int) -> None:
    assert parse_duration(text) == timedelta(seconds=seconds)


@pytest.mark.parametrize("text", ["5", "5 days", "1M", "P1M", "P1Y", "P", "PT", "-", "5x", ""])
def test_durations_refused(text: str) -> None:
    with pytest.raises(DurationError):
        parse_duration(text)


def test_only_signed_durations_may_be_negative() -> None:
    assert parse_duration("-1d", signed=True) == timedelta(days=-1)
    with pytest.raises(DurationError, match="negative"):
        parse_duration("-1d")


@given(st.integers(-(10**9), 3 * 10**9))
def test_duration_text_round_trips(seconds: int) -> None:
    value = timedelta(seconds=seconds)
    assert parse_duration(format_duration(value), signed=True) == value


# -- strict loading -------------------------------------------------------------------------


def test_wrong_type_in_a_config_names_the_json_path() -> None:
    nodes = [
        {"id": "start", "kind": "start"},
        {"id": "a", "kind": "wait", "config": {"mode": "duration", "duration": "5d"}},
        {"id": "b", "kind": "exit"},
        {"id": "n1", "kind": "send_email", "config": {"subject": 42}},
    ]
    assert problems(journey_text(nodes=nodes)) == [
        "nodes[3].config.subject: Input should be a valid string"
    ]


def test_unknown_fields_are_refused_everywhere() -> None:
    nodes = [{"id": "start", "kind": "start", "colour": "red"}]
    found = problems(journey_text(nodes=nodes, settings={"entry": "x"}, extra=1))
    assert sorted(found) == [
        "extra: is not a field this product knows (check the spelling)",
        "nodes[0].colour: is not a field this product knows (check the spelling)",
        "settings.entry: is not a field this product knows (check the spelling)",
    ]


def test_errors_inside_conditions_follow_the_file_not_the_model() -> None:
    condition = {"all": [{"not": {"attribute": {"field": "colour", "op": "eq", "value": 1}}}]}
    nodes = [{"id": "b", "kind": "branch", "config": {"condition": condition}}]
    [found] = problems(journey_text(nodes=nodes))
    assert found.startswith("nodes[0].config.condition.all[0].not.attribute: 'colour' is not")


def test_malformed_duration_is_refused_with_its_path() -> None:
    nodes = [{"id": "w", "kind": "wait", "config": {"mode": "duration", "duration": "5 days"}}]
    [found] = problems(journey_text(nodes=nodes))
    assert found.startswith("nodes[0].config.duration: '5 days' is not a duration")


def test_an_incomplete_draft_loads_and_keeps_its_config() -> None:
    nodes = [
        {"id": "w", "kind": "wait", "config": {}},
        {"id": "e", "kind": "send_email", "config": {"subject": "Hi"}},
        {"id": "ab", "kind": "ab_test", "config": {"variants": [{"name": "A", "weight": 60}]}},
    ]
    document = load_journey(journey_text(nodes=nodes))
    assert [node.config for node in document.nodes] == [node["config"] for node in nodes]


def test_truncated_file_says_where() -> None:
    text = journey_text()[:40]
    [found] = problems(text)
    assert found.startswith("line 1, column 41: the file ends too early")


def test_syntax_error_gives_line_and_column() -> None:
    text = '{\n  "schema_version": 1,\n  "name": "J"\n  "nodes": []\n}'
    assert problems(text) == ["line 4, column 3: Expecting ',' delimiter"]


def test_not_an_object() -> None:
    assert problems("[1, 2]") == ["the file must hold one JSON object { … }"]


def test_newer_schema_version_is_refused() -> None:
    [found] = problems(journey_text(schema_version=2))
    assert "newer Journey Studio" in found and "reads up to 1" in found


def test_schema_version_must_be_a_number() -> None:
    assert problems(journey_text(schema_version="1")) == [
        "schema_version: must be a whole number such as 1"
    ]


def test_older_versions_are_migrated_step_by_step(monkeypatch: pytest.MonkeyPatch) -> None:
    """The hook: pure vN → vN+1 functions run in order until the current version."""
    calls: list[int] = []

    def v1_to_v2(data: dict[str, object]) -> dict[str, object]:
        calls.append(1)
        return {**data, "name": f"{data['name']} (migrated)"}

    migrated = loading.migrate_document(
        {"schema_version": 1, "name": "Old"}, "journey", 2, {1: v1_to_v2}, "old.json"
    )
    assert migrated == {"schema_version": 2, "name": "Old (migrated)"}
    assert calls == [1]


def test_utf8_with_bom_loads_and_other_encodings_are_refused() -> None:
    text = journey_text(name="Rückkehr")
    assert load_journey(b"\xef\xbb\xbf" + text.encode()).name == "Rückkehr"
    with pytest.raises(DocumentError, match="not UTF-8"):
        load_journey(text.encode("latin-1"))


def test_version_1_fixture_loads() -> None:
    document = load_journey((FIXTURES / "journey_v1.journey.json").read_bytes())
    assert document.name == "Fixture v1"
    assert [node.kind for node in document.nodes] == [
        "start",
        "send_email",
        "wait",
        "branch",
        "split",
        "ab_test",
        "create_task",
        "send_sms",
        "send_push",
        "wait",
        "wait",
        "wait",
        "exit",
    ]
    assert document.settings.frequency_cap is not None
    assert document.settings.frequency_cap.per == timedelta(days=7)


def test_segment_loading_names_paths() -> None:
    text = json.dumps(
        {"name": "S", "definition": {"any": [{"behavior": {"event": "x", "count": {"x": 1}}}]}}
    )
    with pytest.raises(DocumentError) as caught:
        load_segment(text)
    [problem] = caught.value.problems
    assert problem.path == "definition.any[0].behavior.count"


def test_segment_window_is_within_or_between_not_both() -> None:
    behavior = {
        "event": "purchase",
        "within": "60d",
        "between": ["2026-01-01T00:00:00Z", "2026-02-01T00:00:00Z"],
    }
    text = json.dumps({"name": "S", "definition": {"behavior": behavior}})
    with pytest.raises(DocumentError, match="either 'within' or 'between'"):
        load_segment(text)


# -- round trips ----------------------------------------------------------------------------


@settings(max_examples=150)
@given(journeys())
def test_saving_and_loading_keeps_every_field(document: JourneyDocument) -> None:
    text = document.to_json()
    again = load_journey(text)
    assert again == document
    assert again.to_json() == text
    assert [node.position for node in again.nodes] == [node.position for node in document.nodes]


@given(conditions)
def test_segment_definitions_round_trip(definition: dict[str, object]) -> None:
    segment = load_segment(json.dumps({"name": "S", "definition": definition}))
    assert load_segment(segment.model_dump_json()) == segment


def test_fixture_round_trips_to_the_same_text() -> None:
    text = (FIXTURES / "journey_v1.journey.json").read_text()
    assert load_journey(text).to_json() == text


# -- the validator on arbitrary graphs ----------------------------------------------------


@settings(max_examples=300)
@given(journeys(arbitrary_edges=True), st.none() | st.sets(st.sampled_from(["S", "T", "x"])))
def test_the_validator_never_raises(document: JourneyDocument, segments: set[str] | None) -> None:
    findings = validate_journey(document, known_segments=segments)
    assert all(isinstance(finding, Finding) for finding in findings)
    assert all(finding.message and finding.code for finding in findings)
    assert all(
        finding.node == "settings" or document.node(finding.node) or finding.code.startswith("edge")
        for finding in findings
    )


# -- registry -------------------------------------------------------------------------------


def test_registry_describes_every_kind_for_the_palette() -> None:
    assert [spec.key for spec in palette("action")] == [
        "send_email",
        "send_sms",
        "send_push",
        "create_task",
    ]
    assert [spec.key for spec in palette("flow")] == ["wait", "branch", "split", "ab_test", "exit"]
    assert all(spec.icon and spec.title and spec.description for spec in REGISTRY.values())


def test_ports_follow_the_config_even_in_a_draft() -> None:
    spec = REGISTRY["split"]
    assert spec.ports({"cases": [{"name": "DE"}, {"name": "AT"}]}) == ("DE", "AT", "otherwise")
    assert spec.ports({"cases": "junk"}) == ("otherwise",)
    assert REGISTRY["ab_test"].ports({"variants": [{"name": "A"}, {"weight": 5}]}) == ("A",)
    assert REGISTRY["branch"].ports(None) == ("yes", "no")
    assert REGISTRY["exit"].ports({}) == ()
