"""The condition language of segments, branches, splits, goals and exit events (DESIGN §3).

A condition is one of: a group (``all``, ``any``, ``not``), an attribute condition on a contact
field, a behaviour condition on events, or membership of another segment. Groups nest without
limit. A branch may also use an ``interaction`` condition on a message sent earlier in the
journey; that one lives here too so that every condition is parsed in one place.

Invariants: the operator and the shape of ``value`` agree (``in`` takes a list, ``between`` two
bounds, ``within_last`` a duration, ``is_empty`` nothing); a behaviour condition has at most one
window. The meaning (empty values are false except for ``is_empty``; ``not`` inverts a whole
condition) is the store's segment compiler's to keep.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import AwareDatetime, Discriminator, Field, Tag, model_validator

from app.domain.base import CompactModel, Name
from app.domain.durations import Duration, parse_duration

CONTACT_FIELDS: dict[str, str] = {
    "external_id": "text",
    "kind": "choice",
    "email": "text",
    "phone": "text",
    "first_name": "text",
    "last_name": "text",
    "company": "text",
    "country": "text",
    "region": "text",
    "city": "text",
    "owner": "text",
    "timezone": "text",
    "email_opt_in": "boolean",
    "sms_opt_in": "boolean",
    "push_opt_in": "boolean",
    "created_at": "datetime",
    "updated_at": "datetime",
}
"""Every built-in contact field and its type (DESIGN §2); custom ones are ``attributes.<key>``."""

ATTRIBUTE_PREFIX = "attributes."

Scalar = str | int | float | bool
Value = Scalar | list[Scalar] | None


class Op(StrEnum):
    """Operators of attribute conditions and event property filters."""

    EQ = "eq"
    NE = "ne"
    IN = "in"
    NOT_IN = "not_in"
    CONTAINS = "contains"
    STARTS_WITH = "starts_with"
    ENDS_WITH = "ends_with"
    IS_EMPTY = "is_empty"
    IS_NOT_EMPTY = "is_not_empty"
    GT = "gt"
    GTE = "gte"
    LT = "lt"
    LTE = "lte"
    BETWEEN = "between"
    WITHIN_LAST = "within_last"
    MORE_THAN_AGO = "more_than_ago"
    BEFORE = "before"
    AFTER = "after"


NO_VALUE_OPS = frozenset({Op.IS_EMPTY, Op.IS_NOT_EMPTY})
LIST_OPS = frozenset({Op.IN, Op.NOT_IN})
TEXT_OPS = frozenset({Op.CONTAINS, Op.STARTS_WITH, Op.ENDS_WITH})
ORDER_OPS = frozenset({Op.GT, Op.GTE, Op.LT, Op.LTE})
DURATION_OPS = frozenset({Op.WITHIN_LAST, Op.MORE_THAN_AGO})
DATE_OPS = frozenset({Op.BEFORE, Op.AFTER})


def parse_datetime(text: str) -> datetime:
    """An ISO 8601 date-time with an offset (``Z`` or ``+02:00``); anything else is refused."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(
            f"{text!r} is not a date-time; write ISO 8601 with an offset, e.g. 2026-01-31T09:00:00Z"
        ) from None
    if moment.tzinfo is None:
        raise ValueError(f"{text!r} has no offset; add Z for UTC or one like +02:00")
    return moment


class AttributeTest(CompactModel):
    """``field op value``: used for contact fields and, in ``where``, for event properties."""

    field: Name
    op: Op
    value: Value = None

    @model_validator(mode="after")
    def _value_fits_operator(self) -> AttributeTest:
        check_value(self.op, self.value)
        return self


def check_value(op: Op, value: Value) -> None:
    """Refuse a value whose shape does not fit the operator, with a sentence saying why."""
    if op in NO_VALUE_OPS:
        if value is not None:
            raise ValueError(f"'{op}' takes no value")
    elif op in LIST_OPS:
        if not isinstance(value, list) or not value:
            raise ValueError(f"'{op}' takes a non-empty list of values")
    elif op is Op.BETWEEN:
        if not isinstance(value, list) or len(value) != 2:
            raise ValueError("'between' takes a list of two bounds: [low, high]")
        if not all(_is_orderable(bound) for bound in value):
            raise ValueError("'between' bounds are numbers or date-times")
    elif op in DURATION_OPS:
        if not isinstance(value, str):
            raise ValueError(f"'{op}' takes a duration such as 30d")
        parse_duration(value)
    elif op in DATE_OPS:
        if not isinstance(value, str):
            raise ValueError(f"'{op}' takes a date-time such as 2026-01-31T00:00:00Z")
        parse_datetime(value)
    elif op in TEXT_OPS:
        if not isinstance(value, str):
            raise ValueError(f"'{op}' takes text")
    elif op in ORDER_OPS:
        if not _is_orderable(value):
            raise ValueError(f"'{op}' takes a number or a date-time")
    elif value is None or isinstance(value, list):
        raise ValueError(f"'{op}' takes one value")


def _is_orderable(value: object) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, int | float):
        return True
    if isinstance(value, str):
        try:
            parse_datetime(value)
        except ValueError:
            return False
        return True
    return False


def is_contact_field(name: str) -> bool:
    """A built-in contact field or ``attributes.<key>``."""
    if name.startswith(ATTRIBUTE_PREFIX):
        return len(name) > len(ATTRIBUTE_PREFIX)
    return name in CONTACT_FIELDS


