"""The sample journeys and segments in resources/samples: they load, they are saved in the
canonical form (load + save gives the same text), and what they refer to exists."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.domain.conditions import referenced_segments
from app.domain.journey import JourneyDocument
from app.domain.loading import load_journey, load_segment
from app.domain.node_configs import BranchConfig, SplitConfig
from app.domain.segment import SegmentDocument
from app.domain.validation import validate_journey

SAMPLES = Path(__file__).resolve().parents[2] / "resources" / "samples"
JOURNEYS = sorted(SAMPLES.glob("*.journey.json"))
SEGMENTS = sorted(SAMPLES.glob("*.segment.json"))


def _name(path: Path) -> str:
    return path.name


def _segments() -> dict[str, SegmentDocument]:
    documents = [load_segment(path.read_bytes(), path.name) for path in SEGMENTS]
    by_name = {document.name: document for document in documents}
    assert len(by_name) == len(documents), "two sample segments share a name"
    return by_name


def _segment_text(document: SegmentDocument) -> str:
    return document.model_dump_json(indent=2) + "\n"


def _referenced_segments(document: JourneyDocument) -> list[str]:
    settings = document.settings
    names = [settings.entry_segment or "", *settings.exclusion_segments]
    for node in document.nodes:
        if node.kind not in ("branch", "split"):
            continue
        config = node.typed_config()
        if isinstance(config, BranchConfig):
            names += referenced_segments(config.condition)
        elif isinstance(config, SplitConfig):
            for case in config.cases:
                names += referenced_segments(case.condition)
    return names


def test_the_three_sample_journeys_and_their_segments_are_there() -> None:
    assert [path.name for path in JOURNEYS] == [
        "high-value-follow-up.journey.json",
        "re-engagement.journey.json",
        "welcome-series.journey.json",
    ]
    assert sorted(_segments()) == [
        "Employees",
        "High value customers",
        "New subscribers",
        "No purchase in 60 days",
    ]


@pytest.mark.parametrize("path", JOURNEYS, ids=_name)
def test_sample_journey_round_trips_to_the_same_text(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    document = load_journey(text, path.name)
    assert document.to_json() == text
    assert load_journey(document.to_json()) == document


@pytest.mark.parametrize("path", SEGMENTS, ids=_name)
def test_sample_segment_round_trips_to_the_same_text(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    document = load_segment(text, path.name)
    assert _segment_text(document) == text
    assert load_segment(_segment_text(document)) == document


@pytest.mark.parametrize("path", JOURNEYS, ids=_name)
def test_segments_a_sample_journey_uses_are_samples_too(path: Path) -> None:
    document = load_journey(path.read_bytes(), path.name)
    names = _referenced_segments(document)
    assert names and set(names) <= set(_segments())


def test_segments_a_sample_segment_uses_are_samples_too() -> None:
    segments = _segments()
    for document in segments.values():
        assert set(document.referenced_segments()) <= set(segments)


@pytest.mark.parametrize("path", JOURNEYS, ids=_name)
def test_sample_journey_is_ready_to_go_live(path: Path) -> None:
    document = load_journey(path.read_bytes(), path.name)
    findings = validate_journey(document, known_segments=set(_segments()))
    assert [(f.severity, f.code, f.node, f.message) for f in findings] == []
