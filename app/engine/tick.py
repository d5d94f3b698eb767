"""The engine's tick (DESIGN §5): everything that happens at one moment, in order.

``Engine.tick(now)`` runs the nine steps of the design, each in batches inside short
transactions on the workspace's writer: schedules, segment refresh, goals, exits, enrolment,
advancing due enrollments (nodes in topological order, so zero-time nodes chain in one pass),
waking branches whose condition now holds, A/B winners, dispatch. Time comes in as ``now``;
the workspace remembers its last tick and refuses to go back before it.

An idle tick costs next to nothing however many contacts wait: due work is found per node
through an index on (journey, status, version, node, due_at), and goals, exits and enrolment
ask only about what can have changed since the engine last asked (:mod:`app.engine.memory`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import (
    ColumnElement,
    Connection,
    exists,
    func,
    select,
)

from app.domain.conditions import AnyCondition
from app.engine.ab_winners import decide_winners
from app.engine.dispatch import DispatchResult, Links, dispatch
from app.engine.membership import Refresh, RefreshMark, refresh_due, segment_compiler
from app.engine.memory import EnrolState, EventMark, SegmentState, VersionMemory
from app.engine.moves import any_carried_at, carried_at, carry, settle
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
from app.store.schema import enrollments, events, journey_versions, journeys, segments
from app.store.segment_sql import SegmentCompiler
from app.store.versions import RUNNING_STATUSES, load_version
from app.store.workspace import Workspace

BATCH_SIZE = 20_000


@dataclass
class TickReport:
    now: datetime
    enrolled: int = 0
    batches: int = 0
    dispatched: DispatchResult = field(default_factory=DispatchResult)


class Engine:
    """Runs the journeys of one workspace; caches immutable published versions, and remembers
    what it last checked (:mod:`app.engine.memory`)."""

    def __init__(
        self,
        workspace: Workspace,
        transports: Mapping[str, Transport],
        links: Links,
        *,
        dispatch: bool = True,
    ) -> None:
        self.workspace = workspace
        self.transports = transports
        self.links = links
        self.dispatching = dispatch
        """Whether a tick ends with step 9; off only for benchmarks that measure queueing."""
        self._plans: dict[tuple[str, int], VersionPlan] = {}
        self._memory: dict[tuple[str, int], VersionMemory] = {}
        self._refresh_marks: dict[str, RefreshMark] = {}
        """Where each segment's last refresh by this engine stood (see ``membership``)."""

    def plan(self, journey_id: str, version: int) -> VersionPlan:
        key = (journey_id, version)
        if key not in self._plans:
            with self.workspace.reader() as connection:
                document = load_version(connection, journey_id, version)
            self._plans[key] = VersionPlan.of(journey_id, version, document)
        return self._plans[key]

    def memory(self, plan: VersionPlan) -> VersionMemory:
        return self._memory.setdefault(plan.key, VersionMemory())

    def tick(self, now: datetime) -> TickReport:
        report = TickReport(now)
        with self.workspace.writer() as connection:
            advance_to(connection, now)
            apply_schedules(connection, now)
            refreshes = refresh_due(connection, now, self.workspace.reader, self._refresh_marks)
        for name, refresh in refreshes.items():
            if refresh.mark is not None:
                self._refresh_marks[name] = refresh.mark
        with self.workspace.writer() as connection:
            live = [
                self.plan(journey_id, version)
                for journey_id, version, status in versions_in_flight(connection)
                if status == "live"  # paused: nothing happens to it
            ]
            compiler = segment_compiler(connection, now)
            checked = self._goals_and_exits(connection, live, compiler, refreshes, now)
        for key, (mark, seen) in checked.items():
            self._memory[key].events, self._memory[key].exits = mark, seen
        with self.workspace.writer() as connection:
            enrolled, states = self._enrol(connection, live, compiler, refreshes, now)
        report.enrolled = enrolled
        for key, state in states.items():
            self._memory[key].enrol = state
        context = NodeContext(now, _conditions(compiler))
        for plan in live:
            report.batches += self._advance(plan, context)
        with self.workspace.writer() as connection:
            decide_winners(connection, live, now)
        if self.dispatching:
            report.dispatched = dispatch(
                self.workspace, self.plan, self.transports, self.links, now
            )
        return report

    def _goals_and_exits(
        self,
        connection: Connection,
        live: list[VersionPlan],
        compiler: SegmentCompiler,
        refreshes: dict[str, Refresh],
        now: datetime,
    ) -> dict[tuple[str, int], tuple[EventMark, dict[str, datetime | None]]]:
        """Steps 3 and 4; returns what to remember once the transaction has committed."""
        state = SegmentState(refreshed_at(connection), refreshes)
        mark = EventMark(now, connection.execute(select(func.max(events.c.id))).scalar() or 0)
        checked = {}
        for plan in live:
            memory = self.memory(plan)
            settings = plan.document.settings
            seen = memory.exits
            entry = settings.entry_segment or ""
            record_goals(connection, plan, compiler, now, memory.events)
            apply_exits(
                connection,
                plan,
                compiler,
                now,
                memory.events,
                joined_exclusion=seen is None
                or any(state.may_have_joined(name, seen) for name in settings.exclusion_segments),
                left_entry=seen is None or state.may_have_left(entry, seen),
                leavers=None if seen is None else state.leavers_since(entry, seen),
            )
            checked[plan.key] = (mark, state.snapshot(_segments_of(plan)))
        return checked

    def _enrol(
        self,
        connection: Connection,
        live: list[VersionPlan],
        compiler: SegmentCompiler,
        refreshes: dict[str, Refresh],
        now: datetime,
    ) -> tuple[int, dict[tuple[str, int], EnrolState]]:
        """Step 5, skipped for a version when nothing it depends on can have changed since the
        engine last enrolled for it; returns how many entered and what to remember."""
        state = SegmentState(refreshed_at(connection), refreshes)
        current = {j: v for j, v, status in versions_in_flight(connection) if status == "live"}
        enrolled = 0
        states = {}
        for plan in live:
            now_state = EnrolState(
                state.snapshot(_segments_of(plan)),
                current.get(plan.journey_id) == plan.version,
                enrolling(plan.document, now),
            )
            before = self.memory(plan).enrol
            may_enter = now_state.current and now_state.enrolling
            if may_enter and (
                before is None or _may_enrol_more(plan, compiler, state, before, now_state)
            ):
                enrolled += enrol(connection, plan, now)
            states[plan.key] = now_state
        return enrolled, states

    def _advance(self, plan: VersionPlan, context: NodeContext) -> int:
        """Steps 6 and 7: every due enrollment of this version, in batches.

        Node by node in topological order, a batch of runs due at the node is carried through
        it and every later node in one transaction, so runs chain through the nodes that take
        no time; a branch's waiting runs are woken once nobody is due at it any more."""
        batches = 0
        for index, node_id in enumerate(plan.order):
            node = plan.nodes[node_id]
            while True:
                with self.workspace.writer() as connection:
                    if not carry(connection, plan, node_id, context.now, BATCH_SIZE):
                        if node.kind == "branch":
                            wake_branches(connection, plan, node, context)
                        break
                    for later in plan.order[index:]:
                        if any_carried_at(connection, later, context.now):
                            selector = carried_at(later, context.now)
                            step = plan.nodes[later]
                            batch = Batch(connection, plan, step, selector, context, True)
                            EXECUTORS[step.kind](batch)
                    settle(connection, context.now)
                    batches += 1
        return batches


