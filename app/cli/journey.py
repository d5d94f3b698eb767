"""``journey-studio journey …``: work with journey files and, later, live journeys."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from app.cli.output import (
    EXIT_NOT_FOUND,
    EXIT_OK,
    EXIT_REFUSED,
    EXIT_USAGE,
    fail,
    open_or_fail,
    plural,
    print_json,
)
from app.cli.timeargs import moment


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    journey = commands.add_parser("journey", help="work with journeys")
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
        help="a *.segment.json file or a folder of them, to check segment names against",
    )
    validate.add_argument(
        "--json", action="store_true", help="print the findings as one JSON list on stdout"
    )
    validate.set_defaults(handler=validate_command)

    publish = actions.add_parser(
        "publish",
        help="validate a *.journey.json file and go live with it as a new version",
        description="Validate and go live: the journey (by its id) gets a new version; contacts "
        "already in it finish on theirs. Exit 1 when validation finds errors (nothing changes).",
    )
    publish.add_argument("file", metavar="FILE", type=Path)
    publish.add_argument("--at", type=moment, metavar="ISO", help="when it takes effect")
    publish.add_argument("--json", action="store_true", help="print the findings as JSON")
    publish.set_defaults(handler=publish_command)
    for action, words in (
        ("pause", "nobody enters, moves or is sent anything until it resumes"),
        ("resume", "carry on; what happened while paused is judged by when it happened"),
        ("stop", "stop for good: everyone still in it leaves with journey_stopped"),
    ):
        change = actions.add_parser(action, help=f"{action} a live journey: {words}")
        change.add_argument("name", metavar="NAME")
        change.add_argument("--at", type=moment, metavar="ISO", help="when it takes effect")
        change.set_defaults(handler=lifecycle_command, action=action)


def validate_command(args: argparse.Namespace) -> int:
    """0 without errors, 1 with errors, 2 when a file cannot be read."""
    from app.domain.loading import DocumentError
    from app.services.documents import validate_journey_file

    try:
        result = validate_journey_file(args.file, args.segments, datetime.now(UTC))
    except DocumentError as error:
        if args.json:
            print_json([_unreadable(error.source, problem) for problem in error.problems])
        fail(str(error))
        return EXIT_USAGE
    findings = result.findings
    if args.json:
        print_json([finding.to_json() for finding in findings])
    else:
        _print_findings(str(args.file), result.document.name, findings)
    if not result.segments_checked:
        fail("segment names were not checked (give --segments PATH)")
    return EXIT_REFUSED if any(f.severity == "error" for f in findings) else EXIT_OK


def _unreadable(source: str, problem: Any) -> dict[str, Any]:
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
    if not findings:
        print(f"{path}: “{name}” is ready to go live: no errors, no warnings.")
        return
    errors = sum(1 for f in findings if f.severity == "error")
    print(
        f"{path}: “{name}”: {plural(errors, 'error')}, {plural(len(findings) - errors, 'warning')}"
    )
    for finding in findings:
        where = finding.node + (f" · {finding.field}" if finding.field else "")
        print(f"  {finding.severity:<7} {finding.code:<28} {where}")
        print(f"          {finding.message}")


def publish_command(args: argparse.Namespace) -> int:
    from app.domain.loading import DocumentError
    from app.services.documents import read_journey
    from app.services.journeys import LifecycleError, publish
    from app.store.journeys import JourneyNameTaken
    from app.store.workspace import WorkspaceError, open_workspace

    try:
        document = read_journey(args.file)
        workspace = open_workspace(args.db)
    except (DocumentError, WorkspaceError) as error:
        fail(str(error))
        return EXIT_USAGE
    try:
        result = publish(workspace, document, args.at or datetime.now(UTC))
    except (LifecycleError, JourneyNameTaken) as error:
        fail(str(error))
        return EXIT_REFUSED
    finally:
        workspace.close()
    if args.json:
        print_json([finding.to_json() for finding in result.findings])
    if not result.published:
        if not args.json:
            _print_findings(str(args.file), document.name, result.findings)
        fail(f"“{document.name}” did not go live: fix the errors first")
        return EXIT_REFUSED
    if not args.json:
        print(f"“{document.name}” is live as version {result.version}")
    return EXIT_OK


def lifecycle_command(args: argparse.Namespace) -> int:
    from app.services import journeys

    workspace = open_or_fail(args.db)
    if workspace is None:
        return EXIT_USAGE
    change = {"pause": journeys.pause, "resume": journeys.resume, "stop": journeys.stop}
    try:
        change[args.action](workspace, args.name, args.at or datetime.now(UTC))
    except journeys.JourneyNotFound as error:
        fail(str(error))
        return EXIT_NOT_FOUND
    except journeys.LifecycleError as error:
        fail(str(error))
        return EXIT_REFUSED
    finally:
        workspace.close()
    print(f"“{args.name}”: {args.action} done")
    return EXIT_OK
