"""The workspace's tracking keys (DESIGN §7): kept in the workspace so that a tracking server
on another host, pointed at the same database, can check tokens.

Rotation makes a new key current and keeps the old ones valid for 30 days, so links in
messages already sent keep working for a while.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, select

from app.store.schema import workspace_settings
from app.store.workspace import upsert

KEYS = "state.tracking_keys"
GRACE = timedelta(days=30)


@dataclass(frozen=True)
class TrackingKeys:
    current_id: str
    current: bytes
    valid: dict[str, bytes]


def _read(connection: Connection) -> list[dict[str, Any]]:
    value = connection.execute(
        select(workspace_settings.c.value).where(workspace_settings.c.key == KEYS)
    ).scalar_one_or_none()
    return list(value or [])


def _write(connection: Connection, entries: list[dict[str, Any]]) -> None:
    statement = upsert(connection)(workspace_settings).values(key=KEYS, value=entries)
    connection.execute(
        statement.on_conflict_do_update(
            index_elements=[workspace_settings.c.key], set_={"value": statement.excluded.value}
        )
    )


def _new_entry(now: datetime) -> dict[str, Any]:
    return {
        "id": secrets.token_hex(4),
        "key": secrets.token_hex(32),
        "created_at": now.isoformat(),
        "retired_at": None,
    }


def tracking_keys(connection: Connection, now: datetime) -> TrackingKeys:
    """The current key (made on first use; needs a writer connection then) and every key still
    valid at ``now``."""
    entries = _read(connection)
    if not entries:
        entries = [_new_entry(now)]
        _write(connection, entries)
    current = next(entry for entry in entries if entry["retired_at"] is None)
    valid = {
        entry["id"]: bytes.fromhex(entry["key"])
        for entry in entries
        if entry["retired_at"] is None or datetime.fromisoformat(entry["retired_at"]) + GRACE > now
    }
    return TrackingKeys(current["id"], bytes.fromhex(current["key"]), valid)


def rotate(connection: Connection, now: datetime) -> str:
    """Make a new current key; the previous ones stay valid for 30 days. Returns the new id."""
    entries = [
        {**entry, "retired_at": entry["retired_at"] or now.isoformat()}
        for entry in _read(connection)
        if entry["retired_at"] is None or datetime.fromisoformat(entry["retired_at"]) + GRACE > now
    ]
    fresh = _new_entry(now)
    _write(connection, [*entries, fresh])
    return str(fresh["id"])
