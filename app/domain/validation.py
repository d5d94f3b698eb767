"""The journey validator: every rule of DESIGN §4 "Validation", as findings a marketer reads.

``validate_journey`` never raises on a document that loaded: broken graphs, unknown ports,
cycles and incomplete configs all become findings. Errors block going live; warnings do not.
Each finding has a stable ``code`` (tests, the issues panel and scripts key on it), the node id
it concerns (or ``settings``), the field where one applies, and a sentence.

The domain knows no workspace: segment names (and, optionally, custom attribute names) come in
as parameters, and so does ``now`` for the rules about dates at go-live.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Collection
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

import networkx as nx
from pydantic import ValidationError

from app.domain.conditions import (
    CONTACT_FIELDS,
    InteractionCondition,
    referenced_segments,
)
from app.domain.durations import describe_duration
from app.domain.journey import JourneyDocument, Node
from app.domain.loading import friendly_message, json_path
from app.domain.node_configs import (
    SMS_MAX_LENGTH,
    AbTestConfig,
    BranchConfig,
    NodeConfig,
    SendEmailConfig,
    SendSmsConfig,
    SplitConfig,
    WaitDuration,
    WaitUntil,
    WaitUntilAttribute,
)
from app.domain.registry import CHANNEL_INTERACTIONS, OTHERWISE, REGISTRY, NodeSpec
from app.domain.templates import TemplateProblem, check_template, template_variables

Severity = Literal["error", "warning"]
SETTINGS = "settings"
MAX_WAIT = timedelta(days=365)
MIN_RE_ENTRY = timedelta(hours=1)
TEMPLATE_CONTEXT_VARIABLES = ("journey.name", "unsubscribe_url", "view_url")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@dataclass(frozen=True)
class Finding:
    """One thing the validator found: what, where, how bad."""

    severity: Severity
    code: str
    node: str
    field: str | None
    message: str

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def has_errors(findings: Collection[Finding]) -> bool:
    return any(finding.severity == "error" for finding in findings)


def template_variables_known(known_attributes: Collection[str] | None) -> set[str]:
    """The variables a template may use without a default."""
    attributes = (
        {"attributes.*"}
        if known_attributes is None
        else {f"attributes.{name}" for name in known_attributes}
    )
    return {*CONTACT_FIELDS, *TEMPLATE_CONTEXT_VARIABLES, *attributes}


def validate_journey(
    document: JourneyDocument,
    *,
    known_segments: Collection[str] | None = None,
    known_attributes: Collection[str] | None = None,
    now: datetime | None = None,
) -> list[Finding]:
    """All findings for ``document``, settings first, then by node in document order.

    ``known_segments`` None skips the segment-existence checks; ``now`` None skips the rules
    about moments that must lie in the future at go-live.
    """
    check = _Check(document, known_segments, known_attributes, now)
    findings = check.run()
    order = {node.id: index for index, node in enumerate(document.nodes)}
    severity_rank = {"error": 0, "warning": 1}
    return sorted(
        findings,
        key=lambda f: (
            f.node != SETTINGS,
            order.get(f.node, len(order)),
            severity_rank[f.severity],
        ),
    )


class _Check:
    """One validation run; holds the graph built once for all the graph rules."""

    def __init__(
        self,
        document: JourneyDocument,
        known_segments: Collection[str] | None,
        known_attributes: Collection[str] | None,
        now: datetime | None,
    ) -> None:
        self.document = document
        self.segments = None if known_segments is None else set(known_segments)
        self.variables = template_variables_known(known_attributes)
        self.now = now
        self.nodes: dict[str, Node] = {}
        for node in document.nodes:
            self.nodes.setdefault(node.id, node)
        self.graph: nx.DiGraph[str] = nx.DiGraph()
        self.graph.add_nodes_from(self.nodes)
        self.starts = [node.id for node in document.nodes if node.kind == "start"]
        self.connected: dict[str, set[str]] = {node_id: set() for node_id in self.nodes}
        self.findings: list[Finding] = []
        self._dominators: dict[str, str] | None = None

    def error(self, code: str, node: str, message: str, field: str | None = None) -> None:
        self.findings.append(Finding("error", code, node, field, message))

    def warning(self, code: str, node: str, message: str, field: str | None = None) -> None:
        self.findings.append(Finding("warning", code, node, field, message))

    def run(self) -> list[Finding]:
        self.check_settings()
        self.check_nodes_and_edges()
        self.check_graph()
        for node in self.nodes.values():
            self.check_node(node)
        return self.findings

    # -- settings -------------------------------------------------------------------------

    def check_settings(self) -> None:
        settings = self.document.settings
        entry = (settings.entry_segment or "").strip()
        if not entry:
            self.error(
                "entry_segment.missing",
                SETTINGS,
                "Choose the segment whose members enter this journey.",
                "entry_segment",
            )
        else:
            self.check_segment_exists(entry, SETTINGS, "entry_segment", "The entry segment")
        for index, name in enumerate(settings.exclusion_segments):
            field = f"exclusion_segments[{index}]"
            if name == entry:
                self.error(
                    "exclusion_segment.same_as_entry",
                    SETTINGS,
                    f"“{name}” is both the entry and an exclusion segment: nobody could enter.",
                    field,
                )
            else:
                self.check_segment_exists(name, SETTINGS, field, "The exclusion segment")
        if settings.re_entry == "after_exit":
            after = settings.re_entry_after
            if after is None:
                self.error(
                    "re_entry.after_missing",
                    SETTINGS,
                    "Say how long after leaving a contact may enter again (at least 1 hour).",
                    "re_entry_after",
                )
            elif after < MIN_RE_ENTRY:
                self.error(
                    "re_entry.after_too_short",
                    SETTINGS,
                    f"Re-entry after {describe_duration(after)} is too soon; the least is 1 hour.",
                    "re_entry_after",
                )
        start_at, end_at = settings.start_at, settings.end_at
        if start_at is not None and end_at is not None and end_at <= start_at:
            self.error(
                "schedule.end_before_start",
                SETTINGS,
                "The journey's end is not after its start.",
                "end_at",
            )
        elif end_at is not None and self.now is not None and end_at <= self.now:
            self.error(
                "schedule.end_in_past",
                SETTINGS,
                "The journey's end date has already passed.",
                "end_at",
            )
        quiet = settings.quiet_hours
        if quiet is not None and quiet.start == quiet.end:
            self.warning(
                "quiet_hours.empty",
                SETTINGS,
                "Quiet hours start and end at the same time, so they hold nothing back.",
                "quiet_hours",
            )

    def check_segment_exists(self, name: str, node: str, field: str, what: str) -> None:
        if self.segments is not None and name not in self.segments:
            self.error(
                "segment.unknown",
                node,
                f"{what} “{name}” does not exist in this workspace.",
                field,
            )

    # -- structure ------------------------------------------------------------------------

    def check_nodes_and_edges(self) -> None:
        if not self.starts:
            self.error("start.missing", SETTINGS, "The journey has no start node.")
        for extra in self.starts[1:]:
            self.error(
                "start.multiple",
                extra,
                "A journey has exactly one start; remove this extra start node.",
            )
        counts = Counter(node.id for node in self.document.nodes)
        for node_id, count in counts.items():
            if count > 1:
                self.error(
                    "node.duplicate_id",
                    node_id,
                    f"{count} nodes share the id “{node_id}”; node ids must be unique.",
                    "id",
                )
        for index, edge in enumerate(self.document.edges):
            self.check_edge(index, edge.source, edge.source_port, edge.target)

    def check_edge(self, index: int, source: str, port: str, target: str) -> None:
        field = f"edges[{index}]"
        origin, destination = self.nodes.get(source), self.nodes.get(target)
        if origin is None or destination is None:
            missing = source if origin is None else target
            self.error(
                "edge.unknown_node",
                source if origin is not None else target if destination else source,
                f"A connection refers to a node “{missing}” that is not in the journey.",
                field,
            )
            return
        ports = origin.ports()
        if port not in ports:
            offered = ", ".join(ports) if ports else "none"
            self.error(
                "edge.unknown_port",
                source,
                f"{origin.label()} has no way out called “{port}” (its ways out: {offered}).",
                f"{field}.port",
            )
            return
        if destination.kind == "start":
            self.error(
                "edge.into_start",
                source,
                f"{origin.label()} connects back into the start node; nothing may lead there.",
                field,
            )
            return
        if port in self.connected[source]:
            self.error(
                "port.multiple_edges",
                source,
                f"The “{port}” way out of {origin.label()} is connected more than once; "
                "each way out leads to one node.",
                f"{field}.port",
            )
            return
        self.connected[source].add(port)
        self.graph.add_edge(source, target)

    def check_graph(self) -> None:
        for component in nx.strongly_connected_components(self.graph):
            looped = len(component) > 1 or any(
                self.graph.has_edge(node_id, node_id) for node_id in component
            )
            if looped:
                ordered = [node.id for node in self.document.nodes if node.id in component]
                names = " → ".join(self.nodes[node_id].label() for node_id in ordered)
                self.error(
                    "graph.cycle",
                    ordered[0],
                    f"These nodes form a loop: {names}. Journeys cannot go back to an "
                    "earlier step.",
                )
        reachable: set[str] = set()
        for start in self.starts:
            reachable |= {start, *nx.descendants(self.graph, start)}
        for node_id, node in self.nodes.items():
            if self.starts and node_id not in reachable:
                self.error(
                    "node.unreachable",
                    node_id,
                    f"{node.label()} cannot be reached from the start.",
                )
            self.check_ports(node)

    def check_ports(self, node: Node) -> None:
        ports = node.ports()
        used = self.connected.get(node.id, set())
        if node.kind == "exit":
            return
        if not used:
            if node.kind == "start":
                self.error("start.unconnected", node.id, "The start node leads nowhere yet.")
            else:
                self.warning(
                    "path.dead_end",
                    node.id,
                    f"Nothing follows {node.label()}; contacts complete the journey there. "
                    "Add an exit to make that explicit.",
                )
            return
        unused = [port for port in ports if port not in used]
        if unused:
            listed = ", ".join(f"“{port}”" for port in unused)
            self.error(
                "ports.partly_connected",
                node.id,
                f"{node.label()} has ways out that lead nowhere: {listed}. Connect every way "
                "out, or none.",
                "ports",
            )

    # -- nodes ----------------------------------------------------------------------------

    def check_node(self, node: Node) -> None:
        spec = REGISTRY.get(node.kind)
        if spec is None:
            self.error("node.unknown_kind", node.id, f"“{node.kind}” is not a kind of node.")
            return
        if not spec.has_config:
            if node.config:
                self.error(
                    "config.unexpected",
                    node.id,
                    f"A {spec.title.lower()} node takes no settings.",
                    "config",
                )
            return
        typed = self.check_config(node, spec)
        self.check_templates(node, spec)
        if typed is None:
            return
        for check in _RULES.get(type(typed), ()):
            check(self, node, typed)

    def check_config(self, node: Node, spec: NodeSpec) -> NodeConfig | None:
        raw = node.config or {}
        try:
            typed = spec.parse_config(raw)
        except ValidationError as error:
            for item in error.errors():
                field = json_path(item["loc"], raw, missing=item["type"] == "missing")
                if item["type"] == "union_tag_not_found":
                    field = field or "mode"
                self.error(
                    "config.invalid",
                    node.id,
                    f"{node.label()}: {field or 'settings'} {_config_message(item)}",
                    field or None,
                )
            return None
        for name, info in type(typed).model_fields.items():
            value = getattr(typed, name)
            if info.is_required() and isinstance(value, str) and not value.strip():
                self.error(
                    "config.empty",
                    node.id,
                    f"{node.label()}: {name.replace('_', ' ')} is empty.",
                    name,
                )
        return typed

    def check_templates(self, node: Node, spec: NodeSpec) -> None:
        raw = node.config or {}
        for template in spec.templates:
            source = raw.get(template.name)
            if not isinstance(source, str) or not source:
                continue
            for problem in check_template(
                source, html=template.html, known_variables=self.variables
            ):
                where = f" (line {problem.line})" if problem.line else ""
                self.findings.append(
                    Finding(
                        problem.severity,
                        problem.code,
                        node.id,
                        template.name,
                        f"{node.label()}, {template.name.replace('_', ' ')}{where}: "
                        f"{problem.message}",
                    )
                )

    def check_email(self, node: Node, config: SendEmailConfig) -> None:
        for field in ("from_email", "reply_to"):
            address = getattr(config, field)
            if address and "{{" not in address and not _EMAIL.match(address):
                self.error(
                    "email.address_invalid",
                    node.id,
                    f"{node.label()}: “{address}” is not an email address.",
                    field,
                )
        if "unsubscribe_url" in _variables(config.body_html):
            return
        if config.purpose == "commercial":
            self.error(
                "email.no_unsubscribe",
                node.id,
                f"{node.label()} is a commercial email without an unsubscribe link; add "
                "{{ unsubscribe_url }} to its HTML body.",
                "body_html",
            )
        else:
            self.warning(
                "email.no_unsubscribe",
                node.id,
                f"{node.label()} is a transactional email without an unsubscribe link.",
                "body_html",
            )

    def check_sms(self, node: Node, config: SendSmsConfig) -> None:
        length = len(config.text)
        if length > SMS_MAX_LENGTH:
            self.error(
                "sms.too_long",
                node.id,
                f"{node.label()}: the text is {length:,} characters; the most is "
                f"{SMS_MAX_LENGTH:,}.",
                "text",
            )

    def check_wait(self, node: Node, config: NodeConfig) -> None:
        if isinstance(config, WaitDuration):
            self.check_wait_length(node, config.duration, "duration")
        elif isinstance(config, WaitUntil) and self.now is not None:
            if config.at <= self.now:
                self.error(
                    "wait.until_past",
                    node.id,
                    f"{node.label()} waits until a moment that has already passed.",
                    "at",
                )
            else:
                self.check_wait_length(node, config.at - self.now, "at")
        elif isinstance(config, WaitUntilAttribute):
            kind = CONTACT_FIELDS.get(config.field)
            if not config.field.startswith("attributes.") and kind != "datetime":
                self.error(
                    "wait.field_not_date",
                    node.id,
                    f"{node.label()} waits for “{config.field}”, which is not a date.",
                    "field",
                )
            if abs(config.offset) > MAX_WAIT:
                self.error(
                    "wait.too_long",
                    node.id,
                    f"{node.label()}: the offset is more than 365 days.",
                    "offset",
                )

    def check_wait_length(self, node: Node, length: timedelta, field: str) -> None:
        if length <= timedelta(0):
            self.error("wait.not_positive", node.id, f"{node.label()} waits no time.", field)
        elif length > MAX_WAIT:
            self.error(
                "wait.too_long",
                node.id,
                f"{node.label()} waits {describe_duration(length)}; the most is 365 days.",
                field,
            )

    def check_branch(self, node: Node, config: BranchConfig) -> None:
        if config.wait_up_to > MAX_WAIT:
            self.error(
                "wait.too_long",
                node.id,
                f"{node.label()} waits up to {describe_duration(config.wait_up_to)}; "
                "the most is 365 days.",
                "wait_up_to",
            )
        condition = config.condition
        if isinstance(condition, InteractionCondition):
            self.check_interaction(node, condition)
        else:
            self.check_condition_segments(node, referenced_segments(condition), "condition")

    def check_interaction(self, node: Node, condition: InteractionCondition) -> None:
        test = condition.interaction
        field = "condition.interaction.node"
        sender = self.nodes.get(test.node)
        channel = REGISTRY[sender.kind].channel if sender is not None else None
        if sender is None or channel is None:
            what = "is not in the journey" if sender is None else "does not send a message"
            self.error(
                "branch.not_a_message",
                node.id,
                f"{node.label()} asks about the message of “{test.node}”, which {what}.",
                field,
            )
            return
        if test.interaction not in CHANNEL_INTERACTIONS[channel]:
            allowed = ", ".join(CHANNEL_INTERACTIONS[channel])
            self.error(
                "branch.interaction_channel",
                node.id,
                f"{node.label()} asks whether {sender.label()} was {test.interaction}, "
                f"but {channel.upper() if channel == 'sms' else channel} messages can only be "
                f"{allowed}.",
                "condition.interaction.interaction",
            )
        if not self.is_upstream_on_every_path(sender.id, node.id):
            self.error(
                "branch.not_upstream",
                node.id,
                f"{node.label()} asks about {sender.label()}, but not every contact who reaches "
                "the branch has passed that message first.",
                field,
            )

    def is_upstream_on_every_path(self, sender: str, branch: str) -> bool:
        """Whether every path from the start to ``branch`` passes ``sender`` (dominance)."""
        if sender == branch:
            return False
        dominators = self.dominators()
        if dominators is None or branch not in dominators:
            return True  # no single start, or unreachable: reported on their own
        current = branch
        while current != self.starts[0]:
            current = dominators[current]
            if current == sender:
                return True
        return False

    def dominators(self) -> dict[str, str] | None:
        """Immediate dominators from the start, computed once per run (None without one start)."""
        if len(self.starts) != 1:
            return None
        if self._dominators is None:
            self._dominators = nx.immediate_dominators(self.graph, self.starts[0])
        return self._dominators

    def check_condition_segments(self, node: Node, names: list[str], field: str) -> None:
        for name in names:
            self.check_segment_exists(name, node.id, field, "The segment")

    def check_split(self, node: Node, config: SplitConfig) -> None:
        if not config.cases:
            self.error(
                "split.no_cases",
                node.id,
                f"{node.label()} has no cases yet; add at least one.",
                "cases",
            )
        names = [case.name for case in config.cases]
        self.check_port_names(node, names, "cases", "case")
        if OTHERWISE in names:
            self.error(
                "ports.reserved_name",
                node.id,
                f"{node.label()}: “{OTHERWISE}” is the name of the way out for everyone "
                "else; choose another case name.",
                "cases",
            )
        for index, case in enumerate(config.cases):
            self.check_condition_segments(
                node, referenced_segments(case.condition), f"cases[{index}].condition"
            )

    def check_ab_test(self, node: Node, config: AbTestConfig) -> None:
        count = len(config.variants)
        if not 2 <= count <= 5:
            self.error(
                "ab_test.variant_count",
                node.id,
                f"{node.label()} has {count} variant{'' if count == 1 else 's'}; an A/B test "
                "has 2 to 5.",
                "variants",
            )
        total = sum(variant.weight for variant in config.variants)
        if total != 100:
            weights = " + ".join(str(variant.weight) for variant in config.variants)
            self.error(
                "ab_test.weights",
                node.id,
                f"{node.label()}: the weights add up to {total}% ({weights}); they must add up "
                "to 100%.",
                "variants",
            )
        self.check_port_names(
            node, [variant.name for variant in config.variants], "variants", "variant"
        )
        if config.metric == "goal" and self.document.settings.goal is None:
            self.error(
                "ab_test.goal_without_goal",
                node.id,
                f"{node.label()} picks its winner by the goal, but the journey has no goal.",
                "metric",
            )

    def check_port_names(self, node: Node, names: list[str], field: str, what: str) -> None:
        repeated = sorted({name for name in names if names.count(name) > 1})
        for name in repeated:
            self.error(
                "ports.duplicate_name",
                node.id,
                f"{node.label()} has more than one {what} called “{name}”; names must differ.",
                field,
            )


def _variables(source: str) -> set[str]:
    try:
        return template_variables(source)
    except TemplateProblem:
        return set()


def _config_message(item: Any) -> str:
    if item["type"] == "union_tag_not_found":
        return "is not chosen yet"
    return friendly_message(item)


_RULES: dict[type[Any], tuple[Any, ...]] = {
    SendEmailConfig: (_Check.check_email,),
    SendSmsConfig: (_Check.check_sms,),
    BranchConfig: (_Check.check_branch,),
    SplitConfig: (_Check.check_split,),
    AbTestConfig: (_Check.check_ab_test,),
    WaitDuration: (_Check.check_wait,),
    WaitUntil: (_Check.check_wait,),
    WaitUntilAttribute: (_Check.check_wait,),
}
