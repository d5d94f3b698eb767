"""Per-message links that templates may use: ``unsubscribe_url`` and ``view_url``.

They point at the tracking server's public base URL. (Signed tokens arrive with the tracking
server; until then the link carries the message id.)
"""

from __future__ import annotations

from collections.abc import Mapping

DEFAULT_BASE_URL = "http://127.0.0.1:8765"


def message_links(base_url: str = DEFAULT_BASE_URL) -> LinkBuilder:
    return LinkBuilder(base_url.rstrip("/"))


class LinkBuilder:
    def __init__(self, base_url: str) -> None:
        self.base_url = base_url

    def __call__(self, message_id: str) -> Mapping[str, str]:
        return {
            "unsubscribe_url": f"{self.base_url}/u/{message_id}",
            "view_url": f"{self.base_url}/v/{message_id}",
        }
