"""One test per validation rule of DESIGN §4, on a small journey broken one way at a time."""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from typing import Any

import pytest

from app.domain.journey import JourneyDocument
from app.domain.validation import Finding, has_errors, validate_journey

NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
SEGMENTS = {"Lapsed", "Employees", "High value"}
UNSUBSCRIBE = "<p>Hi</p><a href='{{ unsubscribe_url }}'>Unsubscribe</a>"


def email(subject: str = "Hello {{ first_name | default('there', true) }}") -> dict[str, Any]:
    return {
        "subject": subject,
        "body_html": UNSUBSCRIBE,
        "body_text": "Hi. Unsubscribe: {{ unsubscribe_url }}",
        "from_name": "Contoso",
        "from_email": "news@contoso.example",
    }


def base() -> dict[str, Any]:
    """start → email → wait 5d → branch opened? → yes: offer → exit; no: sms → exit."""
    return {
        "schema_version": 1,
        "id": "j-1",
        "name": "Re-engagement",
        "settings": {"entry_segment": "Lapsed", "exit_events": [{"event": "purchase"}]},
        "nodes": [
            {"id": "start", "kind": "start"},
            {"id": "n1", "kind": "send_email", "title": "Reminder", "config": email()},
            {"id": "w", "kind": "wait", "config": {"mode": "duration", "duration": "5d"}},
            {
                "id": "b",
                "kind": "branch",
                "title": "Opened?",
                "config": {
                    "condition": {"interaction": {"node": "n1", "interaction": "opened"}},
                    "wait_up_to": "0s",
                },
            },
            {"id": "offer", "kind": "send_email", "title": "Offer", "config": email("Offer")},
            {"id": "sms", "kind": "send_sms", "config": {"text": "Hi! Reply STOP to opt out."}},
            {"id": "x1", "kind": "exit"},
            {"id": "x2", "kind": "exit"},
        ],
        "edges": [
            {"from": "start", "to": "n1"},
            {"from": "n1", "to": "w"},
            {"from": "w", "to": "b"},
            {"from": "b", "port": "yes", "to": "offer"},
            {"from": "b", "port": "no", "to": "sms"},
            {"from": "offer", "to": "x1"},
            {"from": "sms", "to": "x2"},
        ],
    }


def findings(data: dict[str, Any], **kwargs: Any) -> list[Finding]:
    kwargs.setdefault("known_segments", SEGMENTS)
    kwargs.setdefault("now", NOW)
    return validate_journey(JourneyDocument.model_validate(data), **kwargs)


def codes(data: dict[str, Any], **kwargs: Any) -> set[tuple[str, str, str]]:
    """(severity, code, node) of every finding."""
    return {(f.severity, f.code, f.node) for f in findings(data, **kwargs)}


def node(data: dict[str, Any], node_id: str) -> dict[str, Any]:
    return next(n for n in data["nodes"] if n["id"] == node_id)


def test_the_base_journey_is_clean() -> None:
    assert findings(base()) == []


# -- start and settings -------------------------------------------------------------------


def test_missing_start() -> None:
    data = base()
    node(data, "start")["kind"] = "exit"
    data["edges"] = [e for e in data["edges"] if e["from"] != "start"]
    assert ("error", "start.missing", "settings") in codes(data)


def test_second_start() -> None:
    data = base()
    data["nodes"].append({"id": "s2", "kind": "start"})
    data["edges"].append({"from": "s2", "to": "w"})
    assert ("error", "start.multiple", "s2") in codes(data)


def test_start_that_leads_nowhere() -> None:
    data = base()
    data["edges"] = [e for e in data["edges"] if e["from"] != "start"]
    assert ("error", "start.unconnected", "start") in codes(data)


def test_missing_entry_segment() -> None:
    data = base()
    data["settings"]["entry_segment"] = None
    [finding] = findings(data)
    assert (finding.code, finding.node, finding.field) == (
        "entry_segment.missing",
        "settings",
        "entry_segment",
    )


def test_unknown_entry_and_exclusion_segments() -> None:
    data = base()
    data["settings"]["entry_segment"] = "Nobody"
    data["settings"]["exclusion_segments"] = ["Employees", "Ghosts"]
    found = {(f.code, f.field) for f in findings(data)}
    assert found == {
        ("segment.unknown", "entry_segment"),
        ("segment.unknown", "exclusion_segments[1]"),
    }


def test_segments_are_not_checked_when_none_are_known() -> None:
    data = base()
    data["settings"]["entry_segment"] = "Nobody"
    assert findings(data, known_segments=None) == []


