"""Rendering at dispatch with a cache per distinct input (DESIGN §8).

Most messages of a send node differ only in a few contact values and in their own links. A
node's templates are rendered once per distinct combination of the values they actually read,
with the per-message links (``unsubscribe_url``, ``view_url``) left out as holes; each
message's links are filled in afterwards. The result is always exactly what
:func:`app.domain.templates.render` gives:

- a template may use a link only as a plain ``{{ unsubscribe_url }}`` written straight into
  the output (not in a filter, test, macro, ``set`` or ``call`` block, ``autoescape`` block or
  recursive loop); one that does anything else with a link is rendered per message;
- the holes are marked by text that is random per cache, so neither a template nor contact
  data can make one appear;
- a message that would exceed the output limit once its links are in is rendered on its own
  (which refuses it);
- a template error is raised for each message that meets it, in the order of the templates.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable, Mapping, Sequence
from contextlib import suppress
from typing import Any

import jinja2
from jinja2 import nodes
from markupsafe import escape

from app.domain.journey import Node
from app.domain.node_configs import NodeConfig
from app.domain.templates import MAX_OUTPUT_CHARS, TemplateProblem, render, template_variables

PER_MESSAGE = ("unsubscribe_url", "view_url")
LIMIT = 20_000
"""Distinct inputs kept per cache before it starts afresh."""
_MISSING = object()
_PARSER = jinja2.Environment()
_PLAIN_ANCESTORS = (nodes.Template, nodes.Output)

Parts = tuple[str, ...]
"""A rendered template with holes: literal text at even places, link names at odd places."""
Source = tuple[str, bool]
"""A template and whether it renders HTML (autoescaped)."""


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


def _links_written_plainly(source: str) -> bool:
    """Whether every use of a per-message link is a plain ``{{ link }}`` whose text goes
    straight into the output, so that filling it in afterwards gives the same text."""
    try:
        tree = _PARSER.parse(source)
    except Exception:  # rendered per message, which reports it
        return False
    plain: set[int] = set()

    def walk(node: nodes.Node, straight: bool) -> None:
        if isinstance(node, nodes.Output):
            for output in node.nodes:
                if straight and isinstance(output, nodes.Name) and output.ctx == "load":
                    plain.add(id(output))
        if isinstance(node, nodes.For):  # its body and else, unless it recurses
            keeps = set() if node.recursive else {id(c) for c in (*node.body, *node.else_)}
            for child in node.iter_child_nodes():
                walk(child, straight and id(child) in keeps)
        elif isinstance(node, nodes.If):  # not its test
            for child in node.iter_child_nodes():
                walk(child, straight and child is not node.test)
        else:
            for child in node.iter_child_nodes():
                walk(child, straight and isinstance(node, _PLAIN_ANCESTORS))

    try:
        walk(tree, True)
        names = list(tree.find_all(nodes.Name))
    except RecursionError:
        return False
    return all(id(name) in plain for name in names if name.name in PER_MESSAGE)


class _Sources:
    """What is known about one set of templates rendered together."""

    def __init__(self, sources: Sequence[Source]) -> None:
        reads = [sorted(template_variables(source)) if source else [] for source, _ in sources]
        self.names = sorted({n for names in reads for n in names if n not in PER_MESSAGE})
        self.links = [[n for n in names if n in PER_MESSAGE] for names in reads]
        self.cacheable = [
            bool(source) and (not links or _links_written_plainly(source))
            for (source, _), links in zip(sources, self.links, strict=True)
        ]
        self.rendered: dict[tuple[Any, ...], _Rendered] = {}
        """By the values of ``names`` and their types."""


_Rendered = tuple[tuple[Parts | None, ...], tuple[int, ...]]
"""Each template's parts and the length of their literal text."""


