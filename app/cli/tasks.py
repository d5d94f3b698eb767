"""``journey-studio tasks list`` and ``tasks done ID``: sales follow-ups made by task nodes."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime

from app.cli.output import EXIT_NOT_FOUND, EXIT_OK, EXIT_USAGE, fail, open_or_fail, print_json
from app.cli.timeargs import iso


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    tasks = commands.add_parser("tasks", help="sales follow-up tasks created by journeys")
    actions = tasks.add_subparsers(dest="tasks_command", metavar="ACTION", required=True)
    listing = actions.add_parser("list", help="list tasks, most urgent first")
    listing.add_argument("--status", choices=("open", "done", "all"), default="all")
    listing.add_argument("--assignee", metavar="NAME")
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(handler=list_command)
    done = actions.add_parser("done", help="mark a task done")
    done.add_argument("id", type=int)
    done.set_defaults(handler=done_command)


def list_command(args: argparse.Namespace) -> int:
    from app.services.tasks import list_tasks

    workspace = open_or_fail(args.db)
    if workspace is None:
        return EXIT_USAGE
    rows = list_tasks(workspace, status=None if args.status == "all" else args.status,
                      assignee=args.assignee)  # fmt: skip
    workspace.close()
    for row in rows:
        row["due_at"], row["created_at"] = iso(row["due_at"]), iso(row["created_at"])
        row["completed_at"] = iso(row["completed_at"])
    if args.json:
        print_json(rows)
        return EXIT_OK
    for row in rows:
        print(
            f"{row['id']:>6}  {row['status']:<5} {row['priority']:<6} due {row['due_at']}  "
            f"{row['assignee'] or '-':<16} {row['title']}  ({row['contact']}, {row['journey']})"
        )
    return EXIT_OK


def done_command(args: argparse.Namespace) -> int:
    from app.services.tasks import complete_task

    workspace = open_or_fail(args.db)
    if workspace is None:
        return EXIT_USAGE
    found = complete_task(workspace, args.id, datetime.now(UTC))
    workspace.close()
    if not found:
        fail(f"no task {args.id}")
        return EXIT_NOT_FOUND
    print(f"task {args.id} done")
    return EXIT_OK
