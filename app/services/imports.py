"""CSV import and export of a workspace's contacts and events, by file path.

The command line and the app's import wizard call these; the store does the work on streams
(:mod:`app.store.csv_import`, :mod:`app.store.csv_export`). This module owns the files: a file
that cannot be opened is an :class:`ImportRefused`, like one that is not CSV; an export is
written next to its target and moved into place when complete, so a failed or interrupted
export never leaves half a file under the name asked for.

For the import wizard it also owns what comes before and after an import: a preview of a file's
first rows (refused like an import would be), the automatic mapping of its columns onto the
known fields (case, spaces, ``-``/``_`` and common synonyms such as ``E-mail`` or ``Given name``
do not matter), and saving the rejected rows as a CSV of line and reason.
"""

from __future__ import annotations

import contextlib
import csv
import itertools
import os
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Literal, TextIO

from sqlalchemy import Connection

from app.domain.conditions import CONTACT_FIELDS
from app.store.csv_contacts import ContactRows
from app.store.csv_events import REQUIRED as EVENT_REQUIRED
from app.store.csv_events import EventRows
from app.store.csv_export import ExportResult, export_contacts, export_events
from app.store.csv_import import (
    Cancelled,
    ColumnMapping,
    ImportCancelled,
    ImportProgress,
    ImportRefused,
    ImportReport,
    Progress,
    RowError,
    import_contacts,
    import_events,
)
from app.store.csv_rows import normalise_name
from app.store.csv_source import CsvSource
from app.store.workspace import Workspace

__all__ = [
    "ColumnMapping",
    "CsvPreview",
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
    "in_file_words",
    "known_fields",
    "names_known_field",
    "preview_file",
    "required_fields",
    "suggest_mapping",
    "write_rejected_csv",
]

ImportKind = Literal["contacts", "events"]
"""What a CSV file holds: contacts (upserted) or events (appended)."""

PREVIEW_ROWS = 20

_SYNONYMS: dict[ImportKind, dict[str, str]] = {
    "contacts": {
        "e_mail": "email",
        "mail": "email",
        "email_address": "email",
        "e_mail_address": "email",
        "given_name": "first_name",
        "firstname": "first_name",
        "forename": "first_name",
        "first": "first_name",
        "surname": "last_name",
        "family_name": "last_name",
        "lastname": "last_name",
        "last": "last_name",
        "organisation": "company",
        "organization": "company",
        "company_name": "company",
        "account": "company",
        "mobile": "phone",
        "mobile_phone": "phone",
        "phone_number": "phone",
        "telephone": "phone",
        "tel": "phone",
        "state": "region",
        "province": "region",
        "town": "city",
        "time_zone": "timezone",
        "tz": "timezone",
        "contact_type": "kind",
        "record_type": "kind",
        "customer_id": "external_id",
        "crm_id": "external_id",
        "account_owner": "owner",
        "sales_owner": "owner",
        "email_consent": "email_opt_in",
        "sms_consent": "sms_opt_in",
        "push_consent": "push_opt_in",
        "created": "created_at",
        "signed_up": "created_at",
        "signup_date": "created_at",
    },
    "events": {
        "e_mail": "email",
        "mail": "email",
        "email_address": "email",
        "contact_email": "email",
        "event": "type",
        "event_type": "type",
        "event_name": "type",
        "timestamp": "occurred_at",
        "time": "occurred_at",
        "date": "occurred_at",
        "occurred": "occurred_at",
        "event_time": "occurred_at",
        "message": "message_id",
        "messageid": "message_id",
    },
}
"""Column names people use for the known fields, written as :func:`normalise_name` leaves them."""


@dataclass(frozen=True)
class CsvPreview:
    """A file's header and its first records, as the importer will read them."""

    header: list[str]
    rows: list[tuple[int, list[str]]]
    """(line, cells) of the first records; a record the CSV reader cannot split has no cells."""


def known_fields(kind: ImportKind) -> list[str]:
    """The built-in fields a column of a ``kind`` file can be mapped to, in the usual order."""
    if kind == "contacts":
        return [name for name in CONTACT_FIELDS if name in ContactRows.builtins]
    return [*EVENT_REQUIRED, *sorted(EventRows.builtins - set(EVENT_REQUIRED))]


