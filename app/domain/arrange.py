"""Auto-arrange: layered positions for a journey, left to right, from the graph alone.

Columns are networkx topological generations (a node sits one column after the latest node
that leads to it); inside a column each node is placed level with the ways out that lead to it,
then pushed down just enough not to overlap its neighbour. How tall a node card is and where its
ways out sit are the designer's business, so they come in as a :class:`CardGeometry`.

Invariants: pure; every node of the document gets a position; nodes in one column never
overlap; a broken draft with a loop still arranges (a loop's nodes share a column).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Protocol

import networkx as nx

from app.domain.journey import JourneyDocument, Node, Position


class CardGeometry(Protocol):
    """Where things are on a node card, relative to its top-left corner."""

    def height(self, node: Node) -> float: ...

    def out_port_y(self, node: Node, port: str) -> float:
        """Also for a port the node does not have (a broken draft)."""
        ...

    def in_port_y(self, node: Node) -> float: ...


@dataclass(frozen=True)
class Spacing:
    column: float = 260.0
    """From the left edge of one column to the next."""
    gap: float = 40.0
    """Least space between two cards in a column."""


def arrange(
    document: JourneyDocument, geometry: CardGeometry, spacing: Spacing | None = None
) -> dict[str, Position]:
    """A position for every node: columns by generation, rows level with what leads there."""
    spacing = spacing or Spacing()
    nodes = {node.id: node for node in reversed(document.nodes)}  # the first of a repeated id
    graph: nx.DiGraph[str] = nx.DiGraph()
    graph.add_nodes_from(node.id for node in document.nodes)
    incoming: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for edge in document.edges:
        if edge.source in nodes and edge.target in nodes:
            graph.add_edge(edge.source, edge.target)
            incoming[edge.target].append((edge.source, edge.source_port))
    condensed = nx.condensation(graph)
    members = nx.get_node_attributes(condensed, "members")
    order = {node.id: index for index, node in reversed(list(enumerate(document.nodes)))}
    tops: dict[str, float] = {}
    positions: dict[str, Position] = {}
    for column, generation in enumerate(nx.topological_generations(condensed)):
        ids = sorted((i for group in generation for i in members[group]), key=order.__getitem__)
        wanted = {
            node_id: _level_with_sources(nodes[node_id], incoming[node_id], nodes, tops, geometry)
            for node_id in ids
        }
        placed = _stack(ids, wanted, nodes, geometry, spacing.gap)
        for node_id, top in placed.items():
            tops[node_id] = top
            positions[node_id] = (float(round(column * spacing.column)), float(round(top)))
    return positions


def _level_with_sources(
    node: Node,
    sources: list[tuple[str, str]],
    nodes: dict[str, Node],
    tops: dict[str, float],
    geometry: CardGeometry,
) -> float | None:
    levels = [
        tops[source] + geometry.out_port_y(nodes[source], port)
        for source, port in sources
        if source in tops
    ]
    if not levels:
        return None
    return sum(levels) / len(levels) - geometry.in_port_y(node)


def _stack(
    ids: list[str],
    wanted: dict[str, float | None],
    nodes: dict[str, Node],
    geometry: CardGeometry,
    gap: float,
) -> dict[str, float]:
    """Tops for one column: each as close to its wish as the cards above it allow."""
    free = [node_id for node_id in ids if wanted[node_id] is None]
    rooted = sorted(
        (node_id for node_id in ids if wanted[node_id] is not None),
        key=lambda node_id: (wanted[node_id], ids.index(node_id)),
    )
    placed: dict[str, float] = {}
    bottom: float | None = None
    for node_id in rooted:
        wish = wanted[node_id]
        assert wish is not None
        top = wish if bottom is None else max(wish, bottom + gap)
        placed[node_id] = top
        bottom = top + geometry.height(nodes[node_id])
    if rooted:
        shift = sum(placed[i] - (wanted[i] or 0.0) for i in rooted) / len(rooted)
        for node_id in rooted:
            placed[node_id] -= shift
        bottom = max(placed[i] + geometry.height(nodes[i]) for i in rooted)
    for node_id in free:
        top = 0.0 if bottom is None else bottom + gap
        placed[node_id] = top
        bottom = top + geometry.height(nodes[node_id])
    return placed
