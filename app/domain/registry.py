"""The node-kind registry: one declarative description per kind.

The palette, the property forms, the validator and the engine read a :class:`NodeSpec` and
nothing else about a kind, so adding a kind means adding one entry here (plus its executor).

Invariants: every key of :data:`NodeKind` has exactly one spec; a kind's ports are a pure
function of its (possibly incomplete) raw config, so a draft still draws its ports.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, get_args

from pydantic import TypeAdapter

from app.domain.node_configs import (
    AbTestConfig,
    BranchConfig,
    CreateTaskConfig,
    NodeConfig,
    SendEmailConfig,
    SendPushConfig,
    SendSmsConfig,
    SplitConfig,
    WaitConfig,
)

NodeKind = Literal[
    "start",
    "send_email",
    "send_sms",
    "send_push",
    "create_task",
    "wait",
    "branch",
    "split",
    "ab_test",
    "exit",
]
Category = Literal["start", "action", "flow"]
Channel = Literal["email", "sms", "push"]
Interaction = Literal["delivered", "opened", "clicked", "bounced"]

NEXT = "next"
OTHERWISE = "otherwise"

CHANNEL_INTERACTIONS: dict[Channel, tuple[Interaction, ...]] = {
    "email": ("delivered", "opened", "clicked", "bounced"),
    "sms": ("delivered", "clicked"),
    "push": ("delivered", "opened"),
}
"""Which interactions a branch may test on a message of each channel (DESIGN §4)."""

IMPLIED_BY: dict[Interaction, tuple[Interaction, ...]] = {
    "delivered": ("delivered", "opened", "clicked"),
    "opened": ("opened", "clicked"),
    "clicked": ("clicked",),
    "bounced": ("bounced",),
}
"""The interactions that show each one happened: a click implies an open (images blocked, a
privacy proxy), an open or a click implies delivery. The branch and the analytics agree on it
(DESIGN §6)."""


def interaction_event_types(channel: Channel, interaction: Interaction) -> tuple[str, ...]:
    """The event types that make a branch on ``interaction`` of a ``channel`` message hold
    (``email_opened`` and ``email_clicked`` for an email's "opened")."""
    possible = CHANNEL_INTERACTIONS[channel]
    return tuple(f"{channel}_{kind}" for kind in IMPLIED_BY[interaction] if kind in possible)


@dataclass(frozen=True)
class TemplateField:
    """A config field that holds a Jinja2 template; ``html`` ones are autoescaped.

    ``multiline`` ones are bodies (edited in a text area, kept as rendered); the others are one
    line (a subject, a title: edited in a line, trimmed when rendered).
    """

    name: str
    html: bool = False
    multiline: bool = False


def _names(items: object, key: str) -> list[str]:
    if not isinstance(items, list):
        return []
    return [
        item[key] for item in items if isinstance(item, dict) and isinstance(item.get(key), str)
    ]


def _fixed(*ports: str) -> Callable[[Mapping[str, Any]], tuple[str, ...]]:
    return lambda _config: ports


_NEXT_ONLY = _fixed(NEXT)


def _split_ports(config: Mapping[str, Any]) -> tuple[str, ...]:
    return (*_names(config.get("cases"), "name"), OTHERWISE)


def _variant_ports(config: Mapping[str, Any]) -> tuple[str, ...]:
    return tuple(_names(config.get("variants"), "name"))


@dataclass(frozen=True)
class NodeSpec:
    """What a node kind is: how it looks, what it is configured with, where it leads."""

    key: NodeKind
    title: str
    category: Category
    icon: str
    description: str
    config_type: Any = None
    channel: Channel | None = None
    templates: tuple[TemplateField, ...] = ()
    port_rule: Callable[[Mapping[str, Any]], tuple[str, ...]] = _NEXT_ONLY
    port_labels: Mapping[str, str] = field(default_factory=dict)

    def ports(self, config: Mapping[str, Any] | None) -> tuple[str, ...]:
        """The out ports of a node of this kind with this raw config, in display order."""
        return self.port_rule(config or {})

    @property
    def has_config(self) -> bool:
        return self.config_type is not None

    def adapter(self) -> TypeAdapter[Any]:
        """The pydantic adapter that checks a raw config of this kind."""
        return _adapter(self.key)

    def parse_config(self, config: Mapping[str, Any] | None) -> NodeConfig:
        """The typed config; raises ``pydantic.ValidationError`` when incomplete or wrong."""
        if self.config_type is None:
            raise TypeError(f"a {self.key} node has no configuration")
        result: NodeConfig = self.adapter().validate_python(dict(config or {}))
        return result


_EMAIL_TEMPLATES = (
    TemplateField("subject"),
    TemplateField("body_html", html=True, multiline=True),
    TemplateField("body_text", multiline=True),
)

SPECS: tuple[NodeSpec, ...] = (
    NodeSpec("start", "Start", "start", "start", "Contacts who join the entry segment start here."),
    NodeSpec(
        "send_email",
        "Email",
        "action",
        "email",
        "Send a personalised email.",
        SendEmailConfig,
        channel="email",
        templates=_EMAIL_TEMPLATES,
    ),
    NodeSpec(
        "send_sms",
        "SMS",
        "action",
        "sms",
        "Send a text message.",
        SendSmsConfig,
        channel="sms",
        templates=(TemplateField("text", multiline=True),),
    ),
    NodeSpec(
        "send_push",
        "Push",
        "action",
        "push",
        "Send a push notification.",
        SendPushConfig,
        channel="push",
        templates=(
            TemplateField("title"),
            TemplateField("body", multiline=True),
            TemplateField("url"),
        ),
    ),
    NodeSpec(
        "create_task",
        "Task",
        "action",
        "task",
        "Create a follow-up task for sales.",
        CreateTaskConfig,
        templates=(
            TemplateField("title"),
            TemplateField("description", multiline=True),
            TemplateField("assignee"),
        ),
    ),
    NodeSpec("wait", "Wait", "flow", "wait", "Hold contacts for a time.", WaitConfig),
    NodeSpec(
        "branch",
        "Branch",
        "flow",
        "branch",
        "Send contacts down yes or no by behaviour or data.",
        BranchConfig,
        port_rule=_fixed("yes", "no"),
        port_labels={"yes": "Yes", "no": "No"},
    ),
    NodeSpec(
        "split",
        "Split",
        "flow",
        "split",
        "Route contacts by the first case that matches.",
        SplitConfig,
        port_rule=_split_ports,
        port_labels={OTHERWISE: "Otherwise"},
    ),
    NodeSpec(
        "ab_test",
        "A/B test",
        "flow",
        "ab_test",
        "Split contacts at random by weight and pick a winner.",
        AbTestConfig,
        port_rule=_variant_ports,
    ),
    NodeSpec(
        "exit", "Exit", "flow", "exit", "Contacts leave the journey here.", None, port_rule=_fixed()
    ),
)

REGISTRY: dict[str, NodeSpec] = {spec.key: spec for spec in SPECS}
assert set(REGISTRY) == set(get_args(NodeKind)), "every node kind needs exactly one spec"

_ADAPTERS: dict[str, TypeAdapter[Any]] = {}


def _adapter(key: str) -> TypeAdapter[Any]:
    adapter = _ADAPTERS.get(key)
    if adapter is None:
        adapter = _ADAPTERS[key] = TypeAdapter(REGISTRY[key].config_type)
    return adapter


def spec_for(kind: str) -> NodeSpec:
    """The spec of a kind; ``KeyError`` for a kind this version does not know."""
    return REGISTRY[kind]


def palette(category: Category) -> list[NodeSpec]:
    """The kinds a marketer can drag from one palette group, in palette order."""
    return [spec for spec in SPECS if spec.category == category]
