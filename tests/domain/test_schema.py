"""The JSON Schemas: generated from the models, committed under resources/schema, and true to
the files the app writes (checked with a small draft 2020-12 checker, since jsonschema is not a
dependency)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from app.domain.loading import load_journey, load_segment
from app.domain.registry import REGISTRY, SPECS
from app.domain.schema import journey_schema, segment_schema

ROOT = Path(__file__).resolve().parents[2]
SCHEMAS = ROOT / "resources" / "schema"
SAMPLES = ROOT / "resources" / "samples"

GENERATORS = {"journey": journey_schema, "segment": segment_schema}


def _printed(schema: dict[str, Any]) -> str:
    """What ``journey-studio schema KIND`` prints."""
    return json.dumps(schema, indent=2, ensure_ascii=False) + "\n"


@pytest.mark.parametrize("kind", sorted(GENERATORS))
def test_committed_schema_is_what_the_models_generate(kind: str) -> None:
    committed = (SCHEMAS / f"{kind}.schema.json").read_text(encoding="utf-8")
    assert committed == _printed(GENERATORS[kind]()), (
        f"resources/schema/{kind}.schema.json is out of date with the models; regenerate it with "
        f"`journey-studio schema {kind} > resources/schema/{kind}.schema.json`"
    )


@pytest.mark.parametrize("kind", sorted(GENERATORS))
def test_schema_is_draft_2020_12_with_an_id(kind: str) -> None:
    schema = json.loads(_printed(GENERATORS[kind]()))
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["$id"] == f"https://journey-studio.example/schema/{kind}.schema.json"
    assert schema["title"] and schema["description"]
    assert schema["type"] == "object"
    assert schema["additionalProperties"] is False
    for ref in re.findall(r'"\$ref": "#/\$defs/([^"]+)"', json.dumps(schema)):
        assert ref in schema["$defs"], f"dangling $ref to {ref}"


def test_journey_schema_has_one_node_variant_per_kind() -> None:
    schema = journey_schema()
    items = schema["properties"]["nodes"]["items"]
    assert items["discriminator"]["propertyName"] == "kind"
    mapping = items["discriminator"]["mapping"]
    assert sorted(mapping) == sorted(REGISTRY)
    assert len(items["oneOf"]) == len(SPECS)
    for spec in SPECS:
        variant = _resolve(schema, mapping[spec.key])
        properties = variant["properties"]
        assert properties["kind"]["const"] == spec.key
        assert set(variant["required"]) == {"id", "kind"}
        assert variant["additionalProperties"] is False
        config = properties["config"]
        if spec.has_config:
            assert {"type": "null"} in config["anyOf"], spec.key  # optional: may be null
        else:
            assert config["type"] == "null", spec.key  # start and exit take no config


def test_durations_and_times_of_day_are_described_as_the_files_write_them() -> None:
    schema = journey_schema()
    quiet = schema["$defs"]["QuietHours"]["properties"]["start"]
    assert _errors("21:00", quiet, schema) == []
    assert _errors("21:00:00Z", quiet, schema) != []
    per = schema["$defs"]["FrequencyCap"]["properties"]["per"]
    assert _errors("7d", per, schema) == []
    assert _errors("P1W", per, schema) == []
    assert _errors("-1d", per, schema) != []
    assert _errors("1mo", per, schema) != []


def _sample_paths(pattern: str) -> list[Path]:
    paths = sorted(SAMPLES.glob(pattern))
    assert paths, f"no samples match {pattern}"
    return paths


@pytest.mark.parametrize("path", _sample_paths("*.journey.json"), ids=lambda path: path.name)
def test_sample_journey_loads_and_matches_the_schema(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    load_journey(text, path.name)
    schema = journey_schema()
    assert _errors(json.loads(text), schema, schema) == []


@pytest.mark.parametrize("path", _sample_paths("*.segment.json"), ids=lambda path: path.name)
def test_sample_segment_loads_and_matches_the_schema(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    load_segment(text, path.name)
    schema = segment_schema()
    assert _errors(json.loads(text), schema, schema) == []


def test_schema_refuses_what_the_loader_refuses() -> None:
    schema = journey_schema()
    data = json.loads((SAMPLES / "re-engagement.journey.json").read_text(encoding="utf-8"))
    data["nodes"][1]["config"]["subjcet"] = "typo"
    assert _errors(data, schema, schema) != []
    data = json.loads((SAMPLES / "re-engagement.journey.json").read_text(encoding="utf-8"))
    data["nodes"][0]["config"] = {"subject": "start nodes take no config"}
    assert _errors(data, schema, schema) != []
    data = json.loads((SAMPLES / "re-engagement.journey.json").read_text(encoding="utf-8"))
    data["nodes"][2]["kind"] = "teleport"
    assert _errors(data, schema, schema) != []


# -- a small JSON Schema checker: the keywords pydantic emits, nothing more ------------------

_TYPES: dict[str, Any] = {
    "object": dict,
    "array": list,
    "string": str,
    "boolean": bool,
    "null": type(None),
}


def _resolve(root: dict[str, Any], ref: str) -> dict[str, Any]:
    assert ref.startswith("#/$defs/"), ref
    resolved: dict[str, Any] = root["$defs"][ref.removeprefix("#/$defs/")]
    return resolved


def _has_type(value: Any, name: str) -> bool:
    if name == "integer":
        return isinstance(value, int) and not isinstance(value, bool)
    if name == "number":
        return isinstance(value, int | float) and not isinstance(value, bool)
    return isinstance(value, _TYPES[name])


def _errors(value: Any, schema: dict[str, Any], root: dict[str, Any], at: str = "$") -> list[str]:
    """Why ``value`` does not match ``schema`` (empty when it does)."""
    if "$ref" in schema:
        return _errors(value, _resolve(root, schema["$ref"]), root, at)
    if "anyOf" in schema and all(_errors(value, option, root, at) for option in schema["anyOf"]):
        return [f"{at}: matches none of anyOf"]
    if "oneOf" in schema:
        matches = sum(not _errors(value, option, root, at) for option in schema["oneOf"])
        if matches != 1:
            return [f"{at}: matches {matches} of oneOf, not exactly one"]
    if "type" in schema and not _has_type(value, schema["type"]):
        return [f"{at}: {value!r} is not of type {schema['type']}"]
    if "const" in schema and value != schema["const"]:
        return [f"{at}: {value!r} is not {schema['const']!r}"]
    if "enum" in schema and value not in schema["enum"]:
        return [f"{at}: {value!r} is not one of {schema['enum']}"]
    problems: list[str] = []
    if isinstance(value, str) and "pattern" in schema and not re.search(schema["pattern"], value):
        problems.append(f"{at}: {value!r} does not match {schema['pattern']}")
    if isinstance(value, str) and len(value) > schema.get("maxLength", len(value)):
        problems.append(f"{at}: longer than {schema['maxLength']}")
    if _has_type(value, "number"):
        if value < schema.get("minimum", value) or value > schema.get("maximum", value):
            problems.append(f"{at}: {value} is out of range")
        if "exclusiveMinimum" in schema and value <= schema["exclusiveMinimum"]:
            problems.append(f"{at}: {value} is not above {schema['exclusiveMinimum']}")
    if isinstance(value, list):
        problems += _array_errors(value, schema, root, at)
    if isinstance(value, dict):
        problems += _object_errors(value, schema, root, at)
    return problems


def _array_errors(
    value: list[Any], schema: dict[str, Any], root: dict[str, Any], at: str
) -> list[str]:
    problems: list[str] = []
    if not schema.get("minItems", 0) <= len(value) <= schema.get("maxItems", len(value)):
        problems.append(f"{at}: {len(value)} items is out of range")
    prefix = schema.get("prefixItems", [])
    for index, item in enumerate(value):
        item_schema = prefix[index] if index < len(prefix) else schema.get("items", {})
        problems += _errors(item, item_schema, root, f"{at}[{index}]")
    return problems


def _object_errors(
    value: dict[str, Any], schema: dict[str, Any], root: dict[str, Any], at: str
) -> list[str]:
    properties = schema.get("properties", {})
    problems = [
        f"{at}: {key!r} is required" for key in schema.get("required", []) if key not in value
    ]
    for key, item in value.items():
        if key in properties:
            problems += _errors(item, properties[key], root, f"{at}.{key}")
        elif schema.get("additionalProperties") is False:
            problems.append(f"{at}: {key!r} is not allowed")
    return problems