def _conditions(compiler: SegmentCompiler) -> ConditionCompiler:
    def compile_condition(condition: AnyCondition) -> ColumnElement[bool]:
        return compiler.condition(condition)  # type: ignore[arg-type]

    return compile_condition


def refreshed_at(connection: Connection) -> dict[str, datetime | None]:
    """Every segment's ``refreshed_at`` by name."""
    return {
        name: moment
        for name, moment in connection.execute(select(segments.c.name, segments.c.refreshed_at))
    }


def versions_in_flight(connection: Connection) -> list[tuple[str, int, str]]:
    """(journey id, version, journey status) of every version the engine must look at: the
    current version of each live or paused journey, and every version that still has active
    enrollments (they finish on it). One index probe per published version."""
    active = exists(
        select(1).where(
            enrollments.c.journey_id == journey_versions.c.journey_id,
            enrollments.c.status == "active",
            enrollments.c.version == journey_versions.c.version,
        )
    )
    rows = connection.execute(
        select(
            journey_versions.c.journey_id,
            journey_versions.c.version,
            journeys.c.status,
            journeys.c.current_version,
            active,
        ).join(journeys, journeys.c.id == journey_versions.c.journey_id)
    )
    return sorted(
        (journey_id, version, status)
        for journey_id, version, status, current, has_active in rows
        if (status in RUNNING_STATUSES and version == current) or has_active
    )


def _segments_of(plan: VersionPlan) -> list[str]:
    settings = plan.document.settings
    return [name for name in (settings.entry_segment, *settings.exclusion_segments) if name]


def _may_enrol_more(
    plan: VersionPlan,
    compiler: SegmentCompiler,
    state: SegmentState,
    before: EnrolState,
    now_state: EnrolState,
) -> bool:
    """Whether enrolment can let in anyone it did not let in when the engine last enrolled for
    this version. Only a join of the entry segment or a leave of an exclusion segment can,
    unless time itself lets contacts back in (``after_exit``) or the journey's audience is
    not the entry segment's own (a contact's kind can change without a refresh)."""
    settings = plan.document.settings
    if settings.re_entry == "after_exit":
        return True
    entry = compiler.segments.get(settings.entry_segment or "")
    if settings.audience != "any" and (entry is None or entry.audience != settings.audience):
        return True
    if (before.current, before.enrolling) != (now_state.current, now_state.enrolling):
        return True
    seen = before.segments
    return state.may_have_joined(settings.entry_segment or "", seen) or any(
        state.may_have_left(name, seen) for name in settings.exclusion_segments
    )
