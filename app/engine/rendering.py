"""Rendering at dispatch with a cache per distinct input (DESIGN §8).

Most messages of a send node differ only in a few contact values and in their own links. A
template is rendered once per distinct combination of the values it actually reads, with
placeholders standing for the per-message links (``unsubscribe_url``, ``view_url``); each
message's links are filled in afterwards. A template that transforms a link (so that its
placeholder does not come out unchanged) is rendered per message, as before. The result is
always exactly what :func:`app.domain.templates.render` gives.
"""

from __future__ import annotations

import html as markup
from collections.abc import Mapping
from typing import Any

from app.domain.journey import Node
from app.domain.node_configs import NodeConfig
from app.domain.templates import render, template_variables

PER_MESSAGE = ("unsubscribe_url", "view_url")
_PLACEHOLDERS = {name: f"zq{i}JSLINKPLACEHOLDER{i}qz" for i, name in enumerate(PER_MESSAGE)}
LIMIT = 20_000
_MISSING = object()


def _lookup(name: str, contact: Mapping[str, Any], context: Mapping[str, Any]) -> object:
    """The value a template variable has (the context wins a clash, as in rendering)."""
    head, _dot, key = name.partition(".")
    if head in context:
        value: Any = context[head]
    elif head == "attributes":
        value = contact.get("attributes") or {}
    else:
        value = contact.get(head, _MISSING)
    if not key:
        return value
    return value.get(key, _MISSING) if isinstance(value, Mapping) else _MISSING


class RenderCache:
    """One dispatch run's renderer; forgets everything when the run ends."""

    def __init__(self) -> None:
        self._rendered: dict[tuple[Any, ...], str] = {}
        self._uncacheable: set[tuple[str, bool]] = set()
        self._reads: dict[str, tuple[list[str], list[str]]] = {}
        self._configs: dict[int, tuple[Node, NodeConfig]] = {}

    def _variables(self, source: str) -> tuple[list[str], list[str]]:
        """The template's variables other than the per-message links, and the links it uses."""
        reads = self._reads.get(source)
        if reads is None:
            names = sorted(template_variables(source))
            reads = (
                [n for n in names if n not in _PLACEHOLDERS],
                [n for n in names if n in _PLACEHOLDERS],
            )
            self._reads[source] = reads
        return reads

    def config(self, node: Node) -> NodeConfig:
        """The node's checked config, checked once per run rather than once per message."""
        known = self._configs.get(id(node))
        if known is None:  # the node is kept with it, so its id is not reused meanwhile
            known = self._configs[id(node)] = (node, node.typed_config())
        return known[1]

    def render(
        self,
        source: str,
        contact: Mapping[str, Any],
        context: Mapping[str, Any],
        *,
        html: bool = False,
    ) -> str:
        if not source or (source, html) in self._uncacheable:
            return render(source, contact, context, html=html)
        names, links = self._variables(source)
        try:
            values = tuple((name, _lookup(name, contact, context)) for name in names)
            key = (source, html, values)
            hash(key)
        except TypeError:  # a whole mapping or list is used: render per message
            return render(source, contact, context, html=html)
        text = self._rendered.get(key)
        if text is None:
            stand_in = {**context, **{name: _PLACEHOLDERS[name] for name in links}}
            text = render(source, contact, stand_in, html=html)
            if any(_PLACEHOLDERS[name] not in text for name in links):
                self._uncacheable.add((source, html))
                return render(source, contact, context, html=html)
            if len(self._rendered) >= LIMIT:
                self._rendered.clear()
            self._rendered[key] = text
        for name in links:
            value = str(context.get(name, ""))
            text = text.replace(_PLACEHOLDERS[name], markup.escape(value) if html else value)
        return text