class RenderCache:
    """One dispatch run's renderer; forgets everything when the run ends."""

    def __init__(self) -> None:
        self._kept = 0
        self._sources: dict[tuple[Source, ...], _Sources] = {}
        self._configs: dict[int, tuple[Node, NodeConfig]] = {}
        self._node_sources: dict[int, tuple[Source, ...]] = {}
        self._node_links: dict[int, tuple[str, ...]] = {}
        mark = secrets.token_hex(8)
        self._holes = {name: f"zq{mark}L{i}qz" for i, name in enumerate(PER_MESSAGE)}
        self._names = {hole: name for name, hole in self._holes.items()}
        self._split = re.compile("(" + "|".join(self._holes.values()) + ")")

    def config(self, node: Node) -> NodeConfig:
        """The node's checked config, checked once per run rather than once per message."""
        known = self._configs.get(id(node))
        if known is None:  # the node is kept with it, so its id is not reused meanwhile
            known = self._configs[id(node)] = (node, node.typed_config())
        return known[1]

    def sources(
        self, node: Node, of: Callable[[NodeConfig], tuple[Source, ...]]
    ) -> tuple[Source, ...]:
        """``of(config)`` for the node's config, worked out once per run."""
        known = self._node_sources.get(id(node))
        if known is None:  # the node is kept in _configs, so its id is not reused meanwhile
            known = self._node_sources[id(node)] = of(self.config(node))
        return known

    def links_read(
        self, node: Node, of: Callable[[NodeConfig], tuple[Source, ...]]
    ) -> tuple[str, ...]:
        """The per-message links (of :data:`PER_MESSAGE`) that any of the templates
        ``of(config)`` reads, worked out once per run: the others need not be made. A template
        that cannot be read reads none (rendering it reports the problem)."""
        known = self._node_links.get(id(node))
        if known is None:  # the node is kept in _configs, so its id is not reused meanwhile
            read: set[str] = set()
            for source, _html in of(self.config(node)):
                with suppress(TemplateProblem):
                    read.update(template_variables(source) if source else ())
            known = self._node_links[id(node)] = tuple(n for n in PER_MESSAGE if n in read)
        return known

    def render(
        self,
        source: str,
        contact: Mapping[str, Any],
        context: Mapping[str, Any],
        *,
        html: bool = False,
    ) -> str:
        return self.render_all(((source, html),), contact, context)[0]

    def render_all(
        self,
        sources: tuple[Source, ...],
        contact: Mapping[str, Any],
        context: Mapping[str, Any],
    ) -> list[str]:
        """Each template rendered for this contact, as :func:`render` would; the first
        template error, in the order given, is raised."""
        return self._render(sources, contact, context, holes=False)  # type: ignore[return-value]

    def render_with_holes(
        self,
        sources: tuple[Source, ...],
        contact: Mapping[str, Any],
        context: Mapping[str, Any],
    ) -> list[str | Parts]:
        """As :meth:`render_all`, but the last template comes as its :data:`Parts` when it
        has them (the caller fills in the links, escaped if it is HTML, as
        :meth:`render_all` would), else as its text."""
        return self._render(sources, contact, context, holes=True)

    def _render(
        self,
        sources: tuple[Source, ...],
        contact: Mapping[str, Any],
        context: Mapping[str, Any],
        *,
        holes: bool,
    ) -> list[str | Parts]:
        known = self._sources.get(sources)
        if known is None:
            known = self._sources[sources] = _Sources(sources)
        parts: tuple[Parts | TemplateProblem | None, ...]
        try:
            values = tuple([_lookup(name, contact, context) for name in known.names])
            key = (values, tuple(map(type, values)))  # 1, 1.0 and True are equal, not alike
            cached = known.rendered.get(key)
        except TypeError:  # a whole mapping or list is used: render per message
            parts, sizes = (None,) * len(sources), (0,) * len(sources)
        else:
            if cached is None:
                parts, sizes = self._miss(sources, known, contact, context, key)
            else:
                parts, sizes = cached
        texts: list[str | Parts] = []
        last = len(sources) - 1
        for place, ((source, html), part) in enumerate(zip(sources, parts, strict=True)):
            if isinstance(part, TemplateProblem):
                raise part
            if part is None:
                texts.append(render(source, contact, context, html=html))
            elif len(part) == 1:
                texts.append(part[0])
            elif holes and place == last and _fits(part, sizes[place], context, html):
                texts.append(part)
            else:
                text = _filled(part, context, html)
                texts.append(render(source, contact, context, html=html) if text is None else text)
        return texts

    def _miss(
        self,
        sources: tuple[Source, ...],
        known: _Sources,
        contact: Mapping[str, Any],
        context: Mapping[str, Any],
        key: tuple[Any, ...],
    ) -> tuple[tuple[Parts | TemplateProblem | None, ...], tuple[int, ...]]:
        """Renders the templates with holes for the links and keeps them (unless one fails:
        a failure is not kept, each message that meets it fails on its own)."""
        parts: list[Parts | TemplateProblem | None] = []
        for (source, html), links, cacheable in zip(
            sources, known.links, known.cacheable, strict=True
        ):
            if not cacheable:
                parts.append(None if source else ("",))
                continue
            stand_in = {**context, **{name: self._holes[name] for name in links}}
            try:
                text = render(source, contact, stand_in, html=html)
            except TemplateProblem as problem:
                parts.append(problem)
                continue
            pieces = self._split.split(text) if links else [text]
            pieces[1::2] = [self._names[hole] for hole in pieces[1::2]]
            parts.append(tuple(pieces))
        sizes = tuple(sum(map(len, part[::2])) if isinstance(part, tuple) else 0 for part in parts)
        if not any(isinstance(part, TemplateProblem) for part in parts):
            if self._kept >= LIMIT:
                for other in self._sources.values():
                    other.rendered.clear()
                self._kept = 0
            known.rendered[key] = (tuple(parts), sizes)  # type: ignore[arg-type]
            self._kept += 1
        return tuple(parts), sizes


_SPECIAL = ("&", "<", ">", '"', "'")


def _escaped(value: str) -> str:
    """``value`` as Jinja writes it into HTML (markupsafe's escaping)."""
    for special in _SPECIAL:
        if special in value:
            return str(escape(value))
    return value


def _fits(parts: Parts, size: int, context: Mapping[str, Any], html: bool) -> bool:
    """Whether the parts (their literal text ``size`` long) can take this message's links:
    each is text, and the message stays within the output limit with them in."""
    length = size
    for name in parts[1::2]:
        value = context.get(name)
        if type(value) is not str:
            return False
        length += len(_escaped(value) if html else value)
    return length <= MAX_OUTPUT_CHARS


def _filled(parts: Parts, context: Mapping[str, Any], html: bool) -> str | None:
    """The parts with this message's links in; None when the message must be rendered on its
    own (a link that is not text, or a message over the output limit). Joined rather than
    formatted: ``str.format`` reads the whole text again for each message."""
    filled = list(parts)
    for place in range(1, len(parts), 2):
        value = context.get(parts[place])
        if type(value) is not str:
            return None
        filled[place] = _escaped(value) if html else value
    text = "".join(filled)
    return None if len(text) > MAX_OUTPUT_CHARS else text
