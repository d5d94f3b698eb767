"""The journey document (``*.journey.json``, DESIGN §4): settings, nodes and edges.

A node keeps its ``config`` as the JSON object the file holds, so a draft that is still
incomplete loads, saves and round-trips unchanged; :meth:`Node.typed_config` gives the
checked model of its kind (see :mod:`app.domain.node_configs`). Positions are canvas data and
part of the document; analytics and runtime state never are.
"""

from __future__ import annotations

import uuid
from typing import Any, Literal

from pydantic import (
    AwareDatetime,
    Field,
    SerializerFunctionWrapHandler,
    field_serializer,
    model_serializer,
)

from app.domain.base import ClockTime, Name, StrictModel, TimeZoneName
from app.domain.conditions import EventFilter
from app.domain.durations import Duration
from app.domain.node_configs import NodeConfig
from app.domain.registry import NEXT, NodeKind, NodeSpec, spec_for
from app.domain.segment import Audience

JOURNEY_SCHEMA_VERSION: Literal[1] = 1


class Goal(EventFilter):
    """A conversion: a goal event after entering; ``exit_on_goal`` ends the run there."""

    target_percent: float | None = Field(default=None, ge=0, le=100)
    exit_on_goal: bool = False

    @field_serializer("target_percent")
    def _whole_percent_as_int(self, value: float | None) -> float | int | None:
        return int(value) if value is not None and float(value).is_integer() else value


class QuietHours(StrictModel):
    """No commercial message is sent between ``start`` and ``end``, local time."""

    start: ClockTime
    end: ClockTime


class FrequencyCap(StrictModel):
    """At most ``max_messages`` commercial messages per contact in any window of ``per``."""

    max_messages: int = Field(ge=1)
    per: Duration


ReEntry = Literal["never", "after_exit", "after_rejoin"]


class JourneySettings(StrictModel):
    audience: Audience = "contact"
    entry_segment: str | None = None
    exclusion_segments: list[Name] = Field(default_factory=list)
    re_entry: ReEntry = "never"
    re_entry_after: Duration | None = None
    exit_on_segment_leave: bool = True
    exit_events: list[EventFilter] = Field(default_factory=list)
    goal: Goal | None = None
    start_at: AwareDatetime | None = None
    end_at: AwareDatetime | None = None
    timezone: TimeZoneName = "UTC"
    quiet_hours: QuietHours | None = None
    frequency_cap: FrequencyCap | None = None


Position = tuple[float, float]


class Node(StrictModel):
    id: Name
    kind: NodeKind
    title: str = ""
    position: Position = (0.0, 0.0)
    config: dict[str, Any] | None = None

    @field_serializer("position")
    def _whole_numbers_as_ints(self, position: Position) -> list[float | int]:
        return [int(value) if float(value).is_integer() else value for value in position]

    @property
    def spec(self) -> NodeSpec:
        return spec_for(self.kind)

    def ports(self) -> tuple[str, ...]:
        """Out ports, read from the raw config so that incomplete drafts still have them."""
        return self.spec.ports(self.config)

    def typed_config(self) -> NodeConfig:
        """The checked config; raises ``pydantic.ValidationError`` when it is not complete."""
        return self.spec.parse_config(self.config)

    def label(self) -> str:
        """How messages name this node: its title, else its kind, with the id."""
        return f"“{self.title or self.spec.title}” ({self.id})"


class Edge(StrictModel):
    source: Name = Field(alias="from")
    port: str | None = None
    target: Name = Field(alias="to")

    @property
    def source_port(self) -> str:
        """The port this edge leaves by; a file may leave out ``next``."""
        return self.port if self.port is not None else NEXT

    @model_serializer(mode="wrap")
    def _omit_default_port(self, handler: SerializerFunctionWrapHandler) -> Any:
        data = handler(self)
        if isinstance(data, dict) and data.get("port") is None:
            data.pop("port", None)
        return data


class JourneyDocument(StrictModel):
    schema_version: Literal[1] = JOURNEY_SCHEMA_VERSION
    id: Name = Field(default_factory=lambda: str(uuid.uuid4()))
    name: Name
    description: str = ""
    settings: JourneySettings = Field(default_factory=JourneySettings)
    nodes: list[Node] = Field(default_factory=list)
    edges: list[Edge] = Field(default_factory=list)

    def node(self, node_id: str) -> Node | None:
        """The node with this id (the first, if a broken file repeats an id)."""
        return next((node for node in self.nodes if node.id == node_id), None)

    def to_json(self) -> str:
        """The document as saved: UTF-8 JSON, two-space indent, aliases, durations as text."""
        return self.model_dump_json(indent=2) + "\n"

    def to_data(self) -> dict[str, Any]:
        """The document as plain JSON data."""
        return self.model_dump(mode="json")
