"""The canvas scene: keeps the node id → card and edge key → edge maps and mirrors the document.

:meth:`JourneyScene.mirror` is the only way journey data reaches the graphics items: it adds,
updates (through the items' setters, only what changed) and removes items so that the canvas shows
``document`` exactly. Findings from the validator reach the cards through :meth:`set_findings`.

Invariants: after ``mirror(d)`` there is one card per distinct node id of ``d`` at its position
and one edge item per edge whose two ends exist; the scene never changes the document.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from PySide6.QtCore import QObject, QPointF, QRectF
from PySide6.QtGui import QPainter, QPen, QPolygonF
from PySide6.QtWidgets import QGraphicsScene

from app.domain.journey import JourneyDocument, Node
from app.domain.registry import spec_for
from app.domain.summaries import summarize
from app.domain.validation import SETTINGS, Finding
from app.ui.designer import look
from app.ui.designer.items import EdgeItem, EdgeKey, NodeItem


@dataclass(frozen=True)
class CardContent:
    """Everything a card shows of a node, compared to skip setters when nothing changed."""

    icon: str
    category: str
    has_input: bool
    title: str
    summary: str
    ports: tuple[tuple[str, str], ...]
    connected: frozenset[str]

    @staticmethod
    def of(node: Node, document: JourneyDocument, connected: frozenset[str]) -> CardContent:
        spec = spec_for(node.kind)
        ports = tuple((port, spec.port_labels.get(port, port)) for port in node.ports())
        return CardContent(
            icon=spec.icon,
            category=spec.category,
            has_input=node.kind != "start",
            title=node.title or spec.title,
            summary=summarize(node, document),
            ports=ports,
            connected=connected,
        )


class JourneyScene(QGraphicsScene):
    """Node cards and edges of one journey, on a dotted grid."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.nodes: dict[str, NodeItem] = {}
        self.edges: dict[EdgeKey, EdgeItem] = {}
        self._contents: dict[str, CardContent] = {}
        self._edges_at: dict[str, set[EdgeKey]] = defaultdict(set)
        self.movable = True
        self.setItemIndexMethod(QGraphicsScene.ItemIndexMethod.BspTreeIndex)

    # -- mirroring ------------------------------------------------------------------------

    def mirror(self, document: JourneyDocument) -> None:
        """Make the canvas show ``document``: add, update and remove cards and edges."""
        connected: dict[str, set[str]] = defaultdict(set)
        for edge in document.edges:
            connected[edge.source].add(edge.source_port)
            connected[edge.target].add("")  # the way in
        present: set[str] = set()
        for node in document.nodes:
            if node.id in present:
                continue  # a repeated id (a broken file): the validator reports it
            present.add(node.id)
            self._mirror_node(node, document, frozenset(connected[node.id]))
        for node_id in set(self.nodes) - present:
            self.removeItem(self.nodes.pop(node_id))
            self._contents.pop(node_id, None)
        self._mirror_edges(document)

    def _mirror_node(
        self, node: Node, document: JourneyDocument, connected: frozenset[str]
    ) -> None:
        item = self.nodes.get(node.id)
        if item is None:
            item = self.nodes[node.id] = NodeItem(node.id)
            item.on_moved = self._card_moved
            item.setFlag(NodeItem.GraphicsItemFlag.ItemIsMovable, self.movable)
            self.addItem(item)
        content = CardContent.of(node, document, connected)
        old = self._contents.get(node.id)
        if old != content:
            if old is None or (old.icon, old.category, old.has_input) != (
                content.icon,
                content.category,
                content.has_input,
            ):
                item.set_kind(content.icon, content.category, has_input=content.has_input)
            if old is None or old.title != content.title:
                item.set_title(content.title)
            if old is None or old.summary != content.summary:
                item.set_summary(content.summary)
            if old is None or (old.ports, old.connected) != (content.ports, content.connected):
                item.set_ports(content.ports, set(content.connected))
            self._contents[node.id] = content
        if (item.pos().x(), item.pos().y()) != node.position:
            item.set_position(*node.position)

    def _mirror_edges(self, document: JourneyDocument) -> None:
        seen: Counter[tuple[str, str, str]] = Counter()
        wanted: list[EdgeKey] = []
        for edge in document.edges:
            if edge.source in self.nodes and edge.target in self.nodes:
                triple = (edge.source, edge.source_port, edge.target)
                wanted.append((*triple, seen[triple]))
                seen[triple] += 1
        for key in set(self.edges) - set(wanted):
            self.removeItem(self.edges.pop(key))
            for node_id in (key[0], key[2]):
                self._edges_at[node_id].discard(key)
        for key in wanted:
            item = self.edges.get(key)
            if item is None:
                item = self.edges[key] = EdgeItem(key)
                self.addItem(item)
                self._edges_at[key[0]].add(key)
                self._edges_at[key[2]].add(key)
            self._place_edge(item, key)

    def _place_edge(self, item: EdgeItem, key: EdgeKey) -> None:
        source, port, target, _ = key
        item.set_endpoints(
            self.nodes[source].out_port_scene_pos(port), self.nodes[target].in_port_scene_pos()
        )

    def _card_moved(self, card: NodeItem) -> None:
        for key in self._edges_at.get(card.node_id, ()):
            item = self.edges.get(key)
            if item is not None:
                self._place_edge(item, key)

    def set_movable(self, movable: bool) -> None:
        """Whether cards can be dragged (not in a read-only journey); applies to later cards too."""
        self.movable = movable
        for item in self.nodes.values():
            item.setFlag(NodeItem.GraphicsItemFlag.ItemIsMovable, movable)

    # -- findings -------------------------------------------------------------------------

    def set_findings(self, findings: Iterable[Finding]) -> None:
        """Badges on the cards: errors and warnings per node (settings findings have no card)."""
        by_node: dict[str, list[Finding]] = defaultdict(list)
        for finding in findings:
            if finding.node != SETTINGS:
                by_node[finding.node].append(finding)
        for node_id, item in self.nodes.items():
            mine = by_node.get(node_id, [])
            errors = sum(1 for finding in mine if finding.severity == "error")
            item.set_issues(errors, len(mine) - errors, [finding.message for finding in mine])

    def set_stats(self, stats: Mapping[str, str]) -> None:
        """Analytics lines under the cards, by node id (a read model, never in the document);
        cards without an entry show none."""
        for node_id, item in self.nodes.items():
            item.set_stats(stats.get(node_id, ""))

    # -- selection ------------------------------------------------------------------------

    def selected_node_ids(self) -> list[str]:
        return [item.node_id for item in self.selectedItems() if isinstance(item, NodeItem)]

    def selected_edge_keys(self) -> list[EdgeKey]:
        return [
            item.key
            for item in self.selectedItems()
            if isinstance(item, EdgeItem) and item.key is not None
        ]

    def select_nodes(self, node_ids: Iterable[str]) -> None:
        self.clearSelection()
        for node_id in node_ids:
            item = self.nodes.get(node_id)
            if item is not None:
                item.setSelected(True)

    def cards_rect(self) -> QRectF:
        """The area the cards take up (empty when there are none)."""
        rect = QRectF()
        for item in self.nodes.values():
            rect = rect.united(item.sceneBoundingRect())
        return rect

    # -- background -----------------------------------------------------------------------

    def drawBackground(self, painter: QPainter, rect: QRectF) -> None:
        painter.fillRect(rect, look.CANVAS_BACKGROUND)
        step = look.GRID * 2
        scale = painter.worldTransform().m11()
        if scale * step < 12:
            return  # dots closer than this are noise
        painter.setPen(QPen(look.GRID_DOT, 2 / max(scale, 0.01)))
        left = int(rect.left() // step) * step
        top = int(rect.top() // step) * step
        columns = int((rect.right() - left) // step) + 1
        rows = int((rect.bottom() - top) // step) + 1
        if columns * rows > 40_000:
            return  # a view this large shows no useful grid
        points = QPolygonF()
        for row in range(rows):
            for column in range(columns):
                points.append(QPointF(left + column * step, top + row * step))
        painter.drawPoints(points)
