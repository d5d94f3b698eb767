"""JSON Schemas of the journey and segment files, generated from the document models.

The schemas are for editors and other tools that write ``*.journey.json`` and
``*.segment.json`` files; loading never uses them (:mod:`app.domain.loading` does). They are
generated, never hand-written, so they cannot drift from the models: ``journey-studio schema
journey|segment`` prints them and ``resources/schema/`` keeps a committed copy that a test
compares with this module's output.

A journey's :class:`~app.domain.journey.Node` keeps ``config`` as a free JSON object so that
incomplete drafts load. For the schema only, each kind in the registry gets its own node model
whose ``config`` is that kind's config model, and ``nodes`` is a union of them told apart by
``kind``. The journey schema therefore describes a *complete* document: a draft the designer
saves with a config still missing a required field loads fine but does not match the schema.

Invariant: pure and deterministic; the same models give the same schema, key for key.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, Union

from pydantic import BaseModel, Field, create_model

from app.domain.base import Name
from app.domain.journey import JourneyDocument, Node, Position
from app.domain.registry import SPECS, NodeSpec
from app.domain.segment import SegmentDocument

JSON_SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"
SCHEMA_BASE_URL = "https://journey-studio.example/schema/"


def journey_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of a complete ``*.journey.json`` file."""
    return _document_schema(
        _journey_schema_model(),
        file_name="journey.schema.json",
        title="Journey Studio journey",
        description=(
            "A segment-based customer journey: settings, nodes and edges. Contacts who join the "
            "entry segment start at the start node and follow the edges until an exit. Each "
            "node's config is described per kind, as a complete configuration."
        ),
    )


def segment_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of a ``*.segment.json`` file."""
    return _document_schema(
        SegmentDocument,
        file_name="segment.schema.json",
        title="Journey Studio segment",
        description=(
            "A dynamic segment: a unique name, an audience and a definition, a tree of all / "
            "any / not groups over attribute, behaviour and segment-membership conditions."
        ),
    )


def _document_schema(
    model: type[BaseModel], *, file_name: str, title: str, description: str
) -> dict[str, Any]:
    generated = model.model_json_schema(by_alias=True, mode="validation")
    defs = generated.pop("$defs", None)
    generated.pop("title", None)
    generated.pop("description", None)
    schema: dict[str, Any] = {
        "$schema": JSON_SCHEMA_DIALECT,
        "$id": SCHEMA_BASE_URL + file_name,
        "title": title,
        "description": description,
        **generated,
    }
    if defs:
        schema["$defs"] = defs
    return schema


def _journey_schema_model() -> type[BaseModel]:
    """:class:`JourneyDocument` with ``nodes`` typed per kind (for the schema only)."""
    variants = tuple(_node_model(spec) for spec in SPECS)
    # Built at run time from the registry, so typed Any: neither mypy nor the ``X | Y`` spelling
    # (ruff's UP007) can express a union of a tuple of classes.
    any_node: Any = Annotated[Union[variants], Field(discriminator="kind")]  # noqa: UP007
    return create_model(
        "JourneyDocument",
        __base__=JourneyDocument,
        __doc__=JourneyDocument.__doc__,
        nodes=(list[any_node], Field(default_factory=list)),
    )


def _node_model(spec: NodeSpec) -> type[BaseModel]:
    """A node of one kind: ``kind`` fixed, ``config`` typed by the kind's config model."""
    kind: Any = Literal[spec.key]  # one literal per kind, known only at run time
    config: Any = (spec.config_type | None, None) if spec.has_config else (None, None)
    return create_model(
        _model_name(spec.key),
        __config__=Node.model_config,
        __doc__=f"{spec.title} node: {spec.description}",
        id=(Name, ...),
        kind=(kind, ...),
        title=(str, ""),
        position=(Position, (0.0, 0.0)),
        config=config,
    )


def _model_name(key: str) -> str:
    """``send_email`` → ``SendEmailNode``."""
    return "".join(part.capitalize() for part in key.split("_")) + "Node"
