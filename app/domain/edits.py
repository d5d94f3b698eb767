"""Small reversible edits on a journey document: every change the designer makes to a journey.

Owns the edit types (add and remove a node, connect and disconnect, move nodes, set a title, a
config field, a settings field or the journey's name or description, and groups of these), the
factories that build an edit from the document as it is now, :func:`can_connect`, the one place
that says why a connection is refused, and :func:`config_value_problem`, which says why a value
would make the journey file unreadable. The designer's undo stack holds these edits and nothing
else.

Invariants:
- For an edit built from ``document`` by a factory here, ``edit.apply(document)`` followed by
  ``edit.revert(document)`` leaves ``document.to_json()`` exactly as it was, and applying again
  gives exactly the state after the first apply (redo).
- An edit holds its own deep copies: a document never shares a node, edge or config with an edit,
  so later changes to one never leak into the other.
- Removing a node removes its edges, and reverting puts node and edges back at their old indices.
- An edit that finds the document in a state it was not built for raises :class:`EditConflict`
  and changes nothing.
- Renaming a way out (a split case, an A/B variant) carries its edge over to the new name, and
  reverting carries it back.
- Edits that change one text or value (title, config field, setting, journey name) merge with a
  later change of the same thing (:meth:`merged_with`), so typing in a field is one undo step.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal, Protocol

from pydantic import ValidationError

from app.domain.journey import Edge, JourneyDocument, JourneySettings, Node, Position
from app.domain.loading import INCOMPLETE_CONFIG_ERRORS, friendly_message, json_path
from app.domain.registry import NEXT, REGISTRY, NodeKind, spec_for


class EditConflict(RuntimeError):
    """The document is not in the state the edit was built for (a programming error)."""


class ConnectionRefused(ValueError):
    """A connection the journey rules do not allow; ``reason`` is a sentence for a marketer."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class Edit(Protocol):
    """A change that can be applied to a document and taken back."""

    @property
    def label(self) -> str:
        """What the change does, for the Undo and Redo menu entries (“Add Email”)."""
        ...

    def apply(self, document: JourneyDocument) -> None: ...

    def revert(self, document: JourneyDocument) -> None: ...


STARTER_CONFIGS: Mapping[str, dict[str, Any]] = {
    "wait": {"mode": "duration", "duration": "1d"},
    "split": {"cases": [{"name": "Case 1", "condition": {"all": []}}]},
    "ab_test": {
        "variants": [{"name": "A", "weight": 50}, {"name": "B", "weight": 50}],
        "metric": "opened",
    },
}
"""What a node dropped from the palette starts with, so that it has its ways out at once.

Kinds not listed start without a config; the validator then says what is missing.
"""


# -- node edits -----------------------------------------------------------------------------


def _index_of(document: JourneyDocument, node_id: str) -> int:
    for index, node in enumerate(document.nodes):
        if node.id == node_id:
            return index
    raise EditConflict(f"no node {node_id!r} in the journey")


def _node(document: JourneyDocument, node_id: str) -> Node:
    return document.nodes[_index_of(document, node_id)]


def _copy_node(node: Node) -> Node:
    return node.model_copy(deep=True)


def _copy_edge(edge: Edge) -> Edge:
    return edge.model_copy(deep=True)


def node_name(node: Node) -> str:
    """How the designer names a node: its title, else its kind."""
    return node.title or spec_for(node.kind).title


@dataclass(frozen=True)
class AddNode:
    node: Node
    index: int

    @property
    def label(self) -> str:
        return f"Add {node_name(self.node)}"

    def apply(self, document: JourneyDocument) -> None:
        if document.node(self.node.id) is not None:
            raise EditConflict(f"a node {self.node.id!r} is already in the journey")
        if not 0 <= self.index <= len(document.nodes):
            raise EditConflict(f"cannot insert a node at {self.index}")
        document.nodes.insert(self.index, _copy_node(self.node))

    def revert(self, document: JourneyDocument) -> None:
        if _index_of(document, self.node.id) != self.index:
            raise EditConflict(f"node {self.node.id!r} is not where it was added")
        del document.nodes[self.index]


@dataclass(frozen=True)
class IndexedEdge:
    """An edge and its place in the document's edge list."""

    index: int
    edge: Edge


