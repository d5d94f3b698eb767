"""Strict loading of journey and segment files, with errors that say where.

Loading is three steps: parse the JSON (a syntax error names the line and column), migrate an
older ``schema_version`` with pure ``vN → vN+1`` functions (a newer one is refused), then check
the shape with the pydantic models (an error names the JSON path, ``nodes[3].config.subject``).

A journey draft may be incomplete: inside a node's ``config`` a missing field, an unset wait
mode or a value out of range loads and is left to the validator; a config of the wrong shape
(text where a number belongs, an unknown field, a malformed duration) is refused here.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from app.domain.journey import JOURNEY_SCHEMA_VERSION, JourneyDocument
from app.domain.registry import REGISTRY
from app.domain.segment import SEGMENT_SCHEMA_VERSION, SegmentDocument

Migration = Callable[[dict[str, Any]], dict[str, Any]]

JOURNEY_MIGRATIONS: dict[int, Migration] = {}
"""``JOURNEY_MIGRATIONS[n]`` turns a version-n document into version n+1 (none yet: v1 is first)."""

SEGMENT_MIGRATIONS: dict[int, Migration] = {}

INCOMPLETE_CONFIG_ERRORS = frozenset(
    {
        "missing",
        "union_tag_not_found",
        "too_short",
        "too_long",
        "string_too_short",
        "string_too_long",
        "greater_than",
        "greater_than_equal",
        "less_than",
        "less_than_equal",
    }
)
"""Config problems a draft may have; the validator reports them, loading lets them pass."""


@dataclass(frozen=True)
class Problem:
    """One reason a file could not be loaded: where (path or line/column) and what."""

    message: str
    path: str = ""
    line: int | None = None
    column: int | None = None

    def __str__(self) -> str:
        if self.line is not None:
            return f"line {self.line}, column {self.column}: {self.message}"
        return f"{self.path}: {self.message}" if self.path else self.message


class DocumentError(ValueError):
    """A file that cannot be read as a journey or segment; ``problems`` says where and why."""

    def __init__(self, source: str, problems: Sequence[Problem]) -> None:
        self.source = source
        self.problems = list(problems)
        listed = "\n".join(f"  {problem}" for problem in self.problems)
        super().__init__(f"{source}: cannot load:\n{listed}")


def load_journey(text: str | bytes, source: str = "<journey>") -> JourneyDocument:
    """Parse, migrate and check a journey file; raise :class:`DocumentError` on any problem."""
    data = _parse_object(text, source)
    data = migrate_document(data, "journey", JOURNEY_SCHEMA_VERSION, JOURNEY_MIGRATIONS, source)
    document = _validate(JourneyDocument, data, source)
    problems = [
        problem
        for index, node in enumerate(document.nodes)
        for problem in _config_problems(node.kind, node.config, f"nodes[{index}].config")
    ]
    if problems:
        raise DocumentError(source, problems)
    return document


def load_segment(text: str | bytes, source: str = "<segment>") -> SegmentDocument:
    """Parse, migrate and check a segment file; raise :class:`DocumentError` on any problem."""
    data = _parse_object(text, source)
    data = migrate_document(data, "segment", SEGMENT_SCHEMA_VERSION, SEGMENT_MIGRATIONS, source)
    return _validate(SegmentDocument, data, source)


def _parse_object(text: str | bytes, source: str) -> dict[str, Any]:
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8-sig")
        except UnicodeDecodeError as error:
            raise DocumentError(
                source, [Problem(f"not UTF-8 text (byte {error.start} cannot be read)")]
            ) from None
    text = text.removeprefix("\ufeff")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        problem = Problem(_json_reason(error, text), line=error.lineno, column=error.colno)
        raise DocumentError(source, [problem]) from None
    except RecursionError:
        raise DocumentError(source, [Problem("the JSON is nested too deeply")]) from None
    if not isinstance(data, dict):
        raise DocumentError(source, [Problem("the file must hold one JSON object { … }")])
    return data


def _json_reason(error: json.JSONDecodeError, text: str) -> str:
    if error.pos >= len(text.rstrip()):
        return f"the file ends too early ({error.msg}); is it truncated?"
    return error.msg


def migrate_document(
    data: dict[str, Any],
    kind: str,
    current: int,
    migrations: dict[int, Migration],
    source: str,
) -> dict[str, Any]:
    """Bring ``data`` to version ``current`` by ``migrations[n]`` steps; refuse newer ones."""
    version = data.get("schema_version", current)
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        problem = Problem("must be a whole number such as 1", path="schema_version")
        raise DocumentError(source, [problem])
    if version > current:
        message = (
            f"this {kind} was written by a newer Journey Studio (schema_version {version}); "
            f"this version reads up to {current}. Update Journey Studio to open it."
        )
        raise DocumentError(source, [Problem(message, path="schema_version")])
    while version < current:
        data = migrations[version](data)
        version += 1
        data["schema_version"] = version
    return data


def _validate[M: (JourneyDocument, SegmentDocument)](
    model: type[M], data: dict[str, Any], source: str
) -> M:
    try:
        return model.model_validate(data)
    except ValidationError as error:
        raise DocumentError(source, problems_from(error, data)) from None


def _config_problems(kind: str, config: dict[str, Any] | None, where: str) -> list[Problem]:
    spec = REGISTRY[kind]
    if not spec.has_config:
        if config:
            return [Problem(f"a {kind} node takes no configuration", path=where)]
        return []
    try:
        spec.parse_config(config)
    except ValidationError as error:
        wrong = [item for item in error.errors() if item["type"] not in INCOMPLETE_CONFIG_ERRORS]
        return [_problem(item, config or {}, where) for item in wrong]
    return []


def problems_from(error: ValidationError, data: Any, prefix: str = "") -> list[Problem]:
    """Pydantic errors as problems whose paths follow the file (union tags left out)."""
    return [_problem(item, data, prefix) for item in error.errors()]


def _problem(item: Any, data: Any, prefix: str) -> Problem:
    missing = item["type"] == "missing"
    return Problem(friendly_message(item), path=json_path(item["loc"], data, prefix, missing))


def friendly_message(item: Any) -> str:
    """A pydantic error in words for a person editing the file."""
    kind = item["type"]
    if kind == "missing":
        return "is required"
    if kind == "extra_forbidden":
        return "is not a field this product knows (check the spelling)"
    message = str(item["msg"])
    return message.removeprefix("Value error, ")


def json_path(loc: Sequence[int | str], data: Any, prefix: str = "", missing: bool = False) -> str:
    """``('nodes', 3, 'config', 'subject')`` → ``nodes[3].config.subject``.

    Pydantic adds union tags (``send_email``, ``attribute``) to locations; walking the data
    alongside the location drops every step that is not really in the file. For a ``missing``
    field the last step is kept although absent, since it names the field.
    """
    path = prefix
    current = data
    for index, step in enumerate(loc):
        last = missing and index == len(loc) - 1
        if isinstance(step, int) and isinstance(current, list) and 0 <= step < len(current):
            path += f"[{step}]"
            current = current[step]
        elif isinstance(step, str) and isinstance(current, dict) and step in current:
            path += f".{step}" if path else step
            current = current[step]
        elif last:
            path += f"[{step}]" if isinstance(step, int) else (f".{step}" if path else step)
    return path
