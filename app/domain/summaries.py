"""One-line summaries of nodes, as the designer's node cards and the command line show them.

``summarize(node, document)`` reads the node's raw config, so an incomplete draft still gets a
summary (“Not set up yet”, or what is there). Template text is shown as written, with filters
left out (``{{ first_name | default('there') }}`` reads ``{{ first_name }}``), and whitespace
collapsed to single spaces.

Invariants: never raises on a document that loaded; pure (no I/O, no clock); the summary is one
line.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from pydantic import ValidationError

from app.domain.conditions import (
    AllGroup,
    AnyCondition,
    AnyGroup,
    AttributeCondition,
    BehaviorCondition,
    InteractionCondition,
    NotGroup,
    SegmentCondition,
)
from app.domain.durations import DurationError, describe_duration, parse_duration
from app.domain.journey import JourneyDocument, Node
from app.domain.node_configs import BranchConfig
from app.domain.registry import spec_for

NOT_SET_UP = "Not set up yet"
_FILTERS = re.compile(r"\{\{\s*([^|}]+?)\s*\|[^}]*\}\}")
_SPACES = re.compile(r"\s+")
_INTERACTION_WORDS = {
    "delivered": "Delivered",
    "opened": "Opened",
    "clicked": "Clicked",
    "bounced": "Bounced",
}
_DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def readable_template(text: str) -> str:
    """Template text on one line, with filters left out of ``{{ … }}``."""
    return _SPACES.sub(" ", _FILTERS.sub(r"{{ \1 }}", text)).strip()


def summarize(node: Node, document: JourneyDocument | None = None) -> str:
    """What the node does, in a few words: “Wait 5 days”, “Opened “Reminder”?”."""
    return _SPACES.sub(" ", _describe(node, document)).strip()


def _describe(node: Node, document: JourneyDocument | None) -> str:
    config: Mapping[str, Any] = node.config or {}
    match node.kind:
        case "start":
            segment = document.settings.entry_segment if document is not None else None
            return f"Members of “{segment}”" if segment else "Choose an entry segment"
        case "send_email":
            return _message("Email", config.get("subject"))
        case "send_sms":
            return _message("SMS", config.get("text"))
        case "send_push":
            return _message("Push", config.get("title"))
        case "create_task":
            return _task(config)
        case "wait":
            return _wait(config)
        case "branch":
            return _branch(node, document)
        case "split":
            return _split(config)
        case "ab_test":
            return _ab_test(config)
        case _:
            return "Contacts leave the journey"


def _message(channel: str, text: object) -> str:
    if not isinstance(text, str) or not text.strip():
        return f"{channel}: {NOT_SET_UP.lower()}"
    return f"{channel}: {readable_template(text)}"


def _task(config: Mapping[str, Any]) -> str:
    title = config.get("title")
    if not isinstance(title, str) or not title.strip():
        return f"Task: {NOT_SET_UP.lower()}"
    return f"Task: {readable_template(title)}"


def _duration(text: object, *, signed: bool = False) -> str | None:
    if not isinstance(text, str):
        return None
    try:
        return describe_duration(parse_duration(text, signed=signed))
    except DurationError:
        return None


def _wait(config: Mapping[str, Any]) -> str:
    mode = config.get("mode")
    if mode == "duration":
        words = _duration(config.get("duration"))
        return f"Wait {words}" if words else NOT_SET_UP
    if mode == "until":
        at = config.get("at")
        try:
            moment = datetime.fromisoformat(at) if isinstance(at, str) else None
        except ValueError:
            moment = None
        if moment is None:
            return NOT_SET_UP
        return f"Wait until {moment:%d %b %Y, %H:%M} {moment.tzname() or ''}".rstrip()
    if mode == "time_of_day":
        time = config.get("time")
        if not isinstance(time, str):
            return NOT_SET_UP
        return f"Wait until {time}{_days(config.get('days'))}"
    if mode == "until_attribute":
        field = config.get("field")
        if not isinstance(field, str) or not field:
            return NOT_SET_UP
        name = field.removeprefix("attributes.").replace("_", " ")
        offset = config.get("offset")
        words = _duration(offset, signed=True) if offset else None
        if not words or words == "0 seconds":
            return f"Wait until {name}"
        shifted = words if words.endswith(" before") else f"{words} after"
        return f"Wait until {shifted} {name}"
    return NOT_SET_UP


def _days(days: object) -> str:
    if not isinstance(days, list) or not days or len(days) == 7:
        return ""
    ordered = [day for day in _DAY_NAMES if day in days]
    if ordered == list(_DAY_NAMES[:5]):
        return " on weekdays"
    return " on " + ", ".join(day.capitalize() for day in ordered)


def _branch(node: Node, document: JourneyDocument | None) -> str:
    try:
        typed = spec_for(node.kind).parse_config(node.config)
    except (ValidationError, TypeError):
        return NOT_SET_UP
    assert isinstance(typed, BranchConfig)
    question = _question(typed.condition, document)
    seconds = typed.wait_up_to.total_seconds()
    if seconds > 0:
        return f"{question} (up to {describe_duration(typed.wait_up_to)})"
    return question


def _question(condition: AnyCondition, document: JourneyDocument | None) -> str:
    match condition:
        case InteractionCondition(interaction=test):
            sender = document.node(test.node) if document is not None else None
            name = (sender.title or test.node) if sender is not None else test.node
            return f"{_INTERACTION_WORDS[test.interaction]} “{name}”?"
        case SegmentCondition(segment=segment):
            return f"In “{segment}”?"
        case AttributeCondition(attribute=test):
            value = "" if test.value is None else f" {_value(test.value)}"
            return f"{test.field.removeprefix('attributes.')} {test.op.replace('_', ' ')}{value}?"
        case BehaviorCondition(behavior=test):
            return f"Did “{test.event}”?"
        case NotGroup(not_=inner):
            return f"Not: {_question(inner, document)}"
        case AllGroup(all=items) | AnyGroup(any=items):
            if len(items) == 1:
                return _question(items[0], document)
            word = "all" if isinstance(condition, AllGroup) else "any"
            return f"Matches {word} of {len(items)} conditions?"
    return "Condition?"


def _value(value: object) -> str:
    if isinstance(value, list):
        return ", ".join(str(item) for item in value)
    return str(value)


def _names(items: object) -> list[str]:
    if not isinstance(items, list):
        return []
    return [str(item.get("name")) for item in items if isinstance(item, dict) and item.get("name")]


def _split(config: Mapping[str, Any]) -> str:
    cases = _names(config.get("cases"))
    if not cases:
        return "Everyone: otherwise"
    return "By " + ", ".join(cases) + " or otherwise"


def _ab_test(config: Mapping[str, Any]) -> str:
    variants = config.get("variants")
    if not isinstance(variants, list) or not variants:
        return NOT_SET_UP
    parts = []
    for variant in variants:
        if isinstance(variant, dict):
            parts.append(f"{variant.get('name', '?')} {variant.get('weight', '?')}%")
    metric = config.get("metric", "opened")
    by = {"opened": "opens", "clicked": "clicks", "goal": "goal"}.get(str(metric), str(metric))
    return " · ".join(parts) + f", by {by}"
