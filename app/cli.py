"""The `journey-studio` command: builds the argument parser and dispatches (DESIGN §10).

`journey-studio [--db PATH_OR_URL] [COMMAND …]`. Without a command it opens the desktop app; the
subcommands run headless and never import Qt (the GUI is imported only when it is opened).

Conventions every command keeps:
- `--db` is global and comes before the command; `JOURNEY_STUDIO_DB` is the fallback; `args.db`
  is `None` for the default workspace.
- Results go to stdout, diagnostics to stderr.
- Exit codes: 0 done, 1 refused, 2 unreadable input or usage error, 3 not found.

Adding a command: add its parser in `build_parser` and `set_defaults(handler=...)` to a function
that takes the parsed arguments and returns the exit code.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from app import __version__

DB_ENV_VAR = "JOURNEY_STUDIO_DB"

EXIT_OK = 0
EXIT_REFUSED = 1
EXIT_USAGE = 2
EXIT_NOT_FOUND = 3

Handler = Callable[[argparse.Namespace], int]


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line and return its exit code (argparse usage errors give 2)."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as stop:  # --help, --version and usage errors
        return stop.code if isinstance(stop.code, int) else EXIT_USAGE
    if args.db is None:
        args.db = os.environ.get(DB_ENV_VAR) or None
    handler: Handler = getattr(args, "handler", open_gui)
    return handler(args)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="journey-studio",
        usage="%(prog)s [-h] [--version] [--db PATH_OR_URL] [COMMAND ...]",
        description="Design and run segment-based customer journeys. "
        "Without a command, opens the desktop app.",
    )
    parser.add_argument("--version", action="version", version=f"journey-studio {__version__}")
    parser.add_argument(
        "--db",
        metavar="PATH_OR_URL",
        default=None,
        help=f"workspace: an SQLite file or a database URL (default: ${DB_ENV_VAR}, "
        "else the default workspace)",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", title="commands")
    _add_journey_commands(commands)
    _add_schema_command(commands)
    return parser


def _add_journey_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    journey = commands.add_parser("journey", help="work with journey files")
    actions = journey.add_subparsers(
        dest="journey_command", metavar="ACTION", title="actions", required=True
    )
    validate = actions.add_parser(
        "validate",
        help="check a *.journey.json file",
        description="Check a journey file. Exit 0: no errors (warnings allowed); "
        "1: errors found; 2: the file cannot be read or parsed.",
    )
    validate.add_argument("file", metavar="FILE", type=Path, help="a *.journey.json file")
    validate.add_argument(
        "--segments",
        metavar="PATH",
        type=Path,
        help="a *.segment.json file or a folder of them, to check segment names against "
        "(default: the workspace)",
    )
    validate.add_argument(
        "--json", action="store_true", help="print the findings as one JSON list on stdout"
    )
    validate.set_defaults(handler=journey_validate)


def _add_schema_command(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    schema = commands.add_parser(
        "schema", help="print the JSON Schema of a file format", description="Print a JSON Schema."
    )
    schema.add_argument("kind", choices=("journey", "segment"), help="which file format")
    schema.set_defaults(handler=print_schema)


def open_gui(args: argparse.Namespace) -> int:
    """Open the desktop app on the chosen workspace (Qt is imported only here)."""
    from app.ui.app import run_gui

    return run_gui(args.db)


def journey_validate(args: argparse.Namespace) -> int:
    """``journey validate``: 0 without errors, 1 with errors, 2 when a file cannot be read."""
    from app.domain.loading import DocumentError
    from app.services.documents import validate_journey_file

    try:
        result = validate_journey_file(args.file, args.segments, datetime.now(UTC))
    except DocumentError as error:
        if args.json:
            _print_json([_unreadable_finding(error.source, problem) for problem in error.problems])
        print(f"journey-studio: {error}", file=sys.stderr)
        return EXIT_USAGE
    findings = result.findings
    if args.json:
        _print_json([finding.to_json() for finding in findings])
    else:
        _print_findings(str(args.file), result.document.name, findings)
    if not result.segments_checked:
        print(
            "journey-studio: segment names were not checked (give --segments PATH)",
            file=sys.stderr,
        )
    return EXIT_REFUSED if any(f.severity == "error" for f in findings) else EXIT_OK


def _unreadable_finding(source: str, problem: Any) -> dict[str, Any]:
    where = problem.path or (
        f"line {problem.line}, column {problem.column}" if problem.line else None
    )
    return {
        "severity": "error",
        "code": "file.unreadable",
        "node": None,
        "field": where,
        "message": f"{source}: {problem}",
    }


def _print_findings(path: str, name: str, findings: Sequence[Any]) -> None:
    errors = sum(1 for f in findings if f.severity == "error")
    warnings = len(findings) - errors
    if not findings:
        print(f"{path}: “{name}” is ready to go live: no errors, no warnings.")
        return
    print(f"{path}: “{name}”: {_count(errors, 'error')}, {_count(warnings, 'warning')}")
    for finding in findings:
        where = finding.node + (f" · {finding.field}" if finding.field else "")
        print(f"  {finding.severity:<7} {finding.code:<28} {where}")
        print(f"          {finding.message}")


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"


def _print_json(data: object) -> None:
    print(json.dumps(data, indent=2, ensure_ascii=False))


def print_schema(args: argparse.Namespace) -> int:
    """``schema journey|segment``: the JSON Schema generated from the models."""
    from app.domain.schema import journey_schema, segment_schema

    schema = journey_schema() if args.kind == "journey" else segment_schema()
    print(json.dumps(schema, indent=2, ensure_ascii=False))
    return EXIT_OK