def test_exclusion_equal_to_entry() -> None:
    data = base()
    data["settings"]["exclusion_segments"] = ["Lapsed"]
    assert ("error", "exclusion_segment.same_as_entry", "settings") in codes(data)


def test_re_entry_after_exit_needs_a_delay_of_an_hour() -> None:
    data = base()
    data["settings"]["re_entry"] = "after_exit"
    assert ("error", "re_entry.after_missing", "settings") in codes(data)
    data["settings"]["re_entry_after"] = "30m"
    assert ("error", "re_entry.after_too_short", "settings") in codes(data)
    data["settings"]["re_entry_after"] = "1h"
    assert findings(data) == []


def test_schedule_end_before_start_and_in_the_past() -> None:
    data = base()
    data["settings"]["start_at"] = "2027-02-01T00:00:00Z"
    data["settings"]["end_at"] = "2027-01-01T00:00:00Z"
    assert ("error", "schedule.end_before_start", "settings") in codes(data)
    data["settings"]["start_at"] = None
    data["settings"]["end_at"] = "2026-01-01T00:00:00Z"
    assert ("error", "schedule.end_in_past", "settings") in codes(data)


def test_quiet_hours_that_hold_nothing() -> None:
    data = base()
    data["settings"]["quiet_hours"] = {"start": "08:00", "end": "08:00"}
    assert codes(data) == {("warning", "quiet_hours.empty", "settings")}


# -- edges and graph ------------------------------------------------------------------------


def test_edge_to_a_missing_node() -> None:
    data = base()
    data["edges"][-1]["to"] = "ghost"
    assert ("error", "edge.unknown_node", "sms") in codes(data)


def test_edge_from_a_port_that_does_not_exist() -> None:
    data = base()
    data["edges"][3]["port"] = "maybe"
    found = [f for f in findings(data) if f.code == "edge.unknown_port"]
    assert [(f.node, f.field) for f in found] == [("b", "edges[3].port")]
    assert "yes, no" in found[0].message


def test_edge_into_start() -> None:
    data = base()
    data["edges"][-1]["to"] = "start"
    assert ("error", "edge.into_start", "sms") in codes(data)


def test_port_with_two_edges() -> None:
    data = base()
    data["edges"].append({"from": "offer", "to": "x2"})
    assert ("error", "port.multiple_edges", "offer") in codes(data)


def test_branch_with_its_no_port_unconnected() -> None:
    data = base()
    data["edges"] = [e for e in data["edges"] if e.get("port") != "no"]
    found = [f for f in findings(data) if f.code == "ports.partly_connected"]
    assert [(f.severity, f.node) for f in found] == [("error", "b")]
    assert "“no”" in found[0].message


def test_unreachable_node() -> None:
    data = base()
    data["nodes"].append({"id": "lost", "kind": "exit"})
    assert codes(data) == {("error", "node.unreachable", "lost")}


def test_cycle() -> None:
    data = base()
    data["edges"] = [e for e in data["edges"] if e["from"] != "sms"]
    data["edges"].append({"from": "sms", "to": "w"})
    found = [f for f in findings(data) if f.code == "graph.cycle"]
    assert [f.node for f in found] == ["w"]
    assert "loop" in found[0].message


def test_self_loop_is_a_cycle() -> None:
    data = base()
    data["edges"] = [e for e in data["edges"] if e["from"] != "sms"]
    data["edges"].append({"from": "sms", "to": "sms"})
    assert ("error", "graph.cycle", "sms") in codes(data)


def test_dead_end_is_a_warning() -> None:
    data = base()
    data["edges"] = [e for e in data["edges"] if e["from"] != "sms"]
    data["nodes"] = [n for n in data["nodes"] if n["id"] != "x2"]
    assert codes(data) == {("warning", "path.dead_end", "sms")}


def test_duplicate_node_id() -> None:
    data = base()
    data["nodes"].append(copy.deepcopy(node(data, "x2")))
    assert ("error", "node.duplicate_id", "x2") in codes(data)


# -- node configuration ---------------------------------------------------------------------


def test_incomplete_config_names_the_field() -> None:
    data = base()
    del node(data, "n1")["config"]["subject"]
    [finding] = findings(data)
    assert (finding.code, finding.node, finding.field) == ("config.invalid", "n1", "subject")
    assert "Reminder" in finding.message


def test_blank_required_text() -> None:
    data = base()
    node(data, "offer")["config"]["subject"] = "   "
    assert codes(data) == {("error", "config.empty", "offer")}


def test_wait_without_a_mode() -> None:
    data = base()
    node(data, "w")["config"] = {}
    [finding] = findings(data)
    assert (finding.code, finding.node, finding.field) == ("config.invalid", "w", "mode")


