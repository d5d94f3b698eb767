"""Step 8 of a tick: decide A/B winners that are due (DESIGN §5).

A variant's metric is the share of its contacts with at least one ``opened``/``clicked``
interaction on any message sent after its port (from a node downstream of the variant), or
who reached the goal. Counted in SQL per variant; the decision itself is
:func:`app.domain.ab_testing.pick_winner`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import networkx as nx
from sqlalchemy import ColumnElement, Connection, and_, exists, false, func, select, update

from app.domain.ab_testing import pick_winner, results_in_order
from app.domain.node_configs import AbTestConfig
from app.engine.moves import message_id
from app.engine.plan import VersionPlan
from app.store.schema import ab_decisions, enrollments, events, messages, step_log

INTERACTIONS = {
    "opened": ("email_opened", "push_opened"),
    "clicked": ("email_clicked", "sms_clicked"),
}


def decide_winners(connection: Connection, plans: Sequence[VersionPlan], now: datetime) -> None:
    for plan in plans:
        for node in plan.document.nodes:
            if node.kind != "ab_test":
                continue
            config = node.typed_config()
            assert isinstance(config, AbTestConfig)
            if config.decide_after is None:
                continue
            key = and_(
                ab_decisions.c.journey_id == plan.journey_id,
                ab_decisions.c.version == plan.version,
                ab_decisions.c.node_id == node.id,
                ab_decisions.c.winner.is_(None),
                ab_decisions.c.first_assigned_at <= now - config.decide_after,
            )
            if connection.execute(select(ab_decisions.c.node_id).where(key)).first() is None:
                continue
            winner = _winner(connection, plan, node.id, config)
            if winner is not None:
                connection.execute(
                    update(ab_decisions).where(key).values(winner=winner, decided_at=now)
                )


def _winner(
    connection: Connection, plan: VersionPlan, node_id: str, config: AbTestConfig
) -> str | None:
    graph: nx.DiGraph[str] = nx.DiGraph()
    graph.add_edges_from((source, target) for (source, _port), target in plan.edges.items())
    contacts: dict[str, int] = {}
    converted: dict[str, int] = {}
    runs = enrollments.alias("runs")
    for variant in config.variants:
        took = (
            select(step_log.c.enrollment_id)
            .join(runs, runs.c.id == step_log.c.enrollment_id)
            .where(
                runs.c.journey_id == plan.journey_id,
                runs.c.version == plan.version,
                step_log.c.node_id == node_id,
                step_log.c.port == variant.name,
            )
        )
        contacts[variant.name] = connection.execute(
            select(func.count()).select_from(took.distinct().subquery())
        ).scalar_one()
        target = plan.target(node_id, variant.name)
        downstream = {target, *nx.descendants(graph, target)} if target in graph else set()
        sent = [
            message_id(plan.journey_id, node.id)
            for node in plan.send_nodes()
            if node.id in downstream
        ]
        met: ColumnElement[bool]
        if config.metric == "goal":
            met = enrollments.c.goal_reached_at.is_not(None)
        elif not sent:
            met = false()
        else:
            met = exists(
                select(1)
                .select_from(messages.join(events, events.c.message_id == messages.c.id))
                .where(messages.c.id.in_(sent), events.c.type.in_(INTERACTIONS[config.metric]))
            )
        converted[variant.name] = connection.execute(
            select(func.count()).where(enrollments.c.id.in_(took), met)
        ).scalar_one()
    return pick_winner(
        results_in_order(config.variants, contacts, converted), config.min_per_variant
    )
