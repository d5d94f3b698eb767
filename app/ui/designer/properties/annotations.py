"""Reading the config models' field types: optional or not, the type under ``Annotated``,
the values of a ``Literal``, the item model of a list, number bounds."""

from __future__ import annotations

import types
from collections.abc import Sequence
from typing import Any, Literal, Union, get_args, get_origin

from annotated_types import Ge, Gt, Le, Lt
from pydantic import BaseModel

from app.domain.conditions import AllGroup, InteractionCondition
from app.ui.designer.properties.context import choice_label


def strip_optional(annotation: Any) -> tuple[Any, bool]:
    if get_origin(annotation) in (Union, types.UnionType):
        members = [arg for arg in get_args(annotation) if arg is not type(None)]
        if len(members) == 1 and len(members) < len(get_args(annotation)):
            return members[0], True
    return annotation, False


def base_type(annotation: Any) -> tuple[Any, tuple[Any, ...]]:
    """The type under ``Annotated`` and its metadata."""
    metadata: tuple[Any, ...] = ()
    while hasattr(annotation, "__metadata__"):
        metadata += tuple(annotation.__metadata__)
        annotation = annotation.__origin__
    return annotation, metadata


def number_bounds(metadata: Sequence[Any]) -> tuple[int, int]:
    low, high = 0, 1_000_000
    for item in metadata:
        if isinstance(item, Ge):
            low = int(item.ge)  # type: ignore[call-overload]
        elif isinstance(item, Gt):
            low = int(item.gt) + 1  # type: ignore[call-overload]
        elif isinstance(item, Le):
            high = int(item.le)  # type: ignore[call-overload]
        elif isinstance(item, Lt):
            high = int(item.lt) - 1  # type: ignore[call-overload]
    return low, high


def is_branch_condition(annotation: Any) -> bool:
    """Whether a field holds a condition that may test an interaction (a branch's)."""
    base, _ = base_type(annotation)
    return any(base_type(member)[0] is InteractionCondition for member in get_args(base))


def is_condition(annotation: Any) -> bool:
    """Whether a field holds a segment-style condition (a union with the ``all`` group)."""
    base, _ = base_type(annotation)
    return any(base_type(member)[0] is AllGroup for member in get_args(base))


def literal_options(annotation: Any, field: str = "") -> list[tuple[str, str]] | None:
    """(value, words) of a ``Literal`` type, else None."""
    base, _ = base_type(annotation)
    if get_origin(base) is Literal:
        return [(str(value), choice_label(str(value), field)) for value in get_args(base)]
    return None


def list_item_model(annotation: Any) -> type[BaseModel] | None:
    base, _ = base_type(annotation)
    if get_origin(base) is list:
        (item,) = get_args(base)
        item, _ = base_type(item)
        if isinstance(item, type) and issubclass(item, BaseModel):
            return item
    return None
