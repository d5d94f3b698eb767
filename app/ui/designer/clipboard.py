"""Copy and paste of nodes through the system clipboard, as a small JSON fragment.

A fragment is ``{"journey_studio_fragment": 1, "nodes": [...], "edges": [...]}`` in the journey
file's own node and edge form, with only the edges between the copied nodes. It travels as
:data:`FRAGMENT_MIME` and as plain text (so it can be pasted into a text editor and back).
Reading is strict: anything that is not a fragment gives None.
"""

from __future__ import annotations

import json
from collections.abc import Iterable

from pydantic import ValidationError
from PySide6.QtCore import QMimeData

from app.domain.journey import Edge, JourneyDocument, Node

FRAGMENT_MIME = "application/x-journey-studio-fragment"
FRAGMENT_KEY = "journey_studio_fragment"


def fragment_text(document: JourneyDocument, node_ids: Iterable[str]) -> str | None:
    chosen = set(node_ids)
    nodes = [node for node in document.nodes if node.id in chosen]
    if not nodes:
        return None
    edges = [edge for edge in document.edges if edge.source in chosen and edge.target in chosen]
    data = {
        FRAGMENT_KEY: 1,
        "nodes": [node.model_dump(mode="json") for node in nodes],
        "edges": [edge.model_dump(mode="json") for edge in edges],
    }
    return json.dumps(data, ensure_ascii=False, indent=2)


def fragment_mime(text: str) -> QMimeData:
    data = QMimeData()
    data.setData(FRAGMENT_MIME, text.encode("utf-8"))
    data.setText(text)
    return data


def read_fragment(data: QMimeData | None) -> tuple[list[Node], list[Edge]] | None:
    if data is None:
        return None
    if data.hasFormat(FRAGMENT_MIME):
        text = bytes(data.data(FRAGMENT_MIME).data()).decode("utf-8", errors="replace")
    elif data.hasText():
        text = data.text()
    else:
        return None
    try:
        parsed = json.loads(text)
        if not isinstance(parsed, dict) or parsed.get(FRAGMENT_KEY) != 1:
            return None
        nodes = [Node.model_validate(item) for item in parsed.get("nodes", [])]
        edges = [Edge.model_validate(item) for item in parsed.get("edges", [])]
    except (ValueError, ValidationError):
        return None
    return nodes, edges
