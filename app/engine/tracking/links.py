"""Per-message tracking links: signed unsubscribe and view links for templates, and, with
tracking on, click-tracking links and an open pixel written into an email's HTML.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Mapping
from datetime import datetime

from app.engine.tracking.keys import TrackingKeys, tracking_keys
from app.engine.tracking.tokens import Claim, Signer
from app.store.settings import TRACKING, TRACKING_URL, get_setting
from app.store.workspace import Workspace

PIXEL_PATH = "/o/"
_HREF = re.compile(r"""(href\s*=\s*)(["'])(https?://[^"'\s>]+)\2""", re.IGNORECASE)


class TrackingLinks:
    """Link maker for one dispatch run (one set of keys)."""

    def __init__(self, base_url: str, keys: TrackingKeys, *, track: bool = True) -> None:
        self.base_url = base_url.rstrip("/")
        self.keys = keys
        self.track = track
        self._signer = Signer(keys.current_id, keys.current)

    def _url(self, path: str, claim: Claim, suffix: str = "") -> str:
        return f"{self.base_url}/{path}/{self._signer.sign(claim)}{suffix}"

    def __call__(self, message_id: str) -> Mapping[str, str]:
        """Template variables: ``unsubscribe_url`` and ``view_url`` of this message."""
        return {
            "unsubscribe_url": self._url("u", Claim(message_id, "unsubscribe")),
            "view_url": self._url("v", Claim(message_id, "view")),
        }

    def track_html(self, message_id: str, body: str) -> str:
        """Links to web pages go through the click tracker; an open pixel goes at the end.

        The message's own unsubscribe and view links are left as they are.
        """
        if not self.track or not body:
            return body

        def rewrite(match: re.Match[str]) -> str:
            target = html.unescape(match[3])
            if target.startswith(self.base_url + "/"):
                return match[0]
            tracked = self._url("c", Claim(message_id, "click", target))
            return f"{match[1]}{match[2]}{html.escape(tracked)}{match[2]}"

        pixel = (
            f'<img src="{self._url("o", Claim(message_id, "open"), ".gif")}" width="1" '
            'height="1" alt="" style="display:block;border:0">'
        )
        rewritten = _HREF.sub(rewrite, body)
        closing = rewritten.lower().rfind("</body>")
        if closing == -1:
            return rewritten + pixel
        return rewritten[:closing] + pixel + rewritten[closing:]


def workspace_links(workspace: Workspace) -> Callable[[datetime], TrackingLinks]:
    """The link source for a workspace's engine: its current keys and tracking settings."""

    def at(now: datetime) -> TrackingLinks:
        with workspace.writer() as connection:  # the first key is made on first use
            keys = tracking_keys(connection, now)
            base_url = get_setting(connection, TRACKING_URL)
            track = get_setting(connection, TRACKING)
        return TrackingLinks(base_url, keys, track=track)

    return at