def required_fields(kind: ImportKind) -> str:
    """What a mapping must include, in words (for the wizard to say before it is refused)."""
    if kind == "contacts":
        return "email or external_id"
    return ", ".join(EVENT_REQUIRED)


def names_known_field(kind: ImportKind, name: str) -> bool:
    """Whether a column named ``name`` is read as a known field (so it cannot be custom)."""
    importer = ContactRows if kind == "contacts" else EventRows
    return normalise_name(name) in importer.builtins | importer.ignored


def suggest_mapping(kind: ImportKind, header: Sequence[str]) -> list[str | None]:
    """For each column, the known field it names (by name or synonym), else the column's own
    name (a custom attribute or property). A field is suggested for its first column only; a
    later column naming it again, and one the workspace sets itself (``id``), are skipped."""
    fields = set(known_fields(kind))
    ignored = (ContactRows if kind == "contacts" else EventRows).ignored
    synonyms = _SYNONYMS[kind]
    taken: set[str] = set()
    mapping: list[str | None] = []
    for name in header:
        key = normalise_name(name)
        field = key if key in fields else synonyms.get(key)
        if key in ignored or field in taken:
            mapping.append(None)
        elif field is None:
            mapping.append(name.strip())
        else:
            taken.add(field)
            mapping.append(field)
    return mapping


def preview_file(path: Path, rows: int = PREVIEW_ROWS) -> CsvPreview:
    """The header and first ``rows`` records of a CSV file; :class:`ImportRefused` as an import
    would refuse it (not CSV, not UTF-8, no header)."""
    with _opened(path) as stream:
        source = CsvSource(stream)
        header = source.header()
        records = [
            (line, cells if isinstance(cells, list) else [])
            for line, cells in itertools.islice(source.records(), rows)
        ]
    return CsvPreview(header, records)


def in_file_words(
    rejected: Iterable[RowError], header: Sequence[str], mapping: ColumnMapping
) -> tuple[RowError, ...]:
    """Rejected rows whose reasons name a field the way the file does: a reason that starts
    with a field mapped from a column of another name (``created_at: …``) names that column
    too (``Signed up (created_at): …``), so the reason can be found in the file."""
    columns = {
        field: name
        for name, field in zip(header, mapping, strict=False)
        if field is not None and field != name
    }
    explained: list[RowError] = []
    for row in rejected:
        reason = row.reason
        for field, name in columns.items():
            if reason.startswith(f"{field}: "):
                reason = f"{name} ({field}): {reason[len(field) + 2 :]}"
                break
        explained.append(RowError(row.line, reason))
    return tuple(explained)


def write_rejected_csv(path: Path, rejected: Iterable[RowError]) -> None:
    """Save rejected rows as a CSV with the columns ``line`` and ``reason`` (OSError if not)."""
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["line", "reason"])
        writer.writerows([row.line, row.reason] for row in rejected)


def import_contacts_file(
    workspace: Workspace,
    path: Path,
    *,
    strict: bool = False,
    progress: Progress | None = None,
    cancelled: Cancelled | None = None,
    mapping: ColumnMapping | None = None,
) -> ImportReport:
    """Upsert contacts from a CSV file (see :mod:`app.store.csv_contacts` for the rules);
    ``mapping`` reads each column under another name, or skips it (``None``)."""
    with _opened(path) as stream:
        return import_contacts(
            workspace,
            stream,
            strict=strict,
            progress=progress,
            cancelled=cancelled,
            mapping=mapping,
        )


def import_events_file(
    workspace: Workspace,
    path: Path,
    *,
    strict: bool = False,
    progress: Progress | None = None,
    cancelled: Cancelled | None = None,
    mapping: ColumnMapping | None = None,
) -> ImportReport:
    """Append events from a CSV file (see :mod:`app.store.csv_events` for the rules);
    ``mapping`` as for :func:`import_contacts_file`."""
    with _opened(path) as stream:
        return import_events(
            workspace,
            stream,
            strict=strict,
            progress=progress,
            cancelled=cancelled,
            mapping=mapping,
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
