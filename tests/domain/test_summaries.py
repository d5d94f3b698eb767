"""One-line node summaries and auto-arrange: what the designer's cards and layout show."""

from __future__ import annotations

from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given

from app.domain.arrange import arrange
from app.domain.journey import JourneyDocument, Node
from app.domain.loading import load_journey
from app.domain.summaries import summarize
from tests.domain.strategies import journeys

SAMPLES = Path(__file__).resolve().parents[2] / "resources" / "samples"


def sample(name: str) -> JourneyDocument:
    return load_journey((SAMPLES / f"{name}.journey.json").read_bytes())


def node(kind: str, config: dict[str, Any] | None) -> Node:
    return Node.model_validate({"id": "n", "kind": kind, "config": config})


def test_re_engagement_summaries() -> None:
    document = sample("re-engagement")
    summaries = {n.id: summarize(n, document) for n in document.nodes}
    assert summaries["start"] == "Members of “No purchase in 60 days”"
    assert summaries["reminder"] == "Email: We miss you, {{ first_name }}"
    assert summaries["wait-5d"] == "Wait 5 days"
    assert summaries["opened"] == "Opened “Reminder email”?"


@pytest.mark.parametrize(
    ("kind", "config", "summary"),
    [
        ("wait", {"mode": "duration", "duration": "1d"}, "Wait 1 day"),
        (
            "wait",
            {"mode": "until", "at": "2026-12-24T09:00:00Z"},
            "Wait until 24 Dec 2026, 09:00 UTC",
        ),
        (
            "wait",
            {"mode": "time_of_day", "time": "09:00", "days": ["mon", "tue", "wed", "thu", "fri"]},
            "Wait until 09:00 on weekdays",
        ),
        (
            "wait",
            {"mode": "until_attribute", "field": "attributes.renewal_date", "offset": "-1d"},
            "Wait until 1 day before renewal date",
        ),
        ("wait", None, "Not set up yet"),
        ("send_sms", {"text": "Hi\n{{ first_name|upper }}"}, "SMS: Hi {{ first_name }}"),
        ("send_email", None, "Email: not set up yet"),
        ("branch", {"condition": {"segment": "VIP"}, "wait_up_to": "0s"}, "In “VIP”?"),
        (
            "branch",
            {
                "condition": {"interaction": {"node": "x", "interaction": "clicked"}},
                "wait_up_to": "2d",
            },
            "Clicked “x”? (up to 2 days)",
        ),
        ("branch", {"condition": {"all": []}, "wait_up_to": "bogus"}, "Not set up yet"),
        ("split", {"cases": []}, "Everyone: otherwise"),
        (
            "ab_test",
            {"variants": [{"name": "A", "weight": 70}, {"name": "B", "weight": 30}]},
            "A 70% · B 30%, by opens",
        ),
        ("exit", None, "Contacts leave the journey"),
    ],
)
def test_summaries_by_kind(kind: str, config: dict[str, Any] | None, summary: str) -> None:
    assert summarize(node(kind, config)) == summary


@given(journeys())
def test_every_node_of_any_journey_has_a_one_line_summary(document: JourneyDocument) -> None:
    for item in document.nodes:
        text = summarize(item, document)
        assert text and "\n" not in text


class Cards:
    def height(self, node: Node) -> float:
        return 60 + 20 * len(node.ports()) if len(node.ports()) > 1 else 60

    def out_port_y(self, node: Node, port: str) -> float:
        ports = node.ports()
        return 30 if len(ports) < 2 or port not in ports else 70 + 20 * ports.index(port)

    def in_port_y(self, node: Node) -> float:
        return 30


@pytest.mark.parametrize("name", ["re-engagement", "welcome-series", "high-value-follow-up"])
def test_arrange_puts_columns_by_step_and_never_overlaps(name: str) -> None:
    document = sample(name)
    positions = arrange(document, Cards())
    assert set(positions) == {n.id for n in document.nodes}
    for edge in document.edges:
        assert positions[edge.source][0] < positions[edge.target][0]
    by_column: dict[float, list[Node]] = {}
    for item in document.nodes:
        by_column.setdefault(positions[item.id][0], []).append(item)
    for column in by_column.values():
        spans = sorted((positions[n.id][1], positions[n.id][1] + Cards().height(n)) for n in column)
        assert all(a[1] <= b[0] for a, b in pairwise(spans))


def test_arrange_keeps_a_straight_chain_level() -> None:
    document = sample("re-engagement")
    positions = arrange(document, Cards())
    assert {positions[i][1] for i in ("start", "reminder", "wait-5d")} == {positions["start"][1]}


@given(journeys(arbitrary_edges=True))
def test_arrange_places_every_node_of_any_draft(document: JourneyDocument) -> None:
    assert set(arrange(document, Cards())) == {n.id for n in document.nodes}
