"""Signed tracking tokens: what a link in a message stands for, and proof that we made it.

A token is ``<payload>.<signature>``, both URL-safe base64; the signature is an HMAC-SHA256 of
the payload text with one of the workspace's keys. The payload says what the link does, for
which message, signed with which key, and for clicks the destination. A token that does not
verify with a key still valid is refused; nothing in it is trusted before that. A click's
destination is inside the signed payload, so the tracking server can only ever redirect to a
link that was in the original message.

Payload formats (both verify; new tokens are version 2):

- version 1, the first tokens issued: a JSON object ``{"m": id, "a": code, "k": key id,
  "u": url}``;
- version 2: ``2``, the action code, the key id, the message id and (clicks) the url, joined
  by the unit separator U+001F, the url last so that it may hold anything. Dispatch signs four
  links per email, and this spares the JSON encoder on each.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from binascii import b2a_base64
from dataclasses import dataclass
from typing import Any, Literal

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


_URL_SAFE = bytes.maketrans(b"+/", b"-_")
"""Base64 into its URL-safe form, as ``base64.urlsafe_b64encode`` does, in fewer calls."""


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


SEPARATOR = "\x1f"
VERSION_2 = "2"


_BLOCK = 64
"""SHA-256's block size: HMAC pads its key to it (RFC 2104)."""


class Signer:
    """Signs claims with one key, in the version 2 format, prepared once: dispatch signs
    many links.

    The HMAC is computed from SHA-256 states that have already taken the padded key (the
    construction of RFC 2104, as :mod:`hmac` does it, without its per-call wrapper objects);
    :func:`verify` checks with :mod:`hmac` itself."""

    def __init__(self, key_id: str, key: bytes) -> None:
        if SEPARATOR in key_id:
            raise ValueError(f"a key id cannot contain U+001F: {key_id!r}")
        self.key_id = key_id
        if len(key) > _BLOCK:
            key = hashlib.sha256(key).digest()
        padded = key.ljust(_BLOCK, b"\0")
        self._inner = hashlib.sha256(bytes(byte ^ 0x36 for byte in padded))
        self._outer = hashlib.sha256(bytes(byte ^ 0x5C for byte in padded))
        self._prefixes = {
            action: SEPARATOR.join((VERSION_2, code, key_id, "")) for action, code in _CODES.items()
        }

    def sign(self, claim: Claim) -> str:
        return self.token(claim.action, claim.message_id, claim.url)

    def token(self, action: Action, message_id: str, url: str | None = None) -> str:
        """The token of ``Claim(message_id, action, url)``, without making the claim."""
        if SEPARATOR in message_id:
            raise ValueError(f"a message id cannot contain U+001F: {message_id!r}")
        payload = self._prefixes[action] + message_id
        if url is not None:
            payload += SEPARATOR + url
        body = b2a_base64(payload.encode(), newline=False).translate(_URL_SAFE).rstrip(b"=")
        inner = self._inner.copy()
        inner.update(body)
        outer = self._outer.copy()
        outer.update(inner.digest())
        mac = b2a_base64(outer.digest(), newline=False).translate(_URL_SAFE).rstrip(b"=")
        return (body + b"." + mac).decode()


def sign(claim: Claim, key_id: str, key: bytes) -> str:
    return Signer(key_id, key).sign(claim)


def verify(token: str, keys: dict[str, bytes]) -> Claim:
    """The claim of a token signed with one of ``keys`` (key id → key), else :class:`BadToken`."""
    try:
        body, signature = token.split(".")
        payload = _payload(_unb64(body).decode())
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


def _payload(text: str) -> dict[str, Any]:
    """A payload's fields by their version 1 names, whichever version it is written in."""
    if text.startswith(VERSION_2 + SEPARATOR):
        fields = text.split(SEPARATOR, 4)
        if len(fields) < 4:
            raise ValueError("a version 2 payload has too few fields")
        payload = {"a": fields[1], "k": fields[2], "m": fields[3]}
        return payload | ({"u": fields[4]} if len(fields) == 5 else {})
    payload = json.loads(text)  # version 1
    if not isinstance(payload, dict):
        raise TypeError("a version 1 payload is a JSON object")
    return payload
