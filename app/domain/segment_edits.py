"""Small reversible edits on a segment draft: every change the segment builder makes.

A *draft* is a segment file's JSON data (``name``, ``description``, ``audience``,
``definition``) while it is being edited. Unlike a :class:`~app.domain.segment.SegmentDocument`
it may be incomplete (an ``in`` with no values picked yet), so the builder can pass through
such states; :func:`check_draft` turns a draft into a document or says, per condition, why it
cannot.

A condition in the definition tree is addressed by a :data:`ConditionPath`: the indices taken
from the root, where an ``all`` / ``any`` group's children are numbered in order and a ``not``
group's one child is 0. ``()`` is the root.

Invariants (as for journey edits, :mod:`app.domain.edits`):
- For an edit built from ``draft`` by a factory here, ``edit.apply(draft)`` then
  ``edit.revert(draft)`` leaves the draft exactly as it was, and applying again gives exactly
  the state after the first apply (redo).
- An edit holds its own deep copies; a draft never shares a condition with an edit.
- An edit that finds the draft in a state it was not built for raises
  :class:`~app.domain.edits.EditConflict` and changes nothing.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from pydantic import ValidationError

from app.domain.edits import EditConflict
from app.domain.loading import friendly_message
from app.domain.segment import SegmentDocument

Json = dict[str, Any]
ConditionPath = tuple[int, ...]

LIST_GROUPS = ("all", "any")
GROUP_KEYS = ("all", "any", "not")
DRAFT_FIELDS = ("name", "description", "audience")


class SegmentEdit(Protocol):
    """A change that can be applied to a draft and taken back."""

    @property
    def label(self) -> str:
        """What the change does, for the Undo and Redo entries (“Add condition”)."""
        ...

    def apply(self, draft: Json) -> None: ...

    def revert(self, draft: Json) -> None: ...


def new_draft(name: str = "New segment") -> Json:
    """An empty segment: everyone of the audience ``contact`` (an empty ``all`` holds)."""
    return {"name": name, "description": "", "audience": "contact", "definition": {"all": []}}


def draft_of(document: SegmentDocument) -> Json:
    """A stored segment as a draft (exactly the data its file holds)."""
    data: Json = document.model_dump(mode="json", by_alias=True)
    data.pop("schema_version", None)
    return data


# -- the tree -------------------------------------------------------------------------------


def group_key(condition: Json) -> str | None:
    """``all``, ``any`` or ``not`` for a group, None for a single condition."""
    for key in GROUP_KEYS:
        if key in condition:
            return key
    return None


def children(condition: Json) -> list[Any]:
    """A group's children (a ``not`` has one); a single condition has none."""
    key = group_key(condition)
    if key in LIST_GROUPS:
        items = condition[key]
        return items if isinstance(items, list) else []
    if key == "not":
        return [condition["not"]]
    return []


def condition_at(draft: Json, path: ConditionPath) -> Json:
    """The condition at ``path``; :class:`EditConflict` when there is none."""
    current: Any = draft.get("definition")
    for index in path:
        if not isinstance(current, dict):
            raise EditConflict(f"no condition at {list(path)}")
        items = children(current)
        if not 0 <= index < len(items):
            raise EditConflict(f"no condition at {list(path)}")
        current = items[index]
    if not isinstance(current, dict):
        raise EditConflict(f"no condition at {list(path)}")
    return current


def _list_of(draft: Json, parent: ConditionPath) -> list[Any]:
    group = condition_at(draft, parent)
    key = group_key(group)
    if key not in LIST_GROUPS:
        raise EditConflict(f"the condition at {list(parent)} is not an all/any group")
    items: list[Any] = group[key]
    return items


def _put(draft: Json, path: ConditionPath, condition: Json) -> None:
    if not path:
        draft["definition"] = condition
        return
    parent = condition_at(draft, path[:-1])
    key = group_key(parent)
    if key == "not":
        parent["not"] = condition
    else:
        _list_of(draft, path[:-1])[path[-1]] = condition


