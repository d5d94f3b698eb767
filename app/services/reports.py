"""Journey analytics (DESIGN §6): the read model behind ``journey report``, the canvas's
per-node figures and the journeys list.

Everything is counted in SQL with ``GROUP BY`` over the step log, enrollments, messages and
interaction events (:mod:`app.services.report_queries`); nothing loops over contacts, so a
report costs a handful of aggregate queries however many contacts ran the journey. This
module turns those counts into typed figures and their JSON.

Definitions (kept in step with :mod:`app.engine.moves`, which writes the step log):

- A run *entered* a node when the step log has a row for it there, or it stands there now.
  *In progress*: active runs standing at the node. *Processed*: steps that moved on
  (outcomes ``processed`` and ``skipped``). *Exited*: runs that ended at the node, by reason
  (``completed`` at an exit or a node leading nowhere, and the early exits). So
  ``entered = in_progress + processed + exited`` holds for every node.
- *Ports*: steps that left (or completed) by each out port; every port of the node is listed,
  also those nobody took. Shares are over all steps that took a port. At a node with one way
  out, every step that moved on or completed there took it (the engine logs the port it
  left by), so only nodes with a choice have their steps counted by port.
- *Messages* (send nodes): counts of messages by status (``blocked`` by reason); and, from the
  interaction events tied to each message by its id, unique contacts delivered, opened,
  clicked and bounced. A click implies an open; an open or click implies delivery; a bounce
  without an open or click undoes the delivery. Rates are over delivered contacts.
- *Journey*: runs entered, active and ended by reason; goal conversions and the goal rate
  (reached ÷ entered) against the goal's target; a per-day series (UTC days) of runs entered,
  completed and reaching the goal.

A report covers all versions unless one is named; nodes are described by the named version,
else by the newest version that has them (the draft, for a journey never published).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, case, func, select

from app.domain.journey import JourneyDocument, Node
from app.domain.loading import load_journey
from app.services import report_queries as queries
from app.services.journeys import JourneyNotFound
from app.store.schema import enrollments, journeys
from app.store.workspace import Workspace

PROCESSED_OUTCOMES = ("processed", "skipped")
"""Step outcomes of runs that moved on; every other outcome is an end reason."""


class VersionNotFound(LookupError):
    def __init__(self, name: str, version: int, known: Iterable[int]) -> None:
        versions = ", ".join(str(number) for number in known) or "none yet"
        super().__init__(f"“{name}” has no version {version} (published versions: {versions})")
        self.name = name
        self.version = version


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


@dataclass(frozen=True)
class MessageStats:
    """What happened to the messages of one send node."""

    queued: int = 0
    held: int = 0
    sending: int = 0
    sent: int = 0
    failed: int = 0
    cancelled: int = 0
    blocked: dict[str, int] = field(default_factory=dict)
    delivered: int = 0
    opened: int = 0
    clicked: int = 0
    bounced: int = 0

    @property
    def total(self) -> int:
        """Every message the node queued or blocked."""
        statuses = (self.queued, self.held, self.sending, self.sent, self.failed, self.cancelled)
        return sum(statuses) + sum(self.blocked.values())

    def rates(self) -> dict[str, float | None]:
        """Unique-contact open and click rates over delivered contacts (None: none yet)."""
        return {
            "opened": _rate(self.opened, self.delivered),
            "clicked": _rate(self.clicked, self.delivered),
        }

    def to_json(self) -> dict[str, Any]:
        return {
            "queued": self.queued,
            "held": self.held,
            "sending": self.sending,
            "sent": self.sent,
            "failed": self.failed,
            "cancelled": self.cancelled,
            "blocked": dict(self.blocked),
            "delivered": self.delivered,
            "opened": self.opened,
            "clicked": self.clicked,
            "bounced": self.bounced,
            "total": self.total,
            "rates": self.rates(),
        }


@dataclass(frozen=True)
class NodeReport:
    """One node's figures; ``channel`` and ``messages`` for send nodes only."""

    id: str
    kind: str
    title: str
    channel: str | None
    in_progress: int
    processed: int
    exits: dict[str, int]
    ports: dict[str, int]
    messages: MessageStats | None = None

    @property
    def exited(self) -> int:
        return sum(self.exits.values())

    @property
    def entered(self) -> int:
        return self.in_progress + self.processed + self.exited

    def port_shares(self) -> dict[str, float | None]:
        taken = sum(self.ports.values())
        return {port: _rate(count, taken) for port, count in self.ports.items()}

    def to_json(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "kind": self.kind,
            "channel": self.channel,
            "entered": self.entered,
            "processed": self.processed,
            "in_progress": self.in_progress,
            "exited": self.exited,
            "exits": dict(self.exits),
            "ports": dict(self.ports),
            "port_shares": self.port_shares(),
            "messages": None if self.messages is None else self.messages.to_json(),
        }


