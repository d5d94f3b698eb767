"""Segment draft edits: every edit's apply/revert round trip, merging, and where problems lie."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path

import pytest

from app.domain.edits import EditConflict
from app.domain.loading import load_segment
from app.domain.segment_edits import (
    DraftInvalid,
    Json,
    ReplaceCondition,
    SegmentEdit,
    SetDraftField,
    add_condition,
    check_draft,
    condition_at,
    draft_of,
    new_draft,
    remove_condition,
    replace_condition,
    set_draft_field,
    set_group_kind,
    toggle_not,
)

SAMPLES = Path(__file__).resolve().parents[2] / "resources" / "samples"
COUNTRY = {"attribute": {"field": "country", "op": "in", "value": ["DE", "AT"]}}


def lapsed() -> Json:
    text = (SAMPLES / "no-purchase-60-days.segment.json").read_bytes()
    draft = draft_of(load_segment(text))
    draft["definition"]["all"].append({"not": {"any": [copy.deepcopy(COUNTRY)]}})
    return draft


def round_trip(draft: Json, edit: SegmentEdit) -> None:
    """apply changes the draft, revert restores it exactly, apply again redoes exactly."""
    before = json.dumps(draft)
    edit.apply(draft)
    after = json.dumps(draft)
    assert after != before
    edit.revert(draft)
    assert json.dumps(draft) == before
    edit.apply(draft)
    assert json.dumps(draft) == after


EDITS: dict[str, Callable[[Json], SegmentEdit]] = {
    "add to root": lambda d: add_condition(d, (), COUNTRY),
    "add first in nested": lambda d: add_condition(d, (2, 0), {"all": []}, index=0),
    "remove behaviour": lambda d: remove_condition(d, (1,)),
    "remove inside not takes the not": lambda d: remove_condition(d, (2, 0)),
    "remove nested leaf": lambda d: remove_condition(d, (2, 0, 0)),
    "clear root": lambda d: remove_condition(d, ()),
    "change value": lambda d: replace_condition(
        d, (2, 0, 0), {"attribute": {"field": "country", "op": "eq", "value": "FR"}}
    ),
    "any to all": lambda d: set_group_kind(d, (2, 0), "all"),
    "negate": lambda d: toggle_not(d, (0,)),
    "remove not": lambda d: toggle_not(d, (2,)),
    "rename": lambda d: set_draft_field(d, "name", "Lapsed 60 days"),
    "audience": lambda d: set_draft_field(d, "audience", "any"),
}


@pytest.mark.parametrize("name", EDITS)
def test_every_edit_round_trips(name: str) -> None:
    draft = lapsed()
    round_trip(draft, EDITS[name](draft))


def test_an_edit_holds_its_own_copies() -> None:
    draft = lapsed()
    added = add_condition(draft, (), COUNTRY)
    added.apply(draft)
    draft["definition"]["all"][-1]["attribute"]["value"].append("CH")
    assert added.condition == COUNTRY
    replaced = replace_condition(draft, (2, 0, 0), {"segment": "Employees"})
    replaced.apply(draft)
    assert replaced.before == COUNTRY
    draft["definition"]["all"][2]["not"]["any"][0]["segment"] = "Staff"
    assert replaced.after == {"segment": "Employees"}


def test_removing_the_child_of_a_not_removes_the_not() -> None:
    draft = lapsed()
    remove_condition(draft, (2, 0)).apply(draft)
    assert len(draft["definition"]["all"]) == 2


def test_edit_on_a_draft_it_was_not_built_for_conflicts_and_changes_nothing() -> None:
    draft = lapsed()
    edit = replace_condition(draft, (0,), COUNTRY)
    remove_condition(draft, (0,)).apply(draft)
    before = json.dumps(draft)
    with pytest.raises(EditConflict):
        edit.apply(draft)
    assert json.dumps(draft) == before


def test_typing_in_one_place_merges_into_one_step() -> None:
    draft = lapsed()
    steps = []
    for text in ("D", "DE", "DE,A"):
        value = [part for part in text.split(",") if part]
        after = {"attribute": {"field": "country", "op": "in", "value": value}}
        edit = replace_condition(draft, (2, 0, 0), after, merge_key="value")
        edit.apply(draft)
        steps.append(edit)
    merged = steps[0].merged_with(steps[1])
    assert isinstance(merged, ReplaceCondition)
    merged = merged.merged_with(steps[2])
    assert merged is not None
    merged.revert(draft)
    assert condition_at(draft, (2, 0, 0)) == COUNTRY
    other_key = replace_condition(draft, (2, 0, 0), COUNTRY, merge_key="op")
    assert steps[0].merged_with(other_key) is None


def test_renaming_merges_but_audience_changes_do_not() -> None:
    draft = lapsed()
    first = set_draft_field(draft, "name", "L")
    first.apply(draft)
    second = set_draft_field(draft, "name", "La")
    assert first.merged_with(second) == SetDraftField("name", first.before, "La", "Rename")
    audience = set_draft_field(draft, "audience", "lead")
    audience.apply(draft)
    assert audience.merged_with(set_draft_field(draft, "audience", "any")) is None


def test_a_valid_draft_checks_to_the_document_of_its_file() -> None:
    text = (SAMPLES / "no-purchase-60-days.segment.json").read_text()
    document = check_draft(draft_of(load_segment(text)))
    assert document.to_json() == text


def test_problems_name_the_condition_and_the_field() -> None:
    draft = new_draft(" ")
    draft["definition"] = {
        "all": [
            {"behavior": {"event": "purchase", "count": {"at_least": -1}}},
            {"not": {"any": [{"attribute": {"field": "country", "op": "in", "value": []}}]}},
            {"behavior": {"event": "purchase", "within": "5 days"}},
        ]
    }
    with pytest.raises(DraftInvalid) as caught:
        check_draft(draft)
    found = {(problem.path, problem.field) for problem in caught.value.problems}
    assert found == {(None, "name"), ((0,), "count.at_least"), ((1, 0, 0), ""), ((2,), "within")}
    messages = {problem.path: problem.message for problem in caught.value.problems}
    assert messages[(1, 0, 0)] == "'in' takes a non-empty list of values"


def test_a_new_draft_is_everyone_of_the_audience() -> None:
    document = check_draft(new_draft())
    assert document.definition.model_dump() == {"all": []}
    assert document.audience == "contact"
