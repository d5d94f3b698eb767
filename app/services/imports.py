"""CSV import and export of a workspace's contacts and events, by file path.

The command line and the app's import wizard call these; the store does the work on streams
(:mod:`app.store.csv_import`, :mod:`app.store.csv_export`). This module owns the files: a file
that cannot be opened is an :class:`ImportRefused`, like one that is not CSV; an export is
written next to its target and moved into place when complete, so a failed or interrupted
export never leaves half a file under the name asked for.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import BinaryIO, TextIO

from sqlalchemy import Connection

from app.store.csv_export import ExportResult, export_contacts, export_events
from app.store.csv_import import (
    Cancelled,
    ImportCancelled,
    ImportProgress,
    ImportRefused,
    ImportReport,
    Progress,
    RowError,
    import_contacts,
    import_events,
)
from app.store.workspace import Workspace

__all__ = [
    "ExportResult",
    "ImportCancelled",
    "ImportProgress",
    "ImportRefused",
    "ImportReport",
    "RowError",
    "export_contacts_file",
    "export_events_file",
    "import_contacts_file",
    "import_events_file",
]


def import_contacts_file(
    workspace: Workspace,
    path: Path,
    *,
    strict: bool = False,
    progress: Progress | None = None,
    cancelled: Cancelled | None = None,
) -> ImportReport:
    """Upsert contacts from a CSV file (see :mod:`app.store.csv_contacts` for the rules)."""
    with _opened(path) as stream:
        return import_contacts(
            workspace, stream, strict=strict, progress=progress, cancelled=cancelled
        )


def import_events_file(
    workspace: Workspace,
    path: Path,
    *,
    strict: bool = False,
    progress: Progress | None = None,
    cancelled: Cancelled | None = None,
) -> ImportReport:
    """Append events from a CSV file (see :mod:`app.store.csv_events` for the rules)."""
    with _opened(path) as stream:
        return import_events(
            workspace, stream, strict=strict, progress=progress, cancelled=cancelled
        )


def export_contacts_file(workspace: Workspace, path: Path) -> ExportResult:
    """Write every contact to ``path`` as CSV that :func:`import_contacts_file` reads back."""
    return _export(workspace, path, export_contacts)


def export_events_file(workspace: Workspace, path: Path) -> ExportResult:
    """Write every event of a contact with an email to ``path`` as importable CSV."""
    return _export(workspace, path, export_events)


@contextlib.contextmanager
def _opened(path: Path) -> Iterator[BinaryIO]:
    try:
        stream = path.open("rb")
    except FileNotFoundError:
        raise ImportRefused("no such file") from None
    except IsADirectoryError:
        raise ImportRefused("is a folder, not a file") from None
    except OSError as error:
        raise ImportRefused(error.strerror or str(error)) from None
    with stream:
        if not stream.seekable():
            raise ImportRefused("cannot be read twice (a pipe?); import a regular file")
        yield stream


def _export(
    workspace: Workspace, path: Path, write: Callable[[Connection, TextIO], ExportResult]
) -> ExportResult:
    """Write to a temporary file beside ``path``, then move it into place (OSError if not)."""
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    try:
        with (
            os.fdopen(handle, "w", encoding="utf-8", newline="") as out,
            workspace.reader() as connection,
        ):
            result = write(connection, out)
        os.chmod(temporary, 0o644)  # mkstemp makes it private; an export is an ordinary file
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
    return result
