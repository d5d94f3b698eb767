"""The ``config`` of each node kind, exactly as journey files write it (DESIGN §4).

These models say what a complete, well-typed configuration is. Drafts may be incomplete: the
loader accepts a config that lacks required fields or breaks a range, and the validator reports
it against the node and field; a config of the wrong shape (a number where text belongs, an
unknown field) is refused when the file is loaded. Ranges that need the whole journey
(weights summing to 100, waits within a year) are validation rules, not model constraints.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Literal

from pydantic import AwareDatetime, Field, NonNegativeInt, PositiveInt

from app.domain.base import ClockTime, Name, StrictModel
from app.domain.conditions import BranchCondition, Condition
from app.domain.durations import Duration, SignedDuration

SMS_MAX_LENGTH = 1600

Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
WEEKDAYS: tuple[Weekday, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class SendEmailConfig(StrictModel):
    subject: str
    body_html: str
    body_text: str = ""
    from_name: str
    from_email: str
    reply_to: str | None = None
    purpose: Literal["commercial", "transactional"] = "commercial"


class SendSmsConfig(StrictModel):
    text: str
    purpose: Literal["commercial", "transactional"] = "commercial"


class SendPushConfig(StrictModel):
    title: str
    body: str
    url: str | None = None
    purpose: Literal["commercial", "transactional"] = "commercial"


class CreateTaskConfig(StrictModel):
    title: str
    description: str = ""
    assignee: str = "{{ owner }}"
    due_in: Duration = timedelta(days=2)
    priority: Literal["low", "normal", "high"] = "normal"


class WaitDuration(StrictModel):
    """Wait a fixed time after arriving."""

    mode: Literal["duration"]
    duration: Duration


class WaitUntil(StrictModel):
    """Wait until a moment; a moment already past moves on at once."""

    mode: Literal["until"]
    at: AwareDatetime


class WaitTimeOfDay(StrictModel):
    """Wait for the next allowed day at a local time (contact's zone, else the journey's)."""

    mode: Literal["time_of_day"]
    time: ClockTime
    days: list[Weekday] = Field(default_factory=lambda: list(WEEKDAYS), min_length=1)
    timezone: Literal["contact", "journey"] = "contact"


class WaitUntilAttribute(StrictModel):
    """Wait until a date held by the contact, shifted by ``offset`` (which may be negative)."""

    mode: Literal["until_attribute"]
    field: Name
    offset: SignedDuration = timedelta(0)


WaitConfig = Annotated[
    WaitDuration | WaitUntil | WaitTimeOfDay | WaitUntilAttribute,
    Field(discriminator="mode"),
]


class BranchConfig(StrictModel):
    """Two ways out: ``yes`` when the condition holds (within ``wait_up_to``), else ``no``."""

    condition: BranchCondition
    wait_up_to: Duration = timedelta(0)


class SplitCase(StrictModel):
    name: Name
    condition: Condition


class SplitConfig(StrictModel):
    """The first case whose condition holds takes the contact; otherwise ``otherwise``."""

    cases: list[SplitCase] = Field(default_factory=list)


class Variant(StrictModel):
    name: Name
    weight: NonNegativeInt


class AbTestConfig(StrictModel):
    """A weighted random split that can pick a winner by a metric after ``decide_after``.

    The 2–5 variants and weights summing to 100 are validation rules, so a draft can be
    edited through states that break them.
    """

    variants: list[Variant]
    metric: Literal["opened", "clicked", "goal"] = "opened"
    decide_after: Duration | None = None
    min_per_variant: PositiveInt = 100


NodeConfig = (
    SendEmailConfig
    | SendSmsConfig
    | SendPushConfig
    | CreateTaskConfig
    | WaitDuration
    | WaitUntil
    | WaitTimeOfDay
    | WaitUntilAttribute
    | BranchConfig
    | SplitConfig
    | AbTestConfig
)
"""Any validated node configuration."""