def test_exit_with_settings() -> None:
    data = base()
    node(data, "x1")["config"] = {"foo": 1}
    assert codes(data) == {("error", "config.unexpected", "x1")}


def test_template_syntax_error() -> None:
    data = base()
    node(data, "offer")["config"]["subject"] = "Hi {{ first_name "
    found = [f for f in findings(data) if f.code == "template.syntax"]
    assert [(f.severity, f.node, f.field) for f in found] == [("error", "offer", "subject")]


def test_unknown_template_variable_is_a_warning() -> None:
    data = base()
    node(data, "offer")["config"]["subject"] = "Hi {{ nickname }}"
    assert codes(data) == {("warning", "template.unknown_variable", "offer")}


def test_known_attributes_narrow_the_attribute_variables() -> None:
    data = base()
    node(data, "offer")["config"]["subject"] = "Your tier: {{ attributes.tier }}"
    assert findings(data) == []
    assert codes(data, known_attributes={"loyalty"}) == {
        ("warning", "template.unknown_variable", "offer")
    }


def test_template_reaching_for_python_internals() -> None:
    data = base()
    node(data, "offer")["config"]["subject"] = "{{ ''.__class__ }}"
    assert ("error", "template.forbidden", "offer") in codes(data)


def test_commercial_email_without_unsubscribe_link() -> None:
    data = base()
    node(data, "offer")["config"]["body_html"] = "<p>20% off</p>"
    assert codes(data) == {("error", "email.no_unsubscribe", "offer")}
    node(data, "offer")["config"]["purpose"] = "transactional"
    assert codes(data) == {("warning", "email.no_unsubscribe", "offer")}


def test_sender_address_must_be_an_address() -> None:
    data = base()
    node(data, "offer")["config"]["from_email"] = "contoso"
    assert codes(data) == {("error", "email.address_invalid", "offer")}


def test_sms_longer_than_1600_characters() -> None:
    data = base()
    node(data, "sms")["config"]["text"] = "x" * 1601
    assert codes(data) == {("error", "sms.too_long", "sms")}


def test_wait_must_be_positive_and_within_a_year() -> None:
    data = base()
    node(data, "w")["config"]["duration"] = "0s"
    assert codes(data) == {("error", "wait.not_positive", "w")}
    node(data, "w")["config"]["duration"] = "366d"
    assert codes(data) == {("error", "wait.too_long", "w")}


def test_wait_until_a_moment_already_past() -> None:
    data = base()
    node(data, "w")["config"] = {"mode": "until", "at": "2026-11-01T09:00:00Z"}
    assert codes(data) == {("error", "wait.until_past", "w")}
    assert findings(data, now=None) == []


def test_wait_until_a_field_that_is_no_date() -> None:
    data = base()
    node(data, "w")["config"] = {"mode": "until_attribute", "field": "country"}
    assert codes(data) == {("error", "wait.field_not_date", "w")}
    node(data, "w")["config"] = {"mode": "until_attribute", "field": "attributes.renewal"}
    assert findings(data) == []


def test_branch_on_a_message_not_upstream_on_every_path() -> None:
    data = base()
    # A second branch after the merge of both paths asks about the offer, sent on one path only.
    data["nodes"].append(
        {
            "id": "b2",
            "kind": "branch",
            "config": {"condition": {"interaction": {"node": "offer", "interaction": "clicked"}}},
        }
    )
    data["edges"] = [e for e in data["edges"] if e["to"] not in {"x1", "x2"}]
    data["edges"] += [
        {"from": "offer", "to": "b2"},
        {"from": "sms", "to": "b2"},
        {"from": "b2", "port": "yes", "to": "x1"},
        {"from": "b2", "port": "no", "to": "x2"},
    ]
    assert codes(data) == {("error", "branch.not_upstream", "b2")}
    # The reminder is on every path to b2.
    node(data, "b2")["config"]["condition"]["interaction"]["node"] = "n1"
    assert findings(data) == []


def test_branch_on_something_that_is_not_a_message() -> None:
    data = base()
    node(data, "b")["config"]["condition"]["interaction"]["node"] = "w"
    assert codes(data) == {("error", "branch.not_a_message", "b")}


def test_branch_on_an_interaction_the_channel_does_not_have() -> None:
    data = base()
    node(data, "b")["config"]["condition"] = {
        "interaction": {"node": "sms", "interaction": "opened"}
    }
    # The SMS is also not upstream of the branch.
    assert ("error", "branch.interaction_channel", "b") in codes(data)