@dataclass(frozen=True)
class GoalStats:
    reached: int
    entered: int
    target_percent: float | None

    @property
    def rate(self) -> float | None:
        return _rate(self.reached, self.entered)

    @property
    def target_met(self) -> bool | None:
        if self.target_percent is None or self.rate is None:
            return None
        return self.rate * 100 >= self.target_percent

    def to_json(self) -> dict[str, Any]:
        return {
            "reached": self.reached,
            "rate": self.rate,
            "target_percent": self.target_percent,
            "target_met": self.target_met,
        }


@dataclass(frozen=True)
class DayStats:
    """One UTC day of the journey: runs that entered, completed and reached the goal."""

    day: date
    entered: int = 0
    completed: int = 0
    goal: int = 0

    def to_json(self) -> dict[str, Any]:
        return {
            "day": self.day.isoformat(),
            "entered": self.entered,
            "completed": self.completed,
            "goal": self.goal,
        }


@dataclass(frozen=True)
class JourneyReport:
    journey: str
    journey_id: str
    version: int | None
    status: str
    entered: int
    active: int
    ended: dict[str, int]
    goal: GoalStats
    nodes: dict[str, NodeReport]
    daily: list[DayStats]

    @property
    def completed(self) -> int:
        return self.ended.get("completed", 0)

    def to_json(self) -> dict[str, Any]:
        return {
            "journey": self.journey,
            "version": self.version,
            "status": self.status,
            "entered": self.entered,
            "active": self.active,
            "completed": self.completed,
            "ended": dict(self.ended),
            "goal": self.goal.to_json(),
            "nodes": {node_id: node.to_json() for node_id, node in self.nodes.items()},
            "daily": [day.to_json() for day in self.daily],
        }


@dataclass(frozen=True)
class JourneySummary:
    """A journey as the journeys list shows it, with its runs counted."""

    id: str
    name: str
    status: str
    current_version: int | None
    entered: int
    active: int
    updated_at: datetime


def journey_summaries(workspace: Workspace) -> list[JourneySummary]:
    """Every journey of the workspace (drafts included), by name: one grouped query."""
    runs = (
        select(
            enrollments.c.journey_id,
            func.count().label("entered"),
            func.sum(case((enrollments.c.status == "active", 1), else_=0)).label("active"),
        )
        .group_by(enrollments.c.journey_id)
        .subquery()
    )
    query = (
        select(
            journeys.c.id,
            journeys.c.name,
            journeys.c.status,
            journeys.c.current_version,
            func.coalesce(runs.c.entered, 0),
            func.coalesce(runs.c.active, 0),
            journeys.c.updated_at,
        )
        .outerjoin(runs, runs.c.journey_id == journeys.c.id)
        .order_by(journeys.c.name)
    )
    with workspace.reader() as connection:
        return [JourneySummary(*row) for row in connection.execute(query)]


