"""What the builder offers for a field: its label, its type, the operators that fit the type and
the words for them, and how a typed value becomes the condition's JSON value.

Types: ``text`` (with a list of the values present for ``choice``-like fields), ``number``
(``integer`` / ``decimal`` attributes), ``boolean`` and ``datetime``. The operator lists follow
DESIGN §3: text has equality, lists and text matching; numbers order; dates have relative
windows (``within_last`` / ``more_than_ago``), ``before`` / ``after`` and ``between``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from app.domain.conditions import ATTRIBUTE_PREFIX, CONTACT_FIELDS, Op, Scalar

FIELD_LABELS: dict[str, str] = {
    "email": "Email",
    "first_name": "First name",
    "last_name": "Last name",
    "country": "Country",
    "region": "Region",
    "city": "City",
    "company": "Company",
    "kind": "Contact or lead",
    "owner": "Owner",
    "phone": "Phone",
    "timezone": "Time zone",
    "external_id": "External id",
    "email_opt_in": "Email consent",
    "sms_opt_in": "SMS consent",
    "push_opt_in": "Push consent",
    "created_at": "Created",
    "updated_at": "Updated",
}
"""Built-in fields in the order the field list shows them."""

CHOICE_FIELDS = frozenset({"kind", "country", "region", "city", "company", "owner", "timezone"})
"""Text fields with few distinct values: the builder offers the values present."""

OP_LABELS: dict[Op, str] = {
    Op.EQ: "is",
    Op.NE: "is not",
    Op.IN: "is one of",
    Op.NOT_IN: "is none of",
    Op.CONTAINS: "contains",
    Op.STARTS_WITH: "starts with",
    Op.ENDS_WITH: "ends with",
    Op.IS_EMPTY: "is empty",
    Op.IS_NOT_EMPTY: "is not empty",
    Op.GT: "is more than",
    Op.GTE: "is at least",
    Op.LT: "is less than",
    Op.LTE: "is at most",
    Op.BETWEEN: "is between",
    Op.WITHIN_LAST: "is in the last",
    Op.MORE_THAN_AGO: "is more than … ago",
    Op.BEFORE: "is before",
    Op.AFTER: "is after",
}

_EMPTY = [Op.IS_EMPTY, Op.IS_NOT_EMPTY]
OPS_BY_TYPE: dict[str, list[Op]] = {
    "text": [Op.EQ, Op.NE, Op.IN, Op.NOT_IN, Op.CONTAINS, Op.STARTS_WITH, Op.ENDS_WITH, *_EMPTY],
    "number": [Op.EQ, Op.NE, Op.GT, Op.GTE, Op.LT, Op.LTE, Op.BETWEEN, Op.IN, Op.NOT_IN, *_EMPTY],
    "boolean": [Op.EQ, Op.NE, *_EMPTY],
    "datetime": [Op.WITHIN_LAST, Op.MORE_THAN_AGO, Op.BEFORE, Op.AFTER, Op.BETWEEN, *_EMPTY],
}
PROPERTY_OPS = [Op.EQ, Op.NE, Op.GT, Op.GTE, Op.LT, Op.LTE, Op.IN, Op.CONTAINS, *_EMPTY]
"""Operators offered for event property filters, whose type comes from the value typed."""

_TYPES = {"text": "text", "choice": "text", "integer": "number", "decimal": "number"}


@dataclass(frozen=True)
class FieldSpec:
    name: str
    """``country`` or ``attributes.lifetime_value``: what the condition's ``field`` holds."""
    label: str
    type: str
    """``text``, ``number``, ``boolean`` or ``datetime``."""
    integer: bool = False

    @property
    def has_choices(self) -> bool:
        return self.name in CHOICE_FIELDS

    @property
    def operators(self) -> list[Op]:
        return OPS_BY_TYPE[self.type]


def field_specs(attributes: dict[str, str]) -> list[FieldSpec]:
    """The built-in fields, then the workspace's custom attributes (typed by the catalogue)."""
    specs = [
        FieldSpec(name, label, _type(CONTACT_FIELDS[name])) for name, label in FIELD_LABELS.items()
    ]
    for key, kind in sorted(attributes.items()):
        specs.append(FieldSpec(ATTRIBUTE_PREFIX + key, key, _type(kind), kind == "integer"))
    return specs


def _type(kind: str) -> str:
    return _TYPES.get(kind, kind)


def spec_for(name: str, specs: list[FieldSpec]) -> FieldSpec:
    """The spec of a field; an attribute missing from the catalogue is text."""
    for spec in specs:
        if spec.name == name:
            return spec
    label = name.removeprefix(ATTRIBUTE_PREFIX)
    return FieldSpec(name, label, "text")


def default_op(spec: FieldSpec) -> Op:
    return {"text": Op.IN if spec.has_choices else Op.EQ, "number": Op.GTE}.get(
        spec.type, Op.WITHIN_LAST if spec.type == "datetime" else Op.EQ
    )


def default_value(spec: FieldSpec, op: Op, today: datetime) -> Scalar | list[Scalar] | None:
    """What a condition starts with after its field or operator changes (None: choose one);
    dates start at ``today`` (midnight UTC), a date range at the 30 days before it."""
    if op in (Op.IS_EMPTY, Op.IS_NOT_EMPTY):
        return None
    if spec.type == "boolean":
        return True
    if op in (Op.WITHIN_LAST, Op.MORE_THAN_AGO):
        return "30d"
    midnight = today.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    if op in (Op.BEFORE, Op.AFTER):
        return iso_text(midnight)
    if op is Op.BETWEEN and spec.type == "datetime":
        return [iso_text(midnight - timedelta(days=30)), iso_text(midnight)]
    if op in (Op.IN, Op.NOT_IN):
        return []
    return None


def iso_text(moment: datetime) -> str:
    """``2026-01-31T09:00:00Z``: how the builder writes date-times."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_number(text: str, integer: bool) -> int | float | str:
    """A typed number (``12``, ``1.5``, ``1,000``); text that is not a number stays text so
    that the check says what is wrong."""
    cleaned = text.strip().replace(",", "").replace("_", "")
    try:
        number = float(cleaned)
    except ValueError:
        return text.strip()
    if integer or (number.is_integer() and "." not in cleaned and "e" not in cleaned.lower()):
        return int(number)
    return number


def parse_property_value(text: str) -> Scalar:
    """An event property value as typed: ``true``/``false``, a number, else text."""
    stripped = text.strip()
    if stripped.lower() in ("true", "false"):
        return stripped.lower() == "true"
    number = parse_number(stripped, integer=False)
    return number if stripped else ""


def split_list(text: str) -> list[str]:
    """``DE, AT`` → ``["DE", "AT"]`` (empty items dropped)."""
    return [item.strip() for item in text.split(",") if item.strip()]


def join_list(values: object) -> str:
    if isinstance(values, list):
        return ", ".join(_plain(value) for value in values)
    return "" if values is None else _plain(values)


def _plain(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