def _take_edges(document: JourneyDocument, edges: Iterable[IndexedEdge]) -> None:
    ordered = sorted(edges, key=lambda item: item.index, reverse=True)
    for item in ordered:
        if item.index >= len(document.edges) or document.edges[item.index] != item.edge:
            raise EditConflict(f"edge {item.index} is not the one expected")
    for item in ordered:
        del document.edges[item.index]


def _put_edges(document: JourneyDocument, edges: Iterable[IndexedEdge]) -> None:
    for item in sorted(edges, key=lambda item: item.index):
        document.edges.insert(item.index, _copy_edge(item.edge))


@dataclass(frozen=True)
class RemoveNode:
    """Remove a node with every edge into or out of it; revert restores them in order."""

    node: Node
    index: int
    edges: tuple[IndexedEdge, ...]

    @property
    def label(self) -> str:
        return f"Delete {node_name(self.node)}"

    def apply(self, document: JourneyDocument) -> None:
        if _index_of(document, self.node.id) != self.index:
            raise EditConflict(f"node {self.node.id!r} is not where it was")
        _take_edges(document, self.edges)
        del document.nodes[self.index]

    def revert(self, document: JourneyDocument) -> None:
        if document.node(self.node.id) is not None:
            raise EditConflict(f"a node {self.node.id!r} is already in the journey")
        document.nodes.insert(self.index, _copy_node(self.node))
        _put_edges(document, self.edges)


@dataclass(frozen=True)
class NodeMove:
    node_id: str
    before: Position
    after: Position


@dataclass(frozen=True)
class MoveNodes:
    """Move one or more nodes: a drag of several nodes is one edit."""

    moves: tuple[NodeMove, ...]

    @property
    def label(self) -> str:
        return "Move node" if len(self.moves) == 1 else f"Move {len(self.moves)} nodes"

    def apply(self, document: JourneyDocument) -> None:
        self._set(document, {move.node_id: move.after for move in self.moves})

    def revert(self, document: JourneyDocument) -> None:
        self._set(document, {move.node_id: move.before for move in self.moves})

    @staticmethod
    def _set(document: JourneyDocument, positions: Mapping[str, Position]) -> None:
        nodes = [_node(document, node_id) for node_id in positions]
        for node in nodes:
            node.position = positions[node.id]


@dataclass(frozen=True)
class SetTitle:
    node_id: str
    before: str
    after: str

    @property
    def label(self) -> str:
        return "Rename node"

    def apply(self, document: JourneyDocument) -> None:
        _node(document, self.node_id).title = self.after

    def revert(self, document: JourneyDocument) -> None:
        _node(document, self.node_id).title = self.before

    def merged_with(self, later: object) -> SetTitle | None:
        """One edit for this rename followed by ``later``, a rename of the same node."""
        if (
            isinstance(later, SetTitle)
            and later.node_id == self.node_id
            and later.before == self.after
        ):
            return SetTitle(self.node_id, self.before, later.after)
        return None


PortRenames = tuple[tuple[str, str], ...]
"""Ways out renamed by a config change: (old name, new name) pairs."""


def _rename_ports(document: JourneyDocument, node_id: str, renames: Mapping[str, str]) -> None:
    if not renames:
        return
    for edge in document.edges:
        if edge.source == node_id and edge.source_port in renames:
            edge.port = renames[edge.source_port]


def _compose(first: PortRenames, later: PortRenames) -> PortRenames:
    """The renames of ``first`` followed by ``later``, without the ones that cancel out."""
    then = dict(later)
    composed = {old: then.pop(new, new) for old, new in first}
    targets = set(composed.values())
    composed.update({old: new for old, new in then.items() if old not in targets})
    return tuple((old, new) for old, new in composed.items() if old != new)