# -- edits ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class InsertCondition:
    """Add ``condition`` to the all/any group at ``parent``, at ``index``."""

    parent: ConditionPath
    index: int
    condition: Json
    label: str = "Add condition"

    def apply(self, draft: Json) -> None:
        items = _list_of(draft, self.parent)
        if not 0 <= self.index <= len(items):
            raise EditConflict(f"cannot insert a condition at {self.index}")
        items.insert(self.index, copy.deepcopy(self.condition))

    def revert(self, draft: Json) -> None:
        items = _list_of(draft, self.parent)
        if self.index >= len(items) or items[self.index] != self.condition:
            raise EditConflict("the condition is not where it was added")
        del items[self.index]


@dataclass(frozen=True)
class RemoveCondition:
    """Take the condition at ``index`` out of the all/any group at ``parent``."""

    parent: ConditionPath
    index: int
    condition: Json
    label: str = "Remove condition"

    def apply(self, draft: Json) -> None:
        InsertCondition(self.parent, self.index, self.condition).revert(draft)

    def revert(self, draft: Json) -> None:
        InsertCondition(self.parent, self.index, self.condition).apply(draft)


@dataclass(frozen=True)
class ReplaceCondition:
    """Put ``after`` where ``before`` is: a changed field, operator or value, a group kind.

    Edits with the same ``merge_key`` at the same path merge into one undo step (typing).
    """

    path: ConditionPath
    before: Json
    after: Json
    label: str = "Change condition"
    merge_key: str | None = None

    def apply(self, draft: Json) -> None:
        self._swap(draft, self.before, self.after)

    def revert(self, draft: Json) -> None:
        self._swap(draft, self.after, self.before)

    def _swap(self, draft: Json, expected: Json, wanted: Json) -> None:
        if condition_at(draft, self.path) != expected:
            raise EditConflict(f"the condition at {list(self.path)} is not the one expected")
        _put(draft, self.path, copy.deepcopy(wanted))

    def merged_with(self, other: object) -> ReplaceCondition | None:
        """This edit followed by ``other`` as one edit, when both are typing in one place."""
        if (
            not isinstance(other, ReplaceCondition)
            or self.merge_key is None
            or other.merge_key != self.merge_key
            or other.path != self.path
            or other.before != self.after
        ):
            return None
        return ReplaceCondition(self.path, self.before, other.after, self.label, self.merge_key)


@dataclass(frozen=True)
class SetDraftField:
    """Set the name, description or audience; typing in one of them merges into one step."""

    key: str
    before: str
    after: str
    label: str = "Change segment"

    def apply(self, draft: Json) -> None:
        self._swap(draft, self.before, self.after)

    def revert(self, draft: Json) -> None:
        self._swap(draft, self.after, self.before)

    def _swap(self, draft: Json, expected: str, wanted: str) -> None:
        if draft.get(self.key, "") != expected:
            raise EditConflict(f"the segment's {self.key} is not the one expected")
        draft[self.key] = wanted

    def merged_with(self, other: object) -> SetDraftField | None:
        if (
            not isinstance(other, SetDraftField)
            or other.key != self.key
            or other.before != self.after
            or self.key == "audience"
        ):
            return None
        return SetDraftField(self.key, self.before, other.after, self.label)


# -- factories: an edit from the draft as it is now ------------------------------------------


def add_condition(
    draft: Json, parent: ConditionPath, condition: Json, index: int | None = None
) -> InsertCondition:
    """Add ``condition`` to the group at ``parent`` (at the end unless ``index`` is given)."""
    items = _list_of(draft, parent)
    where = len(items) if index is None else index
    label = "Add group" if group_key(condition) else "Add condition"
    return InsertCondition(parent, where, copy.deepcopy(condition), label)


def remove_condition(draft: Json, path: ConditionPath) -> SegmentEdit:
    """Remove the condition at ``path``; the only child of a ``not`` takes its ``not`` along.

    The root cannot be removed (clear it by replacing it with an empty group).
    """
    while path and group_key(condition_at(draft, path[:-1])) == "not":
        path = path[:-1]
    if not path:
        root = condition_at(draft, ())
        empty: Json = {"all": []}
        return ReplaceCondition((), copy.deepcopy(root), empty, "Clear definition")
    target = condition_at(draft, path)
    label = "Remove group" if group_key(target) else "Remove condition"
    return RemoveCondition(path[:-1], path[-1], copy.deepcopy(target), label)


