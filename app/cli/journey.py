"""``journey-studio journey …``: check and publish journey files, change a live journey's
state, and report on what happened in a journey (DESIGN §6)."""

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

    report = actions.add_parser(
        "report",
        help="what happened in a journey: per node and in total",
        description="Analytics of a journey (DESIGN §6): runs entered, active and ended by "
        "reason, goal conversions, and per node who entered, moved on, is there now and left "
        "there, the ports taken and the messages sent. All versions unless --version names "
        "one. Exit 3 when the journey or version does not exist.",
    )
    report.add_argument("name", metavar="NAME")
    report.add_argument(
        "--version", type=int, metavar="N", help="only the contacts who ran version N"
    )
    report.add_argument("--json", action="store_true", help="print the report as one JSON document")
    report.set_defaults(handler=report_command)


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


def report_command(args: argparse.Namespace) -> int:
    from app.services.journeys import JourneyNotFound
    from app.services.reports import VersionNotFound, journey_report

    workspace = open_or_fail(args.db)
    if workspace is None:
        if args.json:
            print_json({"error": "the workspace cannot be opened", "journey": args.name})
        return EXIT_USAGE
    try:
        report = journey_report(workspace, args.name, args.version)
    except (JourneyNotFound, VersionNotFound) as missing:
        fail(str(missing))
        if args.json:
            print_json({"error": str(missing), "journey": args.name, "version": args.version})
        return EXIT_NOT_FOUND
    finally:
        workspace.close()
    if args.json:
        print_json(report.to_json())
    else:
        print_report(report)
    return EXIT_OK


def print_report(report: Any) -> None:
    """The report as a readable table: the journey's totals, then one line per node."""
    scope = "all versions" if report.version is None else f"version {report.version}"
    print(f"“{report.journey}” · {scope} · {report.status}")
    goal = report.goal
    reached = f"goal reached by {goal.reached:,}"
    if goal.rate is not None:
        reached += f" ({goal.rate:.1%}"
        if goal.target_percent is not None:
            reached += (
                f"; target {goal.target_percent:g}%, {'met' if goal.target_met else 'not met'}"
            )
        reached += ")"
    print(
        f"{report.entered:,} entered · {report.active:,} active · "
        f"{report.completed:,} completed · {reached}"
    )
    if report.ended:
        print("ended: " + " · ".join(f"{reason} {n:,}" for reason, n in report.ended.items()))
    nodes = list(report.nodes.values())
    if not nodes:
        return
    id_width = max(4, *(len(node.id) for node in nodes))
    title_width = min(28, max(5, *(len(node.title) for node in nodes)))
    print()
    print(
        f"{'node':<{id_width}}  {'title':<{title_width}}  {'entered':>8}  {'here now':>8}  "
        f"{'moved on':>8}  {'left here':>9}  details"
    )
    for node in nodes:
        title = (
            node.title if len(node.title) <= title_width else node.title[: title_width - 1] + "…"
        )
        line = (
            f"{node.id:<{id_width}}  {title:<{title_width}}  {node.entered:>8,}  "
            f"{node.in_progress:>8,}  {node.processed:>8,}  {node.exited:>9,}  {_details(node)}"
        )
        print(line.rstrip())


def _details(node: Any) -> str:
    """Ports taken (where there is a choice), early exits, and the messages of a send node
    with the interactions its channel has."""
    from app.domain.registry import CHANNEL_INTERACTIONS
    from app.services.report_queries import INTERACTIONS

    parts: list[str] = []
    if len(node.ports) > 1:
        shares = node.port_shares()
        parts += [
            f"{port} {count:,}" + (f" ({shares[port]:.0%})" if shares[port] is not None else "")
            for port, count in node.ports.items()
        ]
    parts += [f"{reason} {n:,}" for reason, n in node.exits.items() if reason != "completed"]
    stats = node.messages
    if stats is not None:
        counts = [
            ("sent", stats.sent),
            ("queued", stats.queued),
            ("held", stats.held),
            ("sending", stats.sending),
            ("failed", stats.failed),
            ("cancelled", stats.cancelled),
        ]
        parts += [f"{n:,} {word}" for word, n in counts if n]
        if stats.blocked:
            why = ", ".join(f"{reason} {n:,}" for reason, n in stats.blocked.items())
            parts.append(f"{sum(stats.blocked.values()):,} blocked ({why})")
        rates = stats.rates()
        for word in CHANNEL_INTERACTIONS.get(node.channel, INTERACTIONS):
            count, rate = getattr(stats, word), rates.get(word)
            parts.append(f"{count:,} {word}" + (f" ({rate:.0%})" if rate is not None else ""))
    return " · ".join(parts)
