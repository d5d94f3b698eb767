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
from sqlalchemy.dialects import postgresql, sqlite

from app.store.schema import workspace_settings


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

SETTINGS: Mapping[str, Setting[Any]] = {setting.key: setting for setting in (SEGMENT_REFRESH,)}
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
    insert = postgresql.insert if connection.dialect.name == "postgresql" else sqlite.insert
    statement = insert(workspace_settings).values(key=found.key, value=checked)
    connection.execute(
        statement.on_conflict_do_update(
            index_elements=[workspace_settings.c.key], set_={"value": statement.excluded.value}
        )
    )


def all_settings(connection: Connection) -> dict[str, object]:
    """Every known setting with its value in this workspace (defaults filled in)."""
    return {key: get_setting(connection, found) for key, found in SETTINGS.items()}
