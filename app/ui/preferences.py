"""What the app remembers between runs: recent workspaces and the window's geometry.

Kept in Qt's per-user settings (QSettings, organisation and application "Journey Studio"), not
in a workspace: they belong to the person at this desktop. Tests point QSettings at a folder of
their own.
"""

from __future__ import annotations

from PySide6.QtCore import QByteArray, QSettings

RECENT_KEY = "workspaces/recent"
GEOMETRY_KEY = "window/geometry"
RECENT_LIMIT = 8


def _settings() -> QSettings:
    return QSettings("Journey Studio", "Journey Studio")


def recent_workspaces() -> list[str]:
    """Most recent first."""
    value = _settings().value(RECENT_KEY, [])
    if isinstance(value, str):  # QSettings gives a lone string for a one-item list
        value = [value]
    return [str(item) for item in value or [] if item]


def remember_workspace(location: str) -> None:
    recent = [location, *(item for item in recent_workspaces() if item != location)]
    _settings().setValue(RECENT_KEY, recent[:RECENT_LIMIT])


def window_geometry() -> QByteArray | None:
    value = _settings().value(GEOMETRY_KEY)
    return value if isinstance(value, QByteArray) and not value.isEmpty() else None


def remember_window_geometry(geometry: QByteArray) -> None:
    _settings().setValue(GEOMETRY_KEY, geometry)
