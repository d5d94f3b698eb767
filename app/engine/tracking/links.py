"""Per-message tracking links: signed unsubscribe and view links for templates, and, with
tracking on, click-tracking links and an open pixel written into an email's HTML.

Each link is a signed token, and signing is most of what a link costs: a message's own links
are made only when asked for (dispatch asks for those its node's templates read).

Dispatch tracks thousands of bodies that differ only in the message's own links (the render
cache fills those in per message). So where the links go is worked out once per distinct body
with those links masked (:class:`TrackingPlan`), and each message only has its clicks and pixel
signed into it. The result is always what rewriting that message's body on its own gives; a
body where masking could change the outcome (the mask character already in it, or an own link
inside another link) is rewritten on its own.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from datetime import datetime

from app.engine.tracking.keys import TrackingKeys, tracking_keys
from app.engine.tracking.tokens import Claim, Signer
from app.store.settings import TRACKING, TRACKING_URL, get_setting
from app.store.workspace import Workspace

PIXEL_PATH = "/o/"
_HREF = re.compile(r"""(href\s*=\s*)(["'])(https?://[^"'\s>]+)\2""", re.IGNORECASE)
_MASK = "\0"
"""Stands for the message's own links in a body being planned (never in rendered HTML)."""
_OWN_MASKS = (f"{_MASK}unsubscribe{_MASK}", f"{_MASK}view{_MASK}")
_MASKS = re.compile("(" + "|".join(_OWN_MASKS) + ")")
_OWN_PLACES = {"unsubscribe_url": 0, "view_url": 1}
"""Template variables of the own links, by their place in the masks and in ``_own``."""
OWN_LINKS = tuple(_OWN_PLACES)
PLANS = 2_000
"""Distinct bodies planned per link maker before the plans are forgotten."""


@dataclass(frozen=True)
class Click:
    """Where a tracked link goes (unescaped)."""

    target: str


class Pixel:
    """Where the open pixel goes."""


TrackingPlan = tuple[str | Click | Pixel, ...]
"""A body as literal text, links to track and the pixel, in order."""
PartsPlan = tuple[tuple[str, ...], tuple[int, ...], tuple[str, ...], tuple[int, ...]]
"""A tracking plan as its literal text at even places (the odd ones are to be filled in), what
goes at each odd place (0 and 1 the own links, 2 the pixel, 3 on the tracked links in order),
the targets of the links it tracks, and the places (in ``_own``) of the own links it holds."""


class TrackingLinks:
    """Link maker for one dispatch run (one set of keys)."""

    def __init__(self, base_url: str, keys: TrackingKeys, *, track: bool = True) -> None:
        self.base_url = base_url.rstrip("/")
        self.keys = keys
        self.track = track
        self._signer = Signer(keys.current_id, keys.current)
        self._plans: dict[str, TrackingPlan | None] = {}
        self._part_plans: dict[tuple[str, ...], PartsPlan | None] = {}
        self._own: tuple[str, tuple[str | None, str | None]] | None = None
        """The message whose links were made last, and those links as HTML would hold them
        (None: not made)."""
        self._unsubscribe, self._view = f"{self.base_url}/u/", f"{self.base_url}/v/"
        self._click, self._open = f"{self.base_url}/c/", f"{self.base_url}/o/"
        self._plain = html.escape(self.base_url) == self.base_url

    def _url(self, path: str, claim: Claim, suffix: str = "") -> str:
        return f"{self.base_url}/{path}/{self._signer.sign(claim)}{suffix}"

    def __call__(self, message_id: str, names: Collection[str] = OWN_LINKS) -> Mapping[str, str]:
        """Template variables: this message's ``unsubscribe_url`` and ``view_url``, those of
        them that ``names`` asks for (the others are not signed)."""
        token = self._signer.token
        unsubscribe = view = None
        if "unsubscribe_url" in names:
            unsubscribe = self._unsubscribe + token("unsubscribe", message_id)
        if "view_url" in names:
            view = self._view + token("view", message_id)
        if self._plain:  # a token needs no escaping, nor does this base URL
            self._own = (message_id, (unsubscribe, view))
        else:
            self._own = (message_id, (_escaped(unsubscribe), _escaped(view)))
        made = {"unsubscribe_url": unsubscribe, "view_url": view}
        return {name: link for name, link in made.items() if link is not None}

    def track_html(self, message_id: str, body: str) -> str:
        """Links to web pages go through the click tracker; an open pixel goes at the end.

        The message's own unsubscribe and view links are left as they are.
        """
        if not self.track or not body:
            return body
        if _MASK in body:
            return self._rewrite(message_id, body)
        own = self._own[1] if self._own is not None and self._own[0] == message_id else ()
        masked = body
        for link, mask in zip(own, _OWN_MASKS, strict=False):
            if link is not None:
                masked = masked.replace(link, mask)
        plan = self._plan(masked)
        if plan is None:
            return self._rewrite(message_id, body)
        token = self._signer.token
        parts = []
        for part in plan:
            if type(part) is str:
                parts.append(part)
            elif type(part) is Click:
                url = self._click + token("click", message_id, part.target)
                parts.append(url if self._plain else html.escape(url))
            else:
                parts.append(self._pixel(message_id))
        tracked = "".join(parts)
        for link, mask in zip(own, _OWN_MASKS, strict=False):
            if link is not None:
                tracked = tracked.replace(mask, link)
        return tracked

    def track_parts(self, message_id: str, parts: tuple[str, ...]) -> str | None:
        """:meth:`track_html` of a body given as the render cache's parts: literal text, with
        this message's own links (``unsubscribe_url``, ``view_url``, as the last call made
        them) to go at odd places; None when the body must be given as text instead.

        The plan of such a body is made once, with the own links masked where they go, so a
        message needs no searching at all; where else an own link may stand makes no
        difference to a plan (it is a link to the tracking server, left as it is)."""
        if not self._plain or self._own is None or self._own[0] != message_id:
            return None
        own = self._own[1]
        if not self.track or parts == ("",):
            links: list[str] = []
            for name in parts[1::2]:
                link = own[_OWN_PLACES[name]] if name in _OWN_PLACES else None
                if link is None:  # not an own link, or not made
                    return None
                links.append(link)
            return "".join(links[i // 2] if i % 2 else part for i, part in enumerate(parts))
        plan = self._plan_parts(parts)
        if plan is None:
            return None
        slots, fields, targets, places = plan
        for place in places:
            if own[place] is None:  # not made: the body is not what the parts say
                return None
        token = self._signer.token
        clicks = [self._click + token("click", message_id, target) for target in targets]
        values = (*own, self._pixel(message_id), *clicks)
        body: list[str | None] = list(slots)  # joined: str.format would read it all again
        body[1::2] = [values[field] for field in fields]
        return "".join(body)  # type: ignore[arg-type]  # the own links it holds were made

    def _plan_parts(self, parts: tuple[str, ...]) -> PartsPlan | None:
        """The body's plan (:data:`PartsPlan`)."""
        if parts in self._part_plans:
            return self._part_plans[parts]
        literals, names = parts[::2], parts[1::2]
        plan: PartsPlan | None = None
        if all(name in _OWN_PLACES for name in names) and not any(_MASK in t for t in literals):
            masks = [_OWN_MASKS[_OWN_PLACES[name]] for name in names]
            masked = "".join(t for pair in zip(literals, [*masks, ""], strict=True) for t in pair)
            planned = self._plan(masked)
            if planned is not None:
                slots = [""]
                fields: list[int] = []
                targets: list[str] = []
                places = tuple(sorted({_OWN_PLACES[name] for name in names}))
                for part in [
                    piece for planned_part in planned for piece in _unmasked(planned_part)
                ]:
                    if type(part) is str:
                        slots[-1] += part
                        continue
                    if type(part) is int:
                        fields.append(part)
                    elif type(part) is Click:
                        fields.append(3 + len(targets))
                        targets.append(part.target)
                    else:
                        fields.append(2)
                    slots += ["", ""]
                plan = (tuple(slots), tuple(fields), tuple(targets), places)
        if len(self._part_plans) >= PLANS:
            self._part_plans.clear()
        self._part_plans[parts] = plan
        return plan

    def _plan(self, masked: str) -> TrackingPlan | None:
        """Where the links and the pixel go in a body whose own links are masked; None when
        masking could change that (an own link inside a link to be tracked)."""
        if masked in self._plans:
            return self._plans[masked]
        # The pixel goes before the last </body>, which no link can contain (a link stops at
        # a quote, a space or a ">"), so it is found in the literal text between links.
        closing = masked.lower().rfind("</body>")
        closing = len(masked) if closing == -1 else closing
        parts: list[str | Click | Pixel] = []
        plan: TrackingPlan | None = None
        position = 0
        for match in _HREF.finditer(masked):
            target = html.unescape(match[3])
            if target.startswith(self.base_url + "/"):
                continue
            if _MASK in target:
                break
            parts += [*_literal(masked, position, match.start(3), closing), Click(target)]
            position = match.end(3)
        else:
            plan = (*parts, *_literal(masked, position, len(masked) + 1, closing))
        if len(self._plans) >= PLANS:
            self._plans.clear()
        self._plans[masked] = plan
        return plan

    def _rewrite(self, message_id: str, body: str) -> str:
        """The body rewritten on its own (what a plan gives, without one)."""

        def rewrite(match: re.Match[str]) -> str:
            target = html.unescape(match[3])
            if target.startswith(self.base_url + "/"):
                return match[0]
            tracked = self._url("c", Claim(message_id, "click", target))
            return f"{match[1]}{match[2]}{html.escape(tracked)}{match[2]}"

        rewritten = _HREF.sub(rewrite, body)
        closing = rewritten.lower().rfind("</body>")
        if closing == -1:
            return rewritten + self._pixel(message_id)
        return rewritten[:closing] + self._pixel(message_id) + rewritten[closing:]

    def _pixel(self, message_id: str) -> str:
        return (
            f'<img src="{self._open}{self._signer.token("open", message_id)}.gif" width="1" '
            'height="1" alt="" style="display:block;border:0">'
        )


def _escaped(link: str | None) -> str | None:
    return None if link is None else html.escape(link)


def _unmasked(part: str | Click | Pixel) -> tuple[str | int | Click | Pixel, ...]:
    """A plan's part with the masks in its text turned into places in the own links."""
    if type(part) is not str or _MASK not in part:
        return (part,)
    pieces: list[str | int] = []
    for i, piece in enumerate(_MASKS.split(part)):
        if i % 2:
            pieces.append(_OWN_MASKS.index(piece))
        elif piece:
            pieces.append(piece)
    return tuple(pieces)


def _literal(text: str, start: int, end: int, closing: int) -> tuple[str | Pixel, ...]:
    """``text[start:end]`` as plan parts, with the pixel at ``closing`` when it lies there
    (``end`` past the text's length: the end of the body is included)."""
    if start <= closing < end:
        return (text[start:closing], Pixel(), text[closing:end])
    return (text[start:end],)


def workspace_links(workspace: Workspace) -> Callable[[datetime], TrackingLinks]:
    """The link source for a workspace's engine: its current keys and tracking settings."""

    def at(now: datetime) -> TrackingLinks:
        with workspace.writer() as connection:  # the first key is made on first use
            keys = tracking_keys(connection, now)
            base_url = get_setting(connection, TRACKING_URL)
            track = get_setting(connection, TRACKING)
        return TrackingLinks(base_url, keys, track=track)

    return at