class ContactTest(AttributeTest):
    """A test on a contact field: a built-in one or ``attributes.<key>``."""

    @model_validator(mode="after")
    def _field_is_known(self) -> ContactTest:
        if not is_contact_field(self.field):
            raise ValueError(
                f"{self.field!r} is not a contact field; use one of "
                f"{', '.join(CONTACT_FIELDS)} or attributes.<name>"
            )
        return self


class AtLeast(CompactModel):
    at_least: int = Field(ge=0)


class AtMost(CompactModel):
    at_most: int = Field(ge=0)


class Exactly(CompactModel):
    exactly: int = Field(ge=0)


class NoneCount(CompactModel):
    none: Literal[True]


def _key_tag(value: Any) -> str | None:
    """The discriminating key of a one-key object (``{"all": …}`` → ``"all"``)."""
    if isinstance(value, dict):
        keys = [key for key in value if key in _TAGS]
        return keys[0] if len(keys) == 1 else None
    for tag, model in _TAG_MODELS.items():
        if isinstance(value, model):
            return tag
    return None


Count = Annotated[
    Annotated[AtLeast, Tag("at_least")]
    | Annotated[AtMost, Tag("at_most")]
    | Annotated[Exactly, Tag("exactly")]
    | Annotated[NoneCount, Tag("none")],
    Discriminator(
        _key_tag,
        custom_error_type="count",
        custom_error_message=(
            "a count is one of {'at_least': n}, {'at_most': n}, {'exactly': n}, {'none': true}"
        ),
    ),
]


class EventFilter(CompactModel):
    """An event type with optional property filters: exit events and goals use it."""

    event: Name
    where: list[AttributeTest] = Field(default_factory=list)


class BehaviorTest(EventFilter):
    """How often an event happened, optionally within a window."""

    count: Count = Field(default_factory=lambda: AtLeast(at_least=1))
    within: Duration | None = None
    between: tuple[AwareDatetime, AwareDatetime] | None = None

    @model_validator(mode="after")
    def _one_window(self) -> BehaviorTest:
        if self.within is not None and self.between is not None:
            raise ValueError("give either 'within' or 'between', not both")
        if self.between is not None and self.between[0] >= self.between[1]:
            raise ValueError("'between' must start before it ends")
        return self


class AttributeCondition(CompactModel):
    attribute: ContactTest


class BehaviorCondition(CompactModel):
    behavior: BehaviorTest


class SegmentCondition(CompactModel):
    segment: Name


class AllGroup(CompactModel):
    all: list[Condition]


class AnyGroup(CompactModel):
    any: list[Condition]


class NotGroup(CompactModel):
    not_: Condition = Field(alias="not")


class InteractionTest(CompactModel):
    node: Name
    interaction: Literal["delivered", "opened", "clicked", "bounced"]


class InteractionCondition(CompactModel):
    """Did this contact's message from send node ``node`` get that interaction? (branches)"""

    interaction: InteractionTest


_TAG_MODELS: dict[str, type[CompactModel]] = {
    "all": AllGroup,
    "any": AnyGroup,
    "not": NotGroup,
    "attribute": AttributeCondition,
    "behavior": BehaviorCondition,
    "segment": SegmentCondition,
    "interaction": InteractionCondition,
    "at_least": AtLeast,
    "at_most": AtMost,
    "exactly": Exactly,
    "none": NoneCount,
}
_TAGS = frozenset(_TAG_MODELS)

_CONDITION_ERROR = (
    "a condition is one object with one of the keys all, any, not, attribute, behavior, segment"
)

Condition = Annotated[
    Annotated[AllGroup, Tag("all")]
    | Annotated[AnyGroup, Tag("any")]
    | Annotated[NotGroup, Tag("not")]
    | Annotated[AttributeCondition, Tag("attribute")]
    | Annotated[BehaviorCondition, Tag("behavior")]
    | Annotated[SegmentCondition, Tag("segment")],
    Discriminator(_key_tag, custom_error_type="condition", custom_error_message=_CONDITION_ERROR),
]
"""A segment-style condition or group."""

BranchCondition = Annotated[
    Annotated[AllGroup, Tag("all")]
    | Annotated[AnyGroup, Tag("any")]
    | Annotated[NotGroup, Tag("not")]
    | Annotated[AttributeCondition, Tag("attribute")]
    | Annotated[BehaviorCondition, Tag("behavior")]
    | Annotated[SegmentCondition, Tag("segment")]
    | Annotated[InteractionCondition, Tag("interaction")],
    Discriminator(
        _key_tag,
        custom_error_type="condition",
        custom_error_message=_CONDITION_ERROR + " or interaction",
    ),
]
"""What a branch may test: a condition, or an interaction with an earlier message."""

AnyCondition = (
    AllGroup
    | AnyGroup
    | NotGroup
    | AttributeCondition
    | BehaviorCondition
    | SegmentCondition
    | InteractionCondition
)

for _model in (AllGroup, AnyGroup, NotGroup):
    _model.model_rebuild()


def walk(condition: AnyCondition) -> Iterator[AnyCondition]:
    """Every condition in the tree, the root first (depth-first, in document order)."""
    yield condition
    match condition:
        case AllGroup(all=children) | AnyGroup(any=children):
            for child in children:
                yield from walk(child)
        case NotGroup(not_=child):
            yield from walk(child)
        case _:
            pass


def referenced_segments(condition: AnyCondition) -> list[str]:
    """Names of the segments a condition tree tests membership of, in document order."""
    return [item.segment for item in walk(condition) if isinstance(item, SegmentCondition)]