def journey_report(workspace: Workspace, name: str, version: int | None = None) -> JourneyReport:
    """The analytics of the journey named ``name``, over every version or only ``version``.

    Raises :class:`~app.services.journeys.JourneyNotFound` or :class:`VersionNotFound`.
    """
    with workspace.reader() as connection:
        row = connection.execute(
            select(journeys.c.id, journeys.c.status, journeys.c.draft).where(
                journeys.c.name == name
            )
        ).one_or_none()
        if row is None:
            raise JourneyNotFound(name)
        journey_id, status, draft = row
        documents = queries.published_versions(connection, journey_id)
        if version is not None and version not in documents:
            raise VersionNotFound(name, version, sorted(documents))
        if version is not None:
            described = [documents[version]]
        elif documents:
            described = [documents[number] for number in sorted(documents, reverse=True)]
        else:
            described = [load_journey(draft, f"journey {journey_id} draft")]
        scope = queries.ReportScope(journey_id, version)
        runs = queries.run_counts(connection, scope)
        nodes = _node_reports(connection, scope, described)
    goal = described[0].settings.goal
    return JourneyReport(
        journey=name,
        journey_id=journey_id,
        version=version,
        status=status,
        entered=runs.entered,
        active=runs.active,
        ended=runs.ended,
        goal=GoalStats(runs.goal, runs.entered, None if goal is None else goal.target_percent),
        nodes=nodes,
        daily=_daily(runs.daily),
    )


def _node_reports(
    connection: Connection, scope: queries.ReportScope, documents: list[JourneyDocument]
) -> dict[str, NodeReport]:
    described = _described_nodes(documents)
    outcomes = queries.step_outcomes(connection, scope)
    standing = queries.standing(connection, scope)
    sends = _message_stats(connection, scope)
    seen = set(outcomes) | set(standing) | set(sends)
    order = [*described, *sorted(seen - set(described))]
    choices = [
        node_id
        for node_id in order
        if node_id not in described or len(described[node_id].ports()) > 1
    ]
    taken = queries.ports_taken(connection, scope, choices)
    reports: dict[str, NodeReport] = {}
    for node_id in order:
        node = described.get(node_id)
        steps = outcomes.get(node_id, {})
        processed = sum(n for outcome, n in steps.items() if outcome in PROCESSED_OUTCOMES)
        exits = {why: n for why, n in sorted(steps.items()) if why not in PROCESSED_OUTCOMES}
        ports = dict.fromkeys(node.ports() if node else (), 0)
        if node_id in choices:
            ports |= taken.get(node_id, {})
        elif ports:  # one way out: every run that moved on or completed here took it
            ports = {port: processed + exits.get("completed", 0) for port in ports}
        channel = node.spec.channel if node is not None else None
        reports[node_id] = NodeReport(
            id=node_id,
            kind=node.kind if node else "unknown",
            title=(node.title or node.spec.title) if node else node_id,
            channel=channel,
            in_progress=standing.get(node_id, 0),
            processed=processed,
            exits=exits,
            ports=ports,
            messages=sends.get(node_id, MessageStats()) if channel or node_id in sends else None,
        )
    return reports


def _described_nodes(documents: list[JourneyDocument]) -> dict[str, Node]:
    """Each node id once, described by the first (newest) document that has it."""
    described: dict[str, Node] = {}
    for document in documents:
        for node in document.nodes:
            described.setdefault(node.id, node)
    return described


def _message_stats(connection: Connection, scope: queries.ReportScope) -> dict[str, MessageStats]:
    statuses = queries.message_statuses(connection, scope)
    unique = queries.interactions(connection, scope)
    stats: dict[str, MessageStats] = {}
    for node_id in [*statuses, *(node_id for node_id in unique if node_id not in statuses)]:
        counts: dict[str, int] = {}
        blocked: dict[str, int] = {}
        for (status, reason), n in statuses.get(node_id, {}).items():
            if status == "blocked":
                blocked[reason or "unknown"] = blocked.get(reason or "unknown", 0) + n
            else:
                counts[status] = counts.get(status, 0) + n
        stats[node_id] = MessageStats(
            **counts, **unique.get(node_id, {}), blocked=dict(sorted(blocked.items()))
        )
    return stats


def _daily(counts: dict[date, dict[str, int]]) -> list[DayStats]:
    """Every day from the first to the last with anything (days without are zeros)."""
    if not counts:
        return []
    first, last = min(counts), max(counts)
    days = [first + timedelta(days=offset) for offset in range((last - first).days + 1)]
    return [DayStats(day, **counts.get(day, {})) for day in days]