@dataclass(frozen=True)
class SetConfigField:
    """Change one field of a node's config; holds the whole config before and after.

    Keeping both configs whole makes the revert exact (a node without config gets none back)
    and lets typing in one field merge into one edit (:meth:`merged_with`). ``port_renames``
    are the ways out the change renames (a case or variant name): their edges follow.
    """

    node_id: str
    field: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    port_renames: PortRenames = ()

    @property
    def label(self) -> str:
        return f"Change {self.field.replace('_', ' ')}"

    def apply(self, document: JourneyDocument) -> None:
        node = _node(document, self.node_id)
        node.config = copy.deepcopy(self.after)
        _rename_ports(document, self.node_id, dict(self.port_renames))

    def revert(self, document: JourneyDocument) -> None:
        node = _node(document, self.node_id)
        node.config = copy.deepcopy(self.before)
        _rename_ports(document, self.node_id, {new: old for old, new in self.port_renames})

    def merged_with(self, later: object) -> SetConfigField | None:
        """One edit for this change followed by ``later``, when both change the same field."""
        if (
            isinstance(later, SetConfigField)
            and (later.node_id, later.field) == (self.node_id, self.field)
            and later.before == self.after
        ):
            renames = _compose(self.port_renames, later.port_renames)
            return SetConfigField(self.node_id, self.field, self.before, later.after, renames)
        return None


@dataclass(frozen=True)
class SetSetting:
    """Change one field of the journey settings (values as the settings model holds them)."""

    field: str
    before: Any
    after: Any

    @property
    def label(self) -> str:
        return f"Change {self.field.replace('_', ' ')}"

    def apply(self, document: JourneyDocument) -> None:
        setattr(document.settings, self.field, copy.deepcopy(self.after))

    def revert(self, document: JourneyDocument) -> None:
        setattr(document.settings, self.field, copy.deepcopy(self.before))

    def merged_with(self, later: object) -> SetSetting | None:
        """One edit for this change followed by ``later``, a change of the same setting."""
        if (
            isinstance(later, SetSetting)
            and later.field == self.field
            and later.before == self.after
        ):
            return SetSetting(self.field, self.before, later.after)
        return None


JourneyText = Literal["name", "description"]


@dataclass(frozen=True)
class SetJourneyText:
    """Change the journey's name or description."""

    field: JourneyText
    before: str
    after: str

    @property
    def label(self) -> str:
        return "Rename journey" if self.field == "name" else "Change description"

    def apply(self, document: JourneyDocument) -> None:
        setattr(document, self.field, self.after)

    def revert(self, document: JourneyDocument) -> None:
        setattr(document, self.field, self.before)

    def merged_with(self, later: object) -> SetJourneyText | None:
        if (
            isinstance(later, SetJourneyText)
            and later.field == self.field
            and later.before == self.after
        ):
            return SetJourneyText(self.field, self.before, later.after)
        return None


# -- edge edits -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Connect:
    edge: Edge
    index: int

    @property
    def label(self) -> str:
        return "Connect"

    def apply(self, document: JourneyDocument) -> None:
        if not 0 <= self.index <= len(document.edges):
            raise EditConflict(f"cannot insert an edge at {self.index}")
        document.edges.insert(self.index, _copy_edge(self.edge))

    def revert(self, document: JourneyDocument) -> None:
        _take_edges(document, [IndexedEdge(self.index, self.edge)])


@dataclass(frozen=True)
class Disconnect:
    edge: Edge
    index: int

    @property
    def label(self) -> str:
        return "Disconnect"

    def apply(self, document: JourneyDocument) -> None:
        _take_edges(document, [IndexedEdge(self.index, self.edge)])

    def revert(self, document: JourneyDocument) -> None:
        _put_edges(document, [IndexedEdge(self.index, self.edge)])


@dataclass(frozen=True)
class EditGroup:
    """Several edits as one step: applied in order, reverted in reverse order."""

    edits: tuple[Edit, ...]
    name: str

    @property
    def label(self) -> str:
        return self.name

    def apply(self, document: JourneyDocument) -> None:
        for edit in self.edits:
            edit.apply(document)

    def revert(self, document: JourneyDocument) -> None:
        for edit in reversed(self.edits):
            edit.revert(document)


# -- connection rules -----------------------------------------------------------------------


