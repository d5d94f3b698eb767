"""Sales follow-up tasks: listing and completing them (the CLI and the Tasks page).

A task is open until someone marks it done; marking it done again keeps the first completion
time. Search looks at the title, the description, the assignee and the contact's email and
name, ignoring case.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, case, func, or_, select, update

from app.store.schema import contacts, journeys, tasks
from app.store.workspace import Workspace

_PRIORITY = case({"high": 0, "normal": 1, "low": 2}, value=tasks.c.priority, else_=3)
TASK_STATUSES = ("open", "done")


def list_tasks(
    workspace: Workspace,
    *,
    status: str | None = None,
    assignee: str | None = None,
    search: str | None = None,
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
    if search and search.strip():
        pattern = f"%{search.strip().lower()}%"
        name = (
            func.coalesce(contacts.c.first_name, "") + " " + func.coalesce(contacts.c.last_name, "")
        )
        query = query.where(
            or_(
                *(
                    func.lower(func.coalesce(column, "")).like(pattern)
                    for column in (
                        tasks.c.title,
                        tasks.c.description,
                        tasks.c.assignee,
                        contacts.c.email,
                        name,
                    )
                )
            )
        )
    with workspace.reader() as connection:
        return [dict(row) for row in connection.execute(query).mappings()]


def task_assignees(workspace: Workspace) -> list[str]:
    """Everyone who has a task, by name."""
    query = (
        select(tasks.c.assignee)
        .where(tasks.c.assignee.is_not(None), tasks.c.assignee != "")
        .distinct()
        .order_by(tasks.c.assignee)
    )
    with workspace.reader() as connection:
        return list(connection.execute(query).scalars())


def complete_task(workspace: Workspace, task_id: int, now: datetime) -> bool:
    """Mark one task done; False when there is no such task."""
    with workspace.writer() as connection:
        found = connection.execute(select(tasks.c.id).where(tasks.c.id == task_id)).first()
        if found is not None:
            _complete(connection, [task_id], now)
    return found is not None


def complete_tasks(workspace: Workspace, task_ids: Iterable[int], now: datetime) -> int:
    """Mark these tasks done in one transaction; returns how many were open until now."""
    chosen = sorted(set(task_ids))
    if not chosen:
        return 0
    with workspace.writer() as connection:
        return _complete(connection, chosen, now)


def _complete(connection: Connection, task_ids: list[int], now: datetime) -> int:
    result = connection.execute(
        update(tasks)
        .where(tasks.c.id.in_(task_ids), tasks.c.status == "open")
        .values(status="done", completed_at=now)
    )
    return int(result.rowcount)
