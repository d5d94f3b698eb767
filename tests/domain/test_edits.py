"""Reversible edits: every edit's apply/revert round trip, connection rules, groups, sequences."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.domain.edits import (
    AddNode,
    ConnectionRefused,
    Edit,
    EditConflict,
    SetConfigField,
    SetJourneyText,
    SetSetting,
    SetTitle,
    add_node,
    can_connect,
    config_value_problem,
    connect,
    disconnect,
    move_nodes,
    remove_node,
    replace_config,
    set_config_field,
    set_journey_text,
    set_setting,
    set_title,
    upstream_of,
)
from app.domain.group_edits import paste_nodes, remove_selection, reshape_config
from app.domain.journey import JourneyDocument
from app.domain.loading import load_journey
from app.domain.registry import REGISTRY
from tests.domain.strategies import journeys

SAMPLES = Path(__file__).resolve().parents[2] / "resources" / "samples"


def sample(name: str = "re-engagement") -> JourneyDocument:
    return load_journey((SAMPLES / f"{name}.journey.json").read_bytes())


def round_trip(document: JourneyDocument, edit: Edit) -> None:
    """apply changes the document, revert restores it exactly, apply again redoes exactly."""
    before = document.to_json()
    edit.apply(document)
    after = document.to_json()
    edit.revert(document)
    assert document.to_json() == before
    edit.apply(document)
    assert document.to_json() == after


EDITS: dict[str, Callable[[JourneyDocument], Edit]] = {
    "add email": lambda d: add_node(d, "send_email", (100.0, 50.0)),
    "add A/B test": lambda d: add_node(d, "ab_test", (0.0, 300.0), "Subject test"),
    "remove branch": lambda d: remove_node(d, "opened"),
    "remove start": lambda d: remove_node(d, "start"),
    "disconnect": lambda d: disconnect(d, "opened", "no", "sms"),
    "connect": lambda d: remove_and_connect(d),
    "move two": lambda d: move_nodes(d, {"sms": (10.0, 20.0), "offer": (-5.5, 3.0)}),
    "rename": lambda d: set_title(d, "reminder", "First reminder"),
    "config field": lambda d: set_config_field(d, "wait-5d", "duration", "7d"),
    "config on empty node": lambda d: set_config_field(d, "exit-sms", "note", "x"),
    "setting": lambda d: set_setting(d, "re_entry_after", "30d"),
    "setting goal off": lambda d: set_setting(d, "goal", None),
    "journey name": lambda d: set_journey_text(d, "name", "Win-back"),
    "journey description": lambda d: set_journey_text(d, "description", "For lapsed buyers"),
    "wait mode": lambda d: replace_config(d, "wait-5d", "mode", {"mode": "until"}),
    "reshape branch": lambda d: reshape_config(d, "opened", "condition", {"condition": {}}),
    "delete selection": lambda d: remove_selection(
        d, ["wait-5d", "sms"], [("opened", "yes", "offer")]
    ),
    "paste": lambda d: paste_nodes(d, [d.nodes[1], d.nodes[3]], d.edges, (40.0, 40.0))[0],
}


def remove_and_connect(document: JourneyDocument) -> Edit:
    disconnect(document, "opened", "no", "sms").apply(document)
    return connect(document, "opened", "no", "exit-offer")


@pytest.mark.parametrize("name", EDITS)
def test_every_edit_reverts_exactly(name: str) -> None:
    document = sample()
    edit = EDITS[name](document)
    round_trip(document, edit)
    assert edit.label


def test_removing_a_branch_removes_its_edges_and_restores_them_in_order() -> None:
    document = sample()
    edges_before = [edge.model_dump(by_alias=True) for edge in document.edges]
    edit = remove_node(document, "opened")
    edit.apply(document)
    assert document.node("opened") is None
    assert all("opened" not in (edge.source, edge.target) for edge in document.edges)
    assert len(document.edges) == len(edges_before) - 3
    edit.revert(document)
    assert [edge.model_dump(by_alias=True) for edge in document.edges] == edges_before


def test_added_node_gets_a_new_readable_id_and_starter_config() -> None:
    document = sample()
    first = add_node(document, "wait", (0.0, 0.0))
    first.apply(document)
    second = add_node(document, "wait", (0.0, 0.0))
    assert (first.node.id, second.node.id) == ("wait-1", "wait-2")
    assert first.node.config == {"mode": "duration", "duration": "1d"}
    ab = add_node(document, "ab_test", (0.0, 0.0))
    assert ab.node.ports() == ("A", "B")


def test_edits_do_not_share_data_with_the_document() -> None:
    document = sample()
    edit = set_config_field(document, "wait-5d", "duration", "7d")
    edit.apply(document)
    node = document.node("wait-5d")
    assert node is not None and node.config is not None
    node.config["duration"] = "9d"
    assert edit.after == {"mode": "duration", "duration": "7d"}


def test_an_edit_on_a_document_in_another_state_raises_and_changes_nothing() -> None:
    document = sample()
    edit = add_node(document, "exit", (0.0, 0.0))
    edit.apply(document)
    text = document.to_json()
    with pytest.raises(EditConflict):
        edit.apply(document)
    assert document.to_json() == text
    with pytest.raises(EditConflict):
        AddNode(edit.node, 0).revert(document)


def test_typing_in_one_field_merges_into_one_edit() -> None:
    document = sample()
    first = set_config_field(document, "wait-5d", "duration", "6d")
    first.apply(document)
    second = set_config_field(document, "wait-5d", "duration", "60d")
    merged = first.merged_with(second)
    assert merged == SetConfigField(
        "wait-5d",
        "duration",
        {"mode": "duration", "duration": "5d"},
        {"mode": "duration", "duration": "60d"},
    )
    other = set_config_field(document, "wait-5d", "mode", "until")
    assert first.merged_with(other) is None


def test_setting_values_are_checked_and_converted() -> None:
    document = sample()
    edit = set_setting(document, "frequency_cap", {"max_messages": 2, "per": "1d"})
    edit.apply(document)
    assert '"per": "1d"' in document.to_json()
    with pytest.raises(ValueError):
        set_setting(document, "re_entry", "sometimes")
    with pytest.raises(ValueError):
        set_setting(document, "no_such_setting", 1)


def test_title_setting_and_journey_text_edits_merge_while_typing() -> None:
    document = sample()
    first = set_title(document, "reminder", "R")
    first.apply(document)
    second = set_title(document, "reminder", "Re")
    assert first.merged_with(second) == SetTitle("reminder", "Reminder email", "Re")
    assert first.merged_with(set_title(document, "offer", "x")) is None
    setting = set_setting(document, "timezone", "Europe/Berlin")
    setting.apply(document)
    later = set_setting(document, "timezone", "Europe/Paris")
    assert setting.merged_with(later) == SetSetting("timezone", "UTC", "Europe/Paris")
    name = set_journey_text(document, "name", "W")
    name.apply(document)
    merged = name.merged_with(set_journey_text(document, "name", "Wi"))
    assert merged == SetJourneyText("name", "Re-engagement", "Wi")
    with pytest.raises(ValueError, match="needs a name"):
        set_journey_text(document, "name", "  ")


def renamed_variants(document: JourneyDocument, names: list[str]) -> list[dict[str, object]]:
    node = document.node("subject-test")
    assert node is not None and node.config is not None
    variants = [dict(variant) for variant in node.config["variants"]]
    for variant, name in zip(variants, names, strict=True):
        variant["name"] = name
    return variants


def ports_used(document: JourneyDocument, node_id: str) -> list[tuple[str, str]]:
    return [(edge.source_port, edge.target) for edge in document.edges if edge.source == node_id]


def test_renaming_a_variant_carries_its_edge_to_the_new_name_and_undo_carries_it_back() -> None:
    document = sample("welcome-series")
    edit = set_config_field(
        document, "subject-test", "variants", renamed_variants(document, ["A", "Short"])
    )
    assert edit.port_renames == (("B", "Short"),)
    round_trip(document, edit)
    assert ports_used(document, "subject-test") == [("A", "welcome-a"), ("Short", "welcome-b")]
    edit.revert(document)
    assert ports_used(document, "subject-test") == [("A", "welcome-a"), ("B", "welcome-b")]


def test_typing_a_case_name_is_one_rename_of_its_edge() -> None:
    document = sample("high-value-follow-up")
    before = document.to_json()
    node = document.node("region")
    assert node is not None and node.config is not None
    edits = []
    for name in ("D", "DA", "DACH region"):
        cases = [dict(case) for case in node.config["cases"]]
        cases[0]["name"] = name
        edit = set_config_field(document, "region", "cases", cases)
        edit.apply(document)
        edits.append(edit)
    merged = edits[0].merged_with(edits[1])
    assert merged is not None
    merged = merged.merged_with(edits[2])
    assert merged is not None and merged.port_renames == (("DACH", "DACH region"),)
    assert ("DACH region", "task-dach") in ports_used(document, "region")
    after = document.to_json()
    merged.revert(document)
    assert document.to_json() == before
    merged.apply(document)
    assert document.to_json() == after


def test_removing_a_variant_disconnects_its_edge_in_the_same_step() -> None:
    document = sample("welcome-series")
    node = document.node("subject-test")
    assert node is not None and node.config is not None
    kept = {**node.config, "variants": [{"name": "B", "weight": 100}]}
    edit = reshape_config(document, "subject-test", "variants", kept)
    assert not hasattr(edit, "merged_with")  # an add or remove is never merged with typing
    round_trip(document, edit)
    assert ports_used(document, "subject-test") == [("B", "welcome-b")]
    edit.revert(document)
    assert ports_used(document, "subject-test") == [("A", "welcome-a"), ("B", "welcome-b")]


def test_reordering_or_adding_variants_renames_nothing() -> None:
    document = sample("welcome-series")
    swapped = renamed_variants(document, ["B", "A"])
    assert set_config_field(document, "subject-test", "variants", swapped).port_renames == ()
    added = [*renamed_variants(document, ["A", "B"]), {"name": "C", "weight": 0}]
    assert set_config_field(document, "subject-test", "variants", added).port_renames == ()


def test_a_value_that_would_make_the_file_unreadable_is_named() -> None:
    document = sample()
    problem = config_value_problem(document, "wait-5d", "duration", "5 days")
    assert problem is not None and "not a duration" in problem
    assert config_value_problem(document, "wait-5d", "duration", "5d") is None
    assert config_value_problem(document, "reminder", "subject", "") is None  # only incomplete
    problem = config_value_problem(document, "opened", "condition", {"segmnt": "x"})
    assert problem is not None and "condition" in problem
    assert config_value_problem(document, "exit-sms", "note", "x") is not None


def test_upstream_nodes_are_those_that_lead_to_a_node() -> None:
    document = sample()
    assert upstream_of(document, "opened") == ["start", "reminder", "wait-5d"]
    assert upstream_of(document, "start") == []


# -- connection rules -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "port", "target", "reason"),
    [
        ("opened", "yes", "exit-sms", "already leads to Discount offer"),
        ("reminder", "next", "reminder", "cannot lead to itself"),
        ("exit-sms", "next", "offer", "ends the journey"),
        ("opened", "maybe", "offer", "no way out called “maybe”"),
        ("wait-5d", "next", "start", "into the start node"),
        ("wait-5d", "next", "ghost", "no node “ghost”"),
    ],
)
def test_refused_connections_say_why(source: str, port: str, target: str, reason: str) -> None:
    document = sample()
    text = document.to_json()
    refusal = can_connect(document, source, port, target)
    assert refusal is not None and reason in refusal
    with pytest.raises(ConnectionRefused) as refused:
        connect(document, source, port, target)
    assert refused.value.reason == refusal
    assert document.to_json() == text


def test_a_connection_back_to_an_earlier_step_is_a_loop() -> None:
    document = sample()
    disconnect(document, "sms", "next", "exit-sms").apply(document)
    reason = can_connect(document, "sms", "next", "reminder")
    assert reason is not None and "would make a loop" in reason
    assert can_connect(document, "sms", "next", "exit-offer") is None


def test_a_free_port_connects_and_next_is_left_out_of_the_file() -> None:
    document = sample()
    disconnect(document, "sms", "next", "exit-sms").apply(document)
    assert can_connect(document, "sms", "next", "exit-offer") is None
    connect(document, "sms", "next", "exit-offer").apply(document)
    assert document.to_data()["edges"][-1] == {"from": "sms", "to": "exit-offer"}


# -- groups ---------------------------------------------------------------------------------


def test_paste_gives_new_ids_and_points_branches_at_the_copied_message() -> None:
    document = sample()
    chosen = [n for n in document.nodes if n.id in {"reminder", "wait-5d", "opened"}]
    edit, renamed = paste_nodes(document, chosen, document.edges, (0.0, 400.0))
    edit.apply(document)
    assert set(renamed) == {"reminder", "wait-5d", "opened"}
    assert not set(renamed.values()) & {"reminder", "wait-5d", "opened"}
    branch = document.node(renamed["opened"])
    assert branch is not None and branch.config is not None
    assert branch.config["condition"]["interaction"]["node"] == renamed["reminder"]
    assert branch.position == (720.0, 400.0)
    copied = {(e.source, e.target) for e in document.edges}
    assert (renamed["reminder"], renamed["wait-5d"]) in copied
    assert (renamed["wait-5d"], renamed["opened"]) in copied


def test_deleting_a_selection_is_one_edit() -> None:
    document = sample()
    edit = remove_selection(document, ["sms", "offer"], [("start", "next", "reminder")])
    assert edit.label == "Delete 2 nodes"
    round_trip(document, edit)
    assert document.node("sms") is None and document.node("offer") is None
    assert not any(edge.source == "start" for edge in document.edges)


# -- sequences ------------------------------------------------------------------------------


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow])  # shared, busy CI cores
@given(st.data())
def test_any_sequence_of_edits_reverted_in_reverse_order_restores_the_original(
    data: st.DataObject,
) -> None:
    original = data.draw(journeys())
    start_text = original.to_json()
    document = original.model_copy(deep=True)
    edits: list[Edit] = []
    for _ in range(data.draw(st.integers(1, 8))):
        edit = data.draw(one_edit(document))
        if edit is not None:
            edit.apply(document)
            edits.append(edit)
    end_text = document.to_json()
    for edit in reversed(edits):
        edit.revert(document)
    assert document.to_json() == start_text
    for edit in edits:
        edit.apply(document)
    assert document.to_json() == end_text


def one_edit(document: JourneyDocument) -> st.SearchStrategy[Edit | None]:
    ids = [node.id for node in document.nodes]
    adds = st.builds(
        lambda kind, x: add_node(document, kind, (x, 0.0)),
        st.sampled_from(sorted(REGISTRY)),
        st.floats(-500, 500),
    )
    if not ids:
        return adds
    node_ids = st.sampled_from(ids)

    def connection(source: str, target: str, pick: int) -> Edit | None:
        ports = document.nodes[ids.index(source)].ports()
        port = ports[pick % len(ports)] if ports else "next"
        if can_connect(document, source, port, target) is None:
            return connect(document, source, port, target)
        edges = [e for e in document.edges if e.source == source]
        return (
            disconnect(document, edges[0].source, edges[0].source_port, edges[0].target)
            if edges
            else None
        )

    return st.one_of(
        adds,
        node_ids.map(lambda node_id: remove_node(document, node_id)),
        st.builds(connection, node_ids, node_ids, st.integers(0, 5)),
        st.lists(node_ids, min_size=1, unique=True).map(
            lambda moved: move_nodes(document, {node_id: (1.5, -2.0) for node_id in moved})
        ),
        st.builds(lambda n, t: set_title(document, n, t), node_ids, st.text(max_size=5)),
        st.builds(lambda n, v: set_config_field(document, n, "x", v), node_ids, st.integers()),
        st.lists(node_ids, max_size=3).map(lambda chosen: remove_selection(document, chosen)),
        st.lists(node_ids, min_size=1, max_size=3, unique=True).map(
            lambda chosen: paste_nodes(
                document, [n for n in document.nodes if n.id in chosen], document.edges, (9.0, 9.0)
            )[0]
        ),
    )
