"""The engine's tick (DESIGN §5): everything that happens at one moment, in order.

``Engine.tick(now)`` runs the nine steps of the design, each in batches inside short
transactions on the workspace's writer: schedules, segment refresh, goals, exits, enrolment,
advancing due enrollments (nodes in topological order, so zero-time nodes chain in one pass),
waking branches whose condition now holds, A/B winners, dispatch. Time comes in as ``now``;
the workspace remembers its last tick and refuses to go back before it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import ColumnElement, Connection, and_, select

from app.domain.conditions import AnyCondition
from app.engine.ab_winners import decide_winners
from app.engine.dispatch import DispatchResult, Links, dispatch
from app.engine.membership import refresh_due_segments, segment_compiler
from app.engine.moves import at_node, due
from app.engine.nodes import (
    EXECUTORS,
    Batch,
    ConditionCompiler,
    NodeContext,
    wake_branches,
)
from app.engine.plan import VersionPlan
from app.engine.runs import apply_exits, enrol, record_goals
from app.engine.schedule import apply_schedules, enrolling
from app.engine.state import advance_to
from app.engine.transports.base import Transport
from app.store.schema import enrollments
from app.store.segment_sql import SegmentCompiler
from app.store.versions import load_version, running_versions
from app.store.workspace import Workspace

BATCH_SIZE = 20_000


@dataclass
class TickReport:
    now: datetime
    enrolled: int = 0
    batches: int = 0
    dispatched: DispatchResult = field(default_factory=DispatchResult)


class Engine:
    """Runs the journeys of one workspace; caches only immutable published versions."""

    def __init__(
        self, workspace: Workspace, transports: Mapping[str, Transport], links: Links
    ) -> None:
        self.workspace = workspace
        self.transports = transports
        self.links = links
        self._plans: dict[tuple[str, int], VersionPlan] = {}

    def plan(self, journey_id: str, version: int) -> VersionPlan:
        key = (journey_id, version)
        if key not in self._plans:
            with self.workspace.reader() as connection:
                document = load_version(connection, journey_id, version)
            self._plans[key] = VersionPlan.of(journey_id, version, document)
        return self._plans[key]

    def tick(self, now: datetime) -> TickReport:
        report = TickReport(now)
        with self.workspace.writer() as connection:
            advance_to(connection, now)
            apply_schedules(connection, now)
            refresh_due_segments(connection, now)
        with self.workspace.writer() as connection:
            live = [
                self.plan(journey_id, version)
                for journey_id, version, status in running_versions(connection)
                if status == "live"  # paused: nothing happens to it
            ]
            compiler = segment_compiler(connection, now)
            for plan in live:
                record_goals(connection, plan, compiler, now)
                apply_exits(connection, plan, compiler, now)
        with self.workspace.writer() as connection:
            current = {j: v for j, v, status in running_versions(connection) if status == "live"}
            for plan in live:
                if current.get(plan.journey_id) == plan.version and enrolling(plan.document, now):
                    report.enrolled += enrol(connection, plan, now)
        context = NodeContext(now, _conditions(compiler))
        for plan in live:
            report.batches += self._advance(plan, context)
        with self.workspace.writer() as connection:
            decide_winners(connection, live, now)
        report.dispatched = dispatch(self.workspace, self.plan, self.transports, self.links, now)
        return report

    def _advance(self, plan: VersionPlan, context: NodeContext) -> int:
        """Steps 6 and 7: every due enrollment of this version, node by node, in batches."""
        batches = 0
        for node_id in plan.order:
            node = plan.nodes[node_id]
            executor = EXECUTORS[node.kind]
            while True:
                with self.workspace.writer() as connection:
                    selector = next_batch(connection, plan, node_id, context.now)
                    if selector is None:
                        if node.kind == "branch":
                            wake_branches(connection, plan, node, context)
                        break
                    executor(Batch(connection, plan, node, selector, context))
                    batches += 1
        return batches


def _conditions(compiler: SegmentCompiler) -> ConditionCompiler:
    def compile_condition(condition: AnyCondition) -> ColumnElement[bool]:
        return compiler.condition(condition)  # type: ignore[arg-type]

    return compile_condition


def next_batch(
    connection: Connection, plan: VersionPlan, node_id: str, now: datetime
) -> ColumnElement[bool] | None:
    """The next batch of due enrollments at a node as a selector (None when there are none).

    The batch is an id range, so the statements of one executor all see the same rows.
    """
    waiting = at_node(plan, node_id, due(now))
    bound = connection.execute(
        select(enrollments.c.id)
        .where(waiting)
        .order_by(enrollments.c.id)
        .offset(BATCH_SIZE - 1)
        .limit(1)
    ).scalar_one_or_none()
    if bound is not None:
        return and_(waiting, enrollments.c.id <= bound)
    if connection.execute(select(enrollments.c.id).where(waiting).limit(1)).first() is None:
        return None
    return waiting
