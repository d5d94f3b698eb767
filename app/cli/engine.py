"""``journey-studio engine run``, ``messages list`` and ``event record``: the runtime, headless.

``engine run`` ticks until Ctrl-C or SIGTERM (always-on, APScheduler), once (``--once``), or
through a span of simulated time (``--simulate --from --to --step``). It holds the workspace's
engine lease; when another engine holds it, a run waits and says so, and ``--once`` or
``--simulate`` refuse (exit 1).
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from datetime import UTC, datetime, timedelta
from typing import Any

from app.cli.output import (
    EXIT_NOT_FOUND,
    EXIT_OK,
    EXIT_REFUSED,
    EXIT_USAGE,
    fail,
    open_or_fail,
    print_json,
)
from app.cli.timeargs import duration, iso, moment


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    engine = commands.add_parser("engine", help="run journeys headless")
    actions = engine.add_subparsers(dest="engine_command", metavar="ACTION", required=True)
    run = actions.add_parser(
        "run",
        help="run the engine: always on, once, or through simulated time",
        description="Run live journeys. Without options it ticks every few seconds until "
        "Ctrl-C or SIGTERM. --once runs one tick now; --simulate runs ticks from --from to "
        "--to every --step of simulated time (events later than the simulated moment are "
        "not yet visible).",
    )
    run.add_argument("--once", action="store_true", help="run one tick and stop")
    run.add_argument("--simulate", action="store_true", help="run through simulated time")
    run.add_argument("--from", dest="start", type=moment, metavar="ISO")
    run.add_argument("--to", dest="end", type=moment, metavar="ISO")
    run.add_argument("--step", type=duration, metavar="DURATION", default=timedelta(hours=1))
    run.add_argument("--interval", type=duration, default=timedelta(seconds=5), metavar="DURATION")
    run.set_defaults(handler=run_command)

    messages = commands.add_parser("messages", help="messages the engine queued and sent")
    message_actions = messages.add_subparsers(dest="messages_command", required=True)
    listing = message_actions.add_parser("list", help="list messages")
    listing.add_argument("--journey", metavar="NAME")
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(handler=messages_command)

    event = commands.add_parser("event", help="record behaviour and interactions")
    event_actions = event.add_subparsers(dest="event_command", required=True)
    record = event_actions.add_parser("record", help="record one event for a contact")
    record.add_argument("--contact", required=True, metavar="EMAIL")
    record.add_argument("--type", required=True, metavar="TYPE")
    record.add_argument("--at", type=moment, metavar="ISO", help="when it happened (default now)")
    record.add_argument("--message", metavar="ID", help="the message it is an interaction with")
    record.add_argument(
        "--prop", action="append", default=[], metavar="KEY=VALUE", help="a property (repeat)"
    )
    record.set_defaults(handler=event_command)


def run_command(args: argparse.Namespace) -> int:
    from app.services.runtime import EngineBusy, EngineRunner

    if args.simulate and (args.start is None or args.end is None):
        fail("--simulate needs --from and --to")
        return EXIT_USAGE
    workspace = open_or_fail(args.db)
    if workspace is None:
        return EXIT_USAGE
    runner = EngineRunner.for_workspace(workspace)
    try:
        if args.simulate:
            reports = list(runner.simulate(args.start, args.end, args.step))
            _summary(reports)
        elif args.once:
            _summary([runner.tick(datetime.now(UTC))])
        else:
            _run_until_stopped(runner, args.interval)
    except EngineBusy as busy:
        fail(str(busy))
        return EXIT_REFUSED
    except ValueError as error:  # time running backwards
        fail(str(error))
        return EXIT_REFUSED
    finally:
        if args.simulate or args.once:
            runner.release()
        workspace.close()
    return EXIT_OK


def _run_until_stopped(runner: Any, interval: timedelta) -> None:
    stop = threading.Event()
    for name in ("SIGINT", "SIGTERM"):
        signal.signal(getattr(signal, name), lambda *_: stop.set())
    print(f"engine running on {runner.workspace.describe()}; Ctrl-C stops it", file=sys.stderr)

    def waiting(busy: Any) -> None:
        print(f"journey-studio: waiting: {busy}", file=sys.stderr)

    runner.run_forever(stop, interval, on_wait=waiting)
    print("engine stopped", file=sys.stderr)


def _summary(reports: list[Any]) -> None:
    enrolled = sum(report.enrolled for report in reports)
    sent = sum(report.dispatched.sent for report in reports)
    failed = sum(report.dispatched.failed for report in reports)
    last = iso(reports[-1].now) if reports else "-"
    print(f"{len(reports)} ticks up to {last}: {enrolled} entered, {sent} sent, {failed} failed")


def messages_command(args: argparse.Namespace) -> int:
    from app.services.journeys import JourneyNotFound
    from app.services.messages import MessageFilter, list_messages

    workspace = open_or_fail(args.db)
    if workspace is None:
        return EXIT_USAGE
    try:
        rows = list_messages(workspace, MessageFilter(journey=args.journey))
    except JourneyNotFound:
        fail(f"no journey named “{args.journey}”")
        if args.json:
            print_json([])
        return EXIT_NOT_FOUND
    finally:
        workspace.close()
    for row in rows:
        row["queued_at"], row["sent_at"] = iso(row["queued_at"]), iso(row["sent_at"])
    if args.json:
        print_json(rows)
    else:
        for row in rows:
            why = f" ({row['reason']})" if row["reason"] else ""
            print(
                f"{row['id']}  {row['journey']} · {row['node']}  {row['channel']:<5} "
                f"{row['contact']}  {row['status']}{why}"
            )
    return EXIT_OK


def event_command(args: argparse.Namespace) -> int:
    from app.services.events import EventTargetMissing, record_event

    properties: dict[str, object] = {}
    for item in args.prop:
        key, sep, value = item.partition("=")
        if not sep or not key:
            fail(f"--prop takes KEY=VALUE, not {item!r}")
            return EXIT_USAGE
        properties[key] = _value(value)
    workspace = open_or_fail(args.db)
    if workspace is None:
        return EXIT_USAGE
    try:
        record_event(
            workspace,
            email=args.contact,
            kind=args.type,
            at=args.at or datetime.now(UTC),
            message_id=args.message,
            properties=properties,
        )
    except EventTargetMissing as missing:
        fail(str(missing))
        return EXIT_NOT_FOUND
    finally:
        workspace.close()
    return EXIT_OK


def _value(text: str) -> object:
    import json

    try:
        value = json.loads(text)
    except ValueError:
        return text
    return value if isinstance(value, int | float | bool | str) else text
