"""Sales follow-up tasks: listing and completing them (the CLI and the Tasks page)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import case, select, update

from app.store.schema import contacts, journeys, tasks
from app.store.workspace import Workspace

_PRIORITY = case({"high": 0, "normal": 1, "low": 2}, value=tasks.c.priority, else_=3)


def list_tasks(
    workspace: Workspace, *, status: str | None = None, assignee: str | None = None
) -> list[dict[str, Any]]:
    """Open tasks first, then by due date and priority."""
    query = (
        select(
            tasks.c.id,
            tasks.c.title,
            tasks.c.description,
            tasks.c.assignee,
            tasks.c.priority,
            tasks.c.status,
            tasks.c.due_at,
            tasks.c.created_at,
            tasks.c.completed_at,
            contacts.c.email.label("contact"),
            journeys.c.name.label("journey"),
            tasks.c.node_id.label("node"),
        )
        .join(contacts, contacts.c.id == tasks.c.contact_id)
        .outerjoin(journeys, journeys.c.id == tasks.c.journey_id)
        .order_by(tasks.c.status != "open", tasks.c.due_at, _PRIORITY, tasks.c.id)
    )
    if status is not None:
        query = query.where(tasks.c.status == status)
    if assignee is not None:
        query = query.where(tasks.c.assignee == assignee)
    with workspace.reader() as connection:
        return [dict(row) for row in connection.execute(query).mappings()]


def complete_task(workspace: Workspace, task_id: int, now: datetime) -> bool:
    with workspace.writer() as connection:
        result = connection.execute(
            update(tasks).where(tasks.c.id == task_id).values(status="done", completed_at=now)
        )
    return bool(result.rowcount)