def test_branch_on_an_unknown_segment() -> None:
    data = base()
    node(data, "b")["config"]["condition"] = {
        "any": [{"segment": "High value"}, {"not": {"segment": "VIP"}}]
    }
    [finding] = findings(data)
    assert (finding.code, finding.node) == ("segment.unknown", "b")
    assert "VIP" in finding.message


def test_branch_wait_within_a_year() -> None:
    data = base()
    node(data, "b")["config"]["wait_up_to"] = "400d"
    assert codes(data) == {("error", "wait.too_long", "b")}


def ab_journey(weights: list[int], metric: str = "opened") -> dict[str, Any]:
    data = base()
    names = [chr(ord("A") + i) for i in range(len(weights))]
    data["nodes"].append(
        {
            "id": "ab",
            "kind": "ab_test",
            "config": {
                "variants": [{"name": n, "weight": w} for n, w in zip(names, weights, strict=True)],
                "metric": metric,
            },
        }
    )
    data["edges"] = [e for e in data["edges"] if e["from"] != "start"]
    data["edges"].append({"from": "start", "to": "ab"})
    for index, name in enumerate(names):
        target = "n1" if index == 0 else f"x{name}"
        if index:
            data["nodes"].append({"id": target, "kind": "exit"})
        data["edges"].append({"from": "ab", "port": name, "to": target})
    return data


def test_ab_weights_must_add_up_to_100() -> None:
    assert findings(ab_journey([50, 50])) == []
    [finding] = findings(ab_journey([60, 30]))
    assert (finding.code, finding.node, finding.field) == ("ab_test.weights", "ab", "variants")
    assert "90%" in finding.message


def test_ab_needs_two_to_five_variants() -> None:
    assert ("error", "ab_test.variant_count", "ab") in codes(ab_journey([100]))
    assert ("error", "ab_test.variant_count", "ab") in codes(ab_journey([20, 20, 20, 20, 10, 10]))


def test_ab_on_goal_needs_a_goal() -> None:
    data = ab_journey([50, 50], metric="goal")
    assert codes(data) == {("error", "ab_test.goal_without_goal", "ab")}
    data["settings"]["goal"] = {"event": "purchase"}
    assert findings(data) == []


def test_variant_names_differ() -> None:
    data = ab_journey([50, 50])
    node(data, "ab")["config"]["variants"][1]["name"] = "A"
    assert ("error", "ports.duplicate_name", "ab") in codes(data)


def split_journey(cases: list[str]) -> dict[str, Any]:
    data = base()
    condition = {"attribute": {"field": "country", "op": "eq", "value": "DE"}}
    data["nodes"].append(
        {
            "id": "sp",
            "kind": "split",
            "config": {"cases": [{"name": name, "condition": condition} for name in cases]},
        }
    )
    data["edges"] = [e for e in data["edges"] if e["from"] != "start"]
    data["edges"] += [
        {"from": "start", "to": "sp"},
        {"from": "sp", "port": "otherwise", "to": "n1"},
    ]
    for name in dict.fromkeys(cases):
        if name != "otherwise":
            data["nodes"].append({"id": f"x-{name}", "kind": "exit"})
            data["edges"].append({"from": "sp", "port": name, "to": f"x-{name}"})
    return data


def test_split_cases() -> None:
    assert findings(split_journey(["DE", "AT"])) == []
    assert ("error", "split.no_cases", "sp") in codes(split_journey([]))
    assert ("error", "ports.duplicate_name", "sp") in codes(split_journey(["DE", "DE"]))
    assert ("error", "ports.reserved_name", "sp") in codes(split_journey(["otherwise"]))


# -- output -------------------------------------------------------------------------------


def test_findings_are_ordered_and_serialisable() -> None:
    data = base()
    data["settings"]["entry_segment"] = None
    node(data, "offer")["config"]["subject"] = "Hi {{ nickname }}"
    node(data, "sms")["config"]["text"] = "x" * 2000
    result = findings(data)
    assert [f.node for f in result] == ["settings", "offer", "sms"]
    assert has_errors(result)
    assert set(result[0].to_json()) == {"severity", "code", "node", "field", "message"}
    assert not has_errors(result[1:2])


@pytest.mark.parametrize("kind", ["send_email", "send_sms", "send_push", "create_task"])
def test_a_new_action_node_reports_what_it_still_needs(kind: str) -> None:
    data = base()
    data["nodes"].append({"id": "new", "kind": kind})
    data["edges"] = [e for e in data["edges"] if e["from"] != "sms"]
    data["edges"] += [{"from": "sms", "to": "new"}, {"from": "new", "to": "x2"}]
    found = findings(data)
    assert found and all(f.node == "new" and f.code == "config.invalid" for f in found)
