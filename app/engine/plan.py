"""A published version, read once and kept: nodes by id, where each port leads, node order.

Versions never change after they are written, so the engine caches one :class:`VersionPlan`
per (journey, version) for its whole life.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import networkx as nx

from app.domain.journey import JourneyDocument, Node


@dataclass(frozen=True)
class VersionPlan:
    journey_id: str
    version: int
    document: JourneyDocument
    nodes: dict[str, Node] = field(default_factory=dict)
    edges: dict[tuple[str, str], str] = field(default_factory=dict)
    order: tuple[str, ...] = ()

    @classmethod
    def of(cls, journey_id: str, version: int, document: JourneyDocument) -> VersionPlan:
        nodes = {node.id: node for node in document.nodes}
        edges = {(edge.source, edge.source_port): edge.target for edge in document.edges}
        graph: nx.DiGraph[str] = nx.DiGraph()
        graph.add_nodes_from(nodes)
        graph.add_edges_from((source, target) for (source, _port), target in edges.items())
        order = tuple(nx.topological_sort(graph))
        return cls(journey_id, version, document, nodes, edges, order)

    @property
    def key(self) -> tuple[str, int]:
        """(journey id, version): what the engine's caches and the step counts are keyed by."""
        return (self.journey_id, self.version)

    @property
    def start(self) -> str:
        return next(node.id for node in self.document.nodes if node.kind == "start")

    def target(self, node_id: str, port: str) -> str | None:
        """Where ``port`` of ``node_id`` leads; None when it leads nowhere (the run completes)."""
        return self.edges.get((node_id, port))

    def send_nodes(self) -> list[Node]:
        return [node for node in self.document.nodes if node.spec.channel is not None]