def can_connect(document: JourneyDocument, source: str, port: str, target: str) -> str | None:
    """None when ``source``'s way out ``port`` may lead to ``target``, else the reason why not."""
    origin, destination = document.node(source), document.node(target)
    if origin is None or destination is None:
        return f"There is no node “{source if origin is None else target}” in the journey."
    ports = origin.ports()
    if not ports:
        return f"{node_name(origin)} ends the journey; nothing can follow it."
    if port not in ports:
        return f"{node_name(origin)} has no way out called “{port}”."
    if destination.kind == "start":
        return "Nothing can lead into the start node."
    if source == target:
        return f"{node_name(origin)} cannot lead to itself."
    for edge in document.edges:
        if edge.source == source and edge.source_port == port:
            taken = document.node(edge.target)
            where = node_name(taken) if taken is not None else edge.target
            way = "Its way out" if port == NEXT else f"The “{port}” way out"
            return f"{way} already leads to {where}; disconnect that first."
    if _reaches(document, target, source):
        return (
            f"{node_name(destination)} comes before {node_name(origin)}: connecting them "
            "would make a loop, and journeys cannot go back to an earlier step."
        )
    return None


def upstream_of(document: JourneyDocument, node_id: str) -> list[str]:
    """The ids of the nodes from which ``node_id`` can be reached, in document order."""
    leading: dict[str, list[str]] = {}
    for edge in document.edges:
        leading.setdefault(edge.target, []).append(edge.source)
    seen: set[str] = set()
    stack = [node_id]
    while stack:
        for previous in leading.get(stack.pop(), ()):
            if previous not in seen:
                seen.add(previous)
                stack.append(previous)
    seen.discard(node_id)
    return [node.id for node in document.nodes if node.id in seen]


def _reaches(document: JourneyDocument, start: str, goal: str) -> bool:
    following: dict[str, list[str]] = {}
    for edge in document.edges:
        following.setdefault(edge.source, []).append(edge.target)
    seen, stack = {start}, [start]
    while stack:
        current = stack.pop()
        if current == goal:
            return True
        for nxt in following.get(current, ()):
            if nxt not in seen:
                seen.add(nxt)
                stack.append(nxt)
    return False


# -- factories ------------------------------------------------------------------------------

_ID_PART = re.compile(r"[^a-z0-9]+")


def new_node_id(document: JourneyDocument, kind: str, taken: Iterable[str] = ()) -> str:
    """A readable id not used in ``document`` (nor in ``taken``): ``email-1``, ``wait-3``."""
    used = {node.id for node in document.nodes} | set(taken)
    stem = _ID_PART.sub("-", spec_for(kind).icon.lower()).strip("-") or "node"
    number = 1
    while f"{stem}-{number}" in used:
        number += 1
    return f"{stem}-{number}"


def add_node(
    document: JourneyDocument, kind: NodeKind, position: Position, title: str = ""
) -> AddNode:
    """A new node of ``kind`` at ``position`` with its starter config, added last."""
    if kind not in REGISTRY:
        raise ValueError(f"unknown node kind {kind!r}")
    config = copy.deepcopy(STARTER_CONFIGS.get(kind))
    node = Node(
        id=new_node_id(document, kind), kind=kind, title=title, position=position, config=config
    )
    return AddNode(node, len(document.nodes))


def remove_node(document: JourneyDocument, node_id: str) -> RemoveNode:
    index = _index_of(document, node_id)
    edges = tuple(
        IndexedEdge(position, _copy_edge(edge))
        for position, edge in enumerate(document.edges)
        if node_id in (edge.source, edge.target)
    )
    return RemoveNode(_copy_node(document.nodes[index]), index, edges)


def connect(document: JourneyDocument, source: str, port: str, target: str) -> Connect:
    """An edge from ``source``'s way out ``port`` to ``target``; :class:`ConnectionRefused`
    says why when the rules do not allow it."""
    reason = can_connect(document, source, port, target)
    if reason is not None:
        raise ConnectionRefused(reason)
    edge = Edge.model_validate(
        {"from": source, "port": None if port == NEXT else port, "to": target}
    )
    return Connect(edge, len(document.edges))


def disconnect(document: JourneyDocument, source: str, port: str, target: str) -> Disconnect:
    """Remove the (first) edge from ``source``'s way out ``port`` to ``target``."""
    for index, edge in enumerate(document.edges):
        if (edge.source, edge.source_port, edge.target) == (source, port, target):
            return Disconnect(_copy_edge(edge), index)
    raise EditConflict(f"no edge {source}:{port} → {target}")


def move_nodes(document: JourneyDocument, positions: Mapping[str, Position]) -> MoveNodes:
    """Move the nodes to ``positions``; nodes already there are left out of the edit."""
    moves = []
    for node_id, after in positions.items():
        before = _node(document, node_id).position
        after = (float(after[0]), float(after[1]))
        if before != after:
            moves.append(NodeMove(node_id, before, after))
    return MoveNodes(tuple(moves))


