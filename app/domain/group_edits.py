"""Edits of several steps that the designer makes as one undo step: delete a selection, paste,
and a config change that removes ways out (a case or variant removed) together with their edges.

Built from the single edits of :mod:`app.domain.edits`; each step is built from the document as
the earlier steps left it (on a scratch copy), so the group's indices are exactly those its own
apply and revert meet.

Invariants: building a group never changes the document it is built from; pasted nodes always
get ids that are new to the document; the group keeps the edit invariants of
:mod:`app.domain.edits` (apply then revert restores the document exactly).
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable, Mapping
from functools import partial
from typing import Any

from app.domain.edits import (
    AddNode,
    Edit,
    EditConflict,
    EditGroup,
    can_connect,
    connect,
    disconnect,
    new_node_id,
    node_name,
    remove_node,
    replace_config,
)
from app.domain.journey import Edge, JourneyDocument, Node, Position

Step = Callable[[JourneyDocument], Edit | None]
"""Builds one edit of a group from the document as the earlier steps left it (None: skip)."""

EdgeRef = tuple[str, str, str]
"""An edge as the designer names it: (source node, way out, target node)."""


def build_group(document: JourneyDocument, name: str, steps: Iterable[Step]) -> EditGroup:
    """One edit of several steps; the steps run on a copy, so ``document`` is not changed."""
    scratch = document.model_copy(deep=True)
    edits: list[Edit] = []
    for step in steps:
        edit = step(scratch)
        if edit is not None:
            edit.apply(scratch)
            edits.append(edit)
    return EditGroup(tuple(edits), name)


def _disconnect(edge: EdgeRef, document: JourneyDocument) -> Edit:
    return disconnect(document, *edge)


def _remove(node_id: str, document: JourneyDocument) -> Edit:
    return remove_node(document, node_id)


def remove_selection(
    document: JourneyDocument, node_ids: Iterable[str], edges: Iterable[EdgeRef] = ()
) -> EditGroup:
    """Delete the chosen edges and then the chosen nodes (with all their edges)."""
    nodes = list(dict.fromkeys(node_ids))
    doomed = [e for e in dict.fromkeys(edges) if e[0] not in nodes and e[2] not in nodes]
    steps: list[Step] = [partial(_disconnect, edge) for edge in doomed]
    steps += [partial(_remove, node_id) for node_id in nodes]
    if not nodes:
        name = "Disconnect" if len(doomed) == 1 else f"Disconnect {len(doomed)} connections"
    elif len(nodes) == 1:
        node = document.node(nodes[0])
        name = f"Delete {node_name(node)}" if node is not None else "Delete"
    else:
        name = f"Delete {len(nodes)} nodes"
    return build_group(document, name, steps)


def _add(node: Node, document: JourneyDocument) -> Edit:
    return AddNode(node, len(document.nodes))


def _connect_copy(edge: Edge, renamed: Mapping[str, str], document: JourneyDocument) -> Edit | None:
    source, target = renamed[edge.source], renamed[edge.target]
    if can_connect(document, source, edge.source_port, target) is not None:
        return None
    return connect(document, source, edge.source_port, target)


def paste_nodes(
    document: JourneyDocument, nodes: Iterable[Node], edges: Iterable[Edge], offset: Position
) -> tuple[EditGroup, dict[str, str]]:
    """Add copies of ``nodes`` (new ids, shifted by ``offset``) and the ``edges`` between them.

    Returns the edit and the map from copied ids to new ids. A branch that asks about a message
    node copied with it asks about the copy. Edges the rules refuse are left out.
    """
    originals = [node.model_copy(deep=True) for node in nodes]
    renamed: dict[str, str] = {}
    for node in originals:
        renamed[node.id] = new_node_id(document, node.kind, renamed.values())
    copies = [
        node.model_copy(
            update={
                "id": renamed[node.id],
                "position": (node.position[0] + offset[0], node.position[1] + offset[1]),
                "config": _renamed_references(node.config, renamed),
            }
        )
        for node in originals
    ]
    steps: list[Step] = [partial(_add, node) for node in copies]
    inside = [e for e in edges if e.source in renamed and e.target in renamed]
    steps += [partial(_connect_copy, edge, renamed) for edge in inside]
    name = "Paste node" if len(copies) == 1 else f"Paste {len(copies)} nodes"
    return build_group(document, name, steps), renamed


def _renamed_references(config: dict[str, Any] | None, renamed: Mapping[str, str]) -> Any:
    config = copy.deepcopy(config)
    if config is None:
        return None
    condition = config.get("condition")
    if isinstance(condition, dict):
        test = condition.get("interaction")
        if isinstance(test, dict) and test.get("node") in renamed:
            test["node"] = renamed[test["node"]]
    return config


def _replace(node_id: str, field: str, config: dict[str, Any], document: JourneyDocument) -> Edit:
    return replace_config(document, node_id, field, config)


def reshape_config(
    document: JourneyDocument, node_id: str, field: str, config: dict[str, Any]
) -> EditGroup:
    """Replace a node's config where ways out may go (a case or variant removed, another wait
    mode): the edges of ways out that are gone are disconnected in the same step, and undo puts
    them back. As a group it never merges with typing that follows."""
    node = document.node(node_id)
    if node is None:
        raise EditConflict(f"no node {node_id!r} in the journey")
    renamed = {old for old, _new in replace_config(document, node_id, field, config).port_renames}
    old_ports, new_ports = set(node.ports()), set(node.spec.ports(config))
    gone = [
        (edge.source, edge.source_port, edge.target)
        for edge in document.edges
        if edge.source == node_id
        and edge.source_port in old_ports - new_ports
        and edge.source_port not in renamed
    ]
    steps: list[Step] = [partial(_disconnect, edge) for edge in dict.fromkeys(gone)]
    steps.append(partial(_replace, node_id, field, config))
    return build_group(document, f"Change {field.replace('_', ' ')}", steps)