def replace_condition(
    draft: Json,
    path: ConditionPath,
    after: Json,
    label: str = "Change condition",
    merge_key: str | None = None,
) -> ReplaceCondition:
    before = condition_at(draft, path)
    return ReplaceCondition(path, copy.deepcopy(before), copy.deepcopy(after), label, merge_key)


def set_group_kind(draft: Json, path: ConditionPath, kind: str) -> ReplaceCondition:
    """Turn an all group into an any group or back, keeping its children."""
    if kind not in LIST_GROUPS:
        raise ValueError(f"a group is all or any, not {kind!r}")
    group = condition_at(draft, path)
    if group_key(group) not in LIST_GROUPS:
        raise EditConflict(f"the condition at {list(path)} is not an all/any group")
    label = "Match all" if kind == "all" else "Match any"
    return replace_condition(draft, path, {kind: copy.deepcopy(children(group))}, label)


def toggle_not(draft: Json, path: ConditionPath) -> ReplaceCondition:
    """Wrap the condition in ``not``, or take a ``not`` away again."""
    condition = condition_at(draft, path)
    if group_key(condition) == "not":
        return replace_condition(draft, path, condition["not"], "Remove not")
    return replace_condition(draft, path, {"not": condition}, "Negate")


def set_draft_field(draft: Json, key: str, value: str) -> SetDraftField:
    if key not in DRAFT_FIELDS:
        raise ValueError(f"a segment has no editable field {key!r}")
    labels = {"name": "Rename", "description": "Change description", "audience": "Audience"}
    return SetDraftField(key, str(draft.get(key, "")), value, labels[key])


# -- checking a draft -----------------------------------------------------------------------


@dataclass(frozen=True)
class DraftProblem:
    """Why a draft is not a valid segment, at one condition (or ``None``: the segment itself)."""

    path: ConditionPath | None
    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.field}: {self.message}" if self.field else self.message


class DraftInvalid(ValueError):
    def __init__(self, problems: Sequence[DraftProblem]) -> None:
        self.problems = list(problems)
        super().__init__("; ".join(str(problem) for problem in self.problems))


def check_draft(draft: Json) -> SegmentDocument:
    """The draft as a segment document; :class:`DraftInvalid` says where it is wrong."""
    try:
        return SegmentDocument.model_validate(draft)
    except ValidationError as error:
        problems = [_problem(item, draft) for item in error.errors()]
        raise DraftInvalid(problems) from None


def _problem(item: Any, draft: Json) -> DraftProblem:
    """Where a pydantic error lies: the condition it is in, and the field inside it."""
    loc: Sequence[int | str] = item["loc"]
    message = friendly_message(item)
    if not loc or loc[0] != "definition":
        return DraftProblem(None, ".".join(str(step) for step in loc), message)
    path: list[int] = []
    current: Any = draft.get("definition")
    steps = list(loc[1:])
    while steps:
        key = group_key(current) if isinstance(current, dict) else None
        if key is None:
            break
        step = steps.pop(0)
        if step != key:
            continue  # a union tag pydantic adds to the location
        if key == "not":
            path.append(0)
            current = current["not"]
            continue
        while steps and not isinstance(steps[0], int):
            steps.pop(0)
        if not steps:
            break
        index = int(steps.pop(0))
        if not isinstance(current[key], list) or not 0 <= index < len(current[key]):
            break
        path.append(index)
        current = current[key][index]
    detail = [str(step) for step in steps if str(step) not in ("attribute", "behavior")]
    return DraftProblem(tuple(path), ".".join(_dedupe(detail)), message)


def _dedupe(steps: list[str]) -> list[str]:
    """Drop repeated tags (``count.at_least.at_least`` → ``count.at_least``)."""
    kept: list[str] = []
    for step in steps:
        if not kept or kept[-1] != step:
            kept.append(step)
    return kept
