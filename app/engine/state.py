"""The engine's own state in the workspace: the moment of its last tick.

Kept in ``workspace_settings`` under ``state.*`` keys, apart from the user's settings (which
:mod:`app.store.settings` guards), so time never runs backwards in a workspace (DESIGN §5).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, select

from app.store.schema import workspace_settings
from app.store.workspace import upsert

LAST_TICK = "state.last_tick_at"


class TimeWentBackwards(ValueError):
    """A tick (or a simulated run) before the workspace's last tick."""


def last_tick(connection: Connection) -> datetime | None:
    value = connection.execute(
        select(workspace_settings.c.value).where(workspace_settings.c.key == LAST_TICK)
    ).scalar_one_or_none()
    return None if value is None else datetime.fromisoformat(str(value))


def advance_to(connection: Connection, now: datetime) -> None:
    """Record ``now`` as the last tick; refuse a moment before the previous one."""
    previous = last_tick(connection)
    if previous is not None and now < previous:
        raise TimeWentBackwards(
            f"this workspace has already run until {previous.isoformat()}; "
            f"time cannot go back to {now.isoformat()}"
        )
    statement = upsert(connection)(workspace_settings).values(key=LAST_TICK, value=now.isoformat())
    connection.execute(
        statement.on_conflict_do_update(
            index_elements=[workspace_settings.c.key], set_={"value": statement.excluded.value}
        )
    )