def set_title(document: JourneyDocument, node_id: str, title: str) -> SetTitle:
    return SetTitle(node_id, _node(document, node_id).title, title)


UNSET: Any = object()
"""Pass as ``value`` to :func:`set_config_field` to remove the field from the config."""


def set_config_field(
    document: JourneyDocument, node_id: str, field: str, value: Any
) -> SetConfigField:
    """Set (or, with :data:`UNSET`, remove) one top-level field of a node's config.

    When the change renames ways out (a case or variant renamed in place), the edges on the old
    names move to the new ones.
    """
    node = _node(document, node_id)
    before = node.config
    after = _changed_config(before, field, value)
    renames = _renamed_ports(node, before, after)
    return SetConfigField(node_id, field, copy.deepcopy(before), after, renames)


def replace_config(
    document: JourneyDocument, node_id: str, field: str, config: dict[str, Any]
) -> SetConfigField:
    """Replace a node's whole config, as a change of ``field`` (a wait's ``mode`` changes which
    other fields belong to it)."""
    node = _node(document, node_id)
    after = copy.deepcopy(config)
    renames = _renamed_ports(node, node.config, after)
    return SetConfigField(node_id, field, copy.deepcopy(node.config), after, renames)


def _changed_config(before: dict[str, Any] | None, field: str, value: Any) -> dict[str, Any]:
    after = copy.deepcopy(before) if before is not None else {}
    if value is UNSET:
        after.pop(field, None)
    else:
        after[field] = copy.deepcopy(value)
    return after


def _renamed_ports(
    node: Node, before: dict[str, Any] | None, after: dict[str, Any] | None
) -> PortRenames:
    """Ways out renamed in place: same count, and a name at a place is new on both sides."""
    spec = spec_for(node.kind)
    old, new = spec.ports(before), spec.ports(after)
    if len(old) != len(new):
        return ()
    return tuple(
        (was, now)
        for was, now in zip(old, new, strict=True)
        if was != now and was not in new and now not in old
    )


def config_value_problem(
    document: JourneyDocument, node_id: str, field: str, value: Any
) -> str | None:
    """Why setting ``field`` to ``value`` would make the journey file unreadable (a malformed
    duration or date, text where a number belongs, an unknown field), else None.

    Missing or incomplete values are not problems here: drafts may be incomplete, and the
    validator reports them.
    """
    config = _changed_config(_node(document, node_id).config, field, value)
    return config_problem(document, node_id, config, field)


def config_problem(
    document: JourneyDocument, node_id: str, config: dict[str, Any], field: str = ""
) -> str | None:
    """Why ``config`` as the whole config of ``node_id`` would make the file unreadable, else
    None (see :func:`config_value_problem`); paths are named from ``field`` on."""
    spec = spec_for(_node(document, node_id).kind)
    if not spec.has_config:
        return f"a {spec.title} node takes no settings"
    try:
        spec.parse_config(config)
    except ValidationError as error:
        for item in error.errors():
            if item["type"] not in INCOMPLETE_CONFIG_ERRORS:
                where = json_path(item["loc"], config)
                prefix = "" if where in ("", field) else f"{where}: "
                return prefix + friendly_message(item)
    return None


def set_journey_text(document: JourneyDocument, field: JourneyText, text: str) -> SetJourneyText:
    """Rename the journey or change its description (a blank name is refused: ValueError)."""
    if field == "name" and not text.strip():
        raise ValueError("A journey needs a name.")
    return SetJourneyText(field, getattr(document, field), text)


def set_setting(document: JourneyDocument, field: str, value: Any) -> SetSetting:
    """Set one settings field; the value is checked and converted as a journey file's would be
    (``"7d"`` becomes a duration); ``pydantic.ValidationError`` when it does not fit."""
    if field not in JourneySettings.model_fields:
        raise ValueError(f"journey settings have no field {field!r}")
    data = document.settings.model_dump(mode="json", by_alias=True)
    data[field] = value
    checked = JourneySettings.model_validate(data)
    before = copy.deepcopy(getattr(document.settings, field))
    return SetSetting(field, before, copy.deepcopy(getattr(checked, field)))
