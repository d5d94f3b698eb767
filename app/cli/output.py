"""What every command shares: exit codes (DESIGN §10) and how results are printed."""

from __future__ import annotations

import json
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from app.store.workspace import Workspace

EXIT_OK = 0
EXIT_REFUSED = 1
EXIT_USAGE = 2
EXIT_NOT_FOUND = 3


def print_json(data: object) -> None:
    """One JSON document on stdout (``--json``), UTF-8 as it is."""
    print(json.dumps(data, indent=2, ensure_ascii=False))


def fail(message: str) -> None:
    """A diagnostic on stderr, prefixed with the command's name."""
    print(f"journey-studio: {message}", file=sys.stderr)


def plural(number: int, noun: str) -> str:
    return f"{number:,} {noun}{'' if number == 1 else 's'}"


def open_or_fail(db: str | None) -> Workspace | None:
    """The workspace ``--db`` names, or None after saying on stderr why it cannot be opened
    (the caller then exits 2). The store is imported here, not at start-up."""
    from app.store.workspace import WorkspaceError, open_workspace

    try:
        return open_workspace(db)
    except WorkspaceError as error:
        fail(str(error))
        return None
