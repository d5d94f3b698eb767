"""Signed tracking tokens: what a link in a message stands for, and proof that we made it.

A token is ``<payload>.<signature>``, both URL-safe base64: the payload is a small JSON object
(message id, what the link does, and for clicks the destination), the signature an HMAC-SHA256
of the payload with one of the workspace's keys. A token that does not verify with a key still
valid is refused; nothing in it is trusted before that. A click's destination is inside the
signed payload, so the tracking server can only ever redirect to a link that was in the
original message.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from dataclasses import dataclass
from typing import Literal

Action = Literal["open", "click", "unsubscribe", "view"]
_ACTIONS: dict[str, Action] = {"o": "open", "c": "click", "u": "unsubscribe", "v": "view"}
_CODES = {action: code for code, action in _ACTIONS.items()}


class BadToken(ValueError):
    """A token that is malformed, forged or altered."""


@dataclass(frozen=True)
class Claim:
    message_id: str
    action: Action
    url: str | None = None


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class Signer:
    """Signs claims with one key (its HMAC state prepared once: dispatch signs many links)."""

    def __init__(self, key_id: str, key: bytes) -> None:
        self.key_id = key_id
        self._mac = hmac.new(key, digestmod=hashlib.sha256)

    def sign(self, claim: Claim) -> str:
        payload: dict[str, str] = {
            "m": claim.message_id,
            "a": _CODES[claim.action],
            "k": self.key_id,
        }
        if claim.url is not None:
            payload["u"] = claim.url
        body = _b64(json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode())
        mac = self._mac.copy()
        mac.update(body.encode())
        return f"{body}.{_b64(mac.digest())}"


def sign(claim: Claim, key_id: str, key: bytes) -> str:
    return Signer(key_id, key).sign(claim)


def verify(token: str, keys: dict[str, bytes]) -> Claim:
    """The claim of a token signed with one of ``keys`` (key id → key), else :class:`BadToken`."""
    try:
        body, signature = token.split(".")
        payload = json.loads(_unb64(body))
        key = keys[payload["k"]]
        expected = hmac.new(key, body.encode(), hashlib.sha256).digest()
        if not hmac.compare_digest(expected, _unb64(signature)):
            raise BadToken("the token's signature does not match")
        action = _ACTIONS[payload["a"]]
        url = payload.get("u")
        message_id = payload["m"]
    except BadToken:
        raise
    except (ValueError, KeyError, TypeError) as error:
        raise BadToken(f"not a token of this workspace ({type(error).__name__})") from None
    if not isinstance(message_id, str) or (url is not None and not isinstance(url, str)):
        raise BadToken("a token field has the wrong type")
    if action == "click" and (url is None or not url.startswith(("https://", "http://"))):
        raise BadToken("a click token must carry an http(s) destination")
    return Claim(message_id, action, url)
