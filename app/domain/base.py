"""Shared building blocks of the documents: the strict model base and small value types.

Every document model forbids unknown fields (DESIGN §4: unknown fields are an error in strict
loading and preserved nowhere) and writes its aliases (``from``, ``not``) back to files.
"""

from __future__ import annotations

import re
from datetime import time
from typing import Annotated, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    PlainSerializer,
    SerializerFunctionWrapHandler,
    WithJsonSchema,
    model_serializer,
)


class StrictModel(BaseModel):
    """Base of every file model: unknown fields refused, aliases used both ways."""

    model_config = ConfigDict(
        extra="forbid",
        validate_by_alias=True,
        validate_by_name=True,
        serialize_by_alias=True,
        validate_assignment=False,
    )


class CompactModel(StrictModel):
    """A strict model that leaves out optional fields that are null or empty when saved.

    Conditions use it so that a saved segment reads like one written by hand.
    """

    @model_serializer(mode="wrap")
    def _drop_empty_optionals(self, handler: SerializerFunctionWrapHandler) -> Any:
        data = handler(self)
        if not isinstance(data, dict):
            return data
        optional = {
            field.alias or name
            for name, field in type(self).model_fields.items()
            if not field.is_required()
        }
        return {
            key: value
            for key, value in data.items()
            if key not in optional or (value is not None and value != [])
        }


def _not_blank(value: str) -> str:
    if not value.strip():
        raise ValueError("must not be empty")
    return value


Name = Annotated[str, AfterValidator(_not_blank)]
"""A name that is not empty or only spaces (journey, segment, case and variant names)."""

_CLOCK = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")


def _parse_clock(value: object) -> object:
    if isinstance(value, str):
        match = _CLOCK.match(value.strip())
        if match is None:
            raise ValueError(f"{value!r} is not a time of day; write it as HH:MM, e.g. 09:00")
        return time(int(match[1]), int(match[2]))
    return value


ClockTime = Annotated[
    time,
    BeforeValidator(_parse_clock),
    PlainSerializer(lambda value: value.strftime("%H:%M"), return_type=str),
    WithJsonSchema(
        {"type": "string", "pattern": r"^([01]\d|2[0-3]):[0-5]\d$", "examples": ["09:00"]}
    ),
]
"""A local time of day written ``HH:MM``."""


def is_timezone(name: str) -> bool:
    """Whether ``name`` is an IANA time zone known to this machine."""
    if not name or name.strip() != name or name.startswith("/") or ".." in name:
        return False
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return False
    return True


def _check_timezone(value: str) -> str:
    if not is_timezone(value):
        raise ValueError(f"{value!r} is not an IANA time zone such as Europe/Berlin or UTC")
    return value


TimeZoneName = Annotated[str, AfterValidator(_check_timezone)]
"""An IANA time zone name (``Europe/Berlin``, ``UTC``)."""
