"""Workspace settings: typed values in the ``workspace_settings`` table, with defaults.

Owns the list of settings a workspace knows (:data:`SETTINGS`), their defaults
(:data:`DEFAULT_SETTINGS`) and reading and writing them. A value is stored as JSON only after
its setting has checked it; a key missing from the table reads as its default.

Invariants:
- Only known keys are read or written; anything else is refused with :class:`SettingError`.
- A stored value that no longer passes its check is reported, never silently replaced.
- Adding a setting is one :class:`Setting` in :data:`SETTINGS`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, overload

from sqlalchemy import Connection, select

from app.store.schema import workspace_settings
from app.store.workspace import upsert


class SettingError(ValueError):
    """An unknown setting, or a value the setting does not accept."""


@dataclass(frozen=True)
class Setting[T]:
    """One workspace setting: its key, default and the check a value must pass."""

    key: str
    default: T
    description: str
    check: Callable[[object], T]
    """Returns the value if acceptable, else raises :class:`ValueError` saying what is expected."""

    def validate(self, value: object) -> T:
        try:
            return self.check(value)
        except ValueError as error:
            raise SettingError(f"{self.key}: {error}, not {value!r}") from None


def _whole_seconds(minimum: int) -> Callable[[object], int]:
    def check(value: object) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
            raise ValueError(f"expected a whole number of seconds, at least {minimum}")
        return value

    return check


SEGMENT_REFRESH: Setting[int] = Setting(
    "segment_refresh",
    default=60,
    description="seconds between refreshes of segment membership (DESIGN §3)",
    check=_whole_seconds(1),
)


def _choice(*options: str) -> Callable[[object], str]:
    def check(value: object) -> str:
        if value not in options:
            raise ValueError(f"expected one of {', '.join(options)}")
        return str(value)

    return check


def _text(value: object) -> str:
    if not isinstance(value, str):
        raise ValueError("expected text")
    return value.strip()


def _port(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value < 65536:
        raise ValueError("expected a port number from 1 to 65535")
    return value


def _rate(value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise ValueError("expected a number of messages a second, 0 for no limit")
    return float(value)


def _flag(value: object) -> bool:
    if not isinstance(value, bool):
        raise ValueError("expected true or false")
    return value


def _http_url(value: object) -> str:
    text = _text(value)
    if text and not text.startswith(("http://", "https://")):
        raise ValueError("expected an http:// or https:// address")
    return text.rstrip("/")


EMAIL_TRANSPORT = Setting("email_transport", "outbox", "outbox or smtp", _choice("outbox", "smtp"))
SMS_TRANSPORT = Setting("sms_transport", "outbox", "outbox or http", _choice("outbox", "http"))
PUSH_TRANSPORT = Setting("push_transport", "outbox", "outbox or http", _choice("outbox", "http"))
SMTP_HOST = Setting("smtp_host", "", "the SMTP server's host name", _text)
SMTP_PORT = Setting("smtp_port", 587, "the SMTP server's port", _port)
SMTP_SECURITY = Setting(
    "smtp_security",
    "starttls",
    "starttls, tls (implicit) or none",
    _choice("starttls", "tls", "none"),
)
SMTP_USERNAME = Setting("smtp_username", "", "the SMTP login (its password is a secret)", _text)
SMTP_RATE = Setting("smtp_per_second", 0.0, "messages a second at most (0: no limit)", _rate)
SMS_URL = Setting("sms_http_url", "", "the SMS provider's endpoint (JSON POST)", _http_url)
PUSH_URL = Setting("push_http_url", "", "the push provider's endpoint (JSON POST)", _http_url)
TRACKING = Setting("tracking", False, "open pixel and click tracking in emails", _flag)
TRACKING_URL = Setting(
    "tracking_base_url",
    "http://127.0.0.1:8765",
    "the public address of the tracking server (links in messages point there)",
    _http_url,
)

SETTINGS: Mapping[str, Setting[Any]] = {
    setting.key: setting
    for setting in (
        SEGMENT_REFRESH,
        EMAIL_TRANSPORT,
        SMS_TRANSPORT,
        PUSH_TRANSPORT,
        SMTP_HOST,
        SMTP_PORT,
        SMTP_SECURITY,
        SMTP_USERNAME,
        SMTP_RATE,
        SMS_URL,
        PUSH_URL,
        TRACKING,
        TRACKING_URL,
    )
}
"""Every setting a workspace knows, by key."""

DEFAULT_SETTINGS: Mapping[str, object] = {key: s.default for key, s in SETTINGS.items()}


def find_setting(key: str) -> Setting[Any]:
    """The setting named ``key``; :class:`SettingError` for a key no workspace knows."""
    try:
        return SETTINGS[key]
    except KeyError:
        known = ", ".join(sorted(SETTINGS))
        raise SettingError(f"unknown workspace setting {key!r} (known: {known})") from None


@overload
def get_setting[T](connection: Connection, key: Setting[T]) -> T: ...
@overload
def get_setting(connection: Connection, key: str) -> object: ...
def get_setting(connection: Connection, key: Setting[Any] | str) -> object:
    """The value of a setting in this workspace, or its default when it was never set.

    Pass the :class:`Setting` (``SEGMENT_REFRESH``) for a typed value, or its key.
    """
    found = find_setting(key) if isinstance(key, str) else key
    stored = connection.execute(
        select(workspace_settings.c.value).where(workspace_settings.c.key == found.key)
    ).first()
    if stored is None:
        return found.default
    return found.validate(stored.value)


def set_setting(connection: Connection, key: Setting[Any] | str, value: object) -> None:
    """Store a setting's value (checked first); use a writer connection."""
    found = find_setting(key) if isinstance(key, str) else key
    checked = found.validate(value)
    statement = upsert(connection)(workspace_settings).values(key=found.key, value=checked)
    connection.execute(
        statement.on_conflict_do_update(
            index_elements=[workspace_settings.c.key], set_={"value": statement.excluded.value}
        )
    )


def all_settings(connection: Connection) -> dict[str, object]:
    """Every known setting with its value in this workspace (defaults filled in)."""
    return {key: get_setting(connection, found) for key, found in SETTINGS.items()}
