"""``journey-studio import …`` and ``export …``: contacts and events as CSV files (DESIGN §2, §10).

``import contacts|events FILE [--strict] [--json]``: exit 0 when every row was imported, 1 when
some were rejected (with ``--strict``: nothing imported), 2 when the file could not be read at
all. Without ``--json`` a summary goes to stdout and each rejected row to stderr
(``line 7: bad email 'bob@'``); with it, one JSON document
``{"imported": n, "updated": n, "rejected": [{"line": n, "reason": "…"}]}`` on stdout, with an
``error`` key added when the file could not be read.

``export contacts|events FILE``: CSV with the columns the importer reads. Exit 0, or 2 when the
file cannot be written.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from app.cli.output import EXIT_OK, EXIT_REFUSED, EXIT_USAGE, fail, plural, print_json

if TYPE_CHECKING:
    from app.services.imports import ImportReport

_IMPORT_HELP = {
    "contacts": "add or update contacts: upsert on email, or on external_id when given",
    "events": "add events; the email column names each event's contact",
}


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    importer = commands.add_parser("import", help="import contacts or events from a CSV file")
    kinds = importer.add_subparsers(dest="import_kind", metavar="WHAT", title="what", required=True)
    for kind, help_text in _IMPORT_HELP.items():
        command = kinds.add_parser(
            kind,
            help=help_text,
            description=f"Import {kind} from a CSV file (UTF-8, header row required): "
            f"{help_text}. Exit 0: all rows imported; 1: some rows rejected (each reported "
            "with its line number); 2: the file could not be read.",
        )
        command.add_argument("file", metavar="FILE", type=Path, help="a CSV file")
        command.add_argument(
            "--strict", action="store_true", help="import nothing if any row is bad"
        )
        command.add_argument(
            "--json", action="store_true", help="print the result as one JSON document on stdout"
        )
        command.set_defaults(handler=import_command)

    exporter = commands.add_parser("export", help="export contacts or events to a CSV file")
    kinds = exporter.add_subparsers(dest="export_kind", metavar="WHAT", title="what", required=True)
    for kind in ("contacts", "events"):
        command = kinds.add_parser(
            kind,
            help=f"write every {kind[:-1]} to a CSV file that `import {kind}` reads back",
        )
        command.add_argument("file", metavar="FILE", type=Path, help="the CSV file to write")
        command.set_defaults(handler=export_command)


def import_command(args: argparse.Namespace) -> int:
    from app.services.imports import ImportRefused, import_contacts_file, import_events_file
    from app.store.workspace import WorkspaceError, open_workspace

    importer = import_contacts_file if args.import_kind == "contacts" else import_events_file
    try:
        with open_workspace(args.db) as workspace:
            report = importer(workspace, args.file, strict=args.strict)
    except (ImportRefused, WorkspaceError) as refused:
        message = f"{args.file}: {refused}" if isinstance(refused, ImportRefused) else str(refused)
        if args.json:
            print_json({"imported": 0, "updated": 0, "rejected": [], "error": message})
        fail(message)
        return EXIT_USAGE
    if args.json:
        print_json(report.to_json())
    else:
        _print_summary(args, report)
    return EXIT_REFUSED if report.rejected else EXIT_OK


def _print_summary(args: argparse.Namespace, report: ImportReport) -> None:
    for name in report.ignored_columns:
        fail(f"{args.file}: column {name!r} is ignored (the workspace sets it)")
    for row in report.rejected:
        print(f"line {row.line}: {row.reason}", file=sys.stderr)
    rejected = plural(len(report.rejected), "row")
    if report.rejected and args.strict:
        print(f"{args.file}: nothing imported (--strict): {rejected} rejected.")
        return
    if args.import_kind == "contacts":
        done = f"{args.file}: imported {plural(report.imported, 'new contact')}, "
        done += f"updated {plural(report.updated, 'existing contact')}"
    else:
        done = f"{args.file}: imported {plural(report.imported, 'event')}"
    print(done + (f"; {rejected} rejected." if report.rejected else "."))


def export_command(args: argparse.Namespace) -> int:
    from app.services.imports import export_contacts_file, export_events_file
    from app.store.workspace import WorkspaceError, open_workspace

    exporter = export_contacts_file if args.export_kind == "contacts" else export_events_file
    try:
        with open_workspace(args.db) as workspace:
            result = exporter(workspace, args.file)
    except WorkspaceError as error:
        fail(str(error))
        return EXIT_USAGE
    except OSError as error:
        fail(f"{args.file}: {error.strerror or error}")
        return EXIT_USAGE
    noun = args.export_kind[:-1]
    print(f"{args.file}: exported {plural(result.rows, noun)}.")
    if result.skipped:
        fail(f"left out {plural(result.skipped, 'event')} of contacts without an email")
    return EXIT_OK
