"""The segment document (``*.segment.json``, DESIGN §3).

A segment is a unique name, an audience and a definition: a condition tree. This module owns
the file shape only; compiling a definition to SQL is the store's job.
"""

from __future__ import annotations

from typing import Literal

from app.domain.base import Name, StrictModel
from app.domain.conditions import Condition, referenced_segments

SEGMENT_SCHEMA_VERSION: Literal[1] = 1

Audience = Literal["contact", "lead", "any"]
"""Which kind of people a segment or journey is for: contacts, leads, or both."""


class SegmentDocument(StrictModel):
    """A dynamic segment: everyone who matches ``definition`` at the moment it is evaluated."""

    schema_version: Literal[1] = SEGMENT_SCHEMA_VERSION
    name: Name
    description: str = ""
    audience: Audience = "contact"
    definition: Condition

    def to_json(self) -> str:
        """The segment as saved: UTF-8 JSON, two-space indent, optional empties left out."""
        return self.model_dump_json(indent=2) + "\n"

    def referenced_segments(self) -> list[str]:
        """Segments this one tests membership of, in document order."""
        return referenced_segments(self.definition)
