"""``journey-studio init``: create a workspace, optionally with the demo data and samples.

Exit codes: 0 created, or already initialised by ``init`` (so running it twice is harmless);
1 refused (demo data asked for in a workspace that holds other data); 2 a usage error or a
workspace that cannot be opened (not a workspace, or made by a newer Journey Studio).
"""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime

from app.cli.output import EXIT_OK, EXIT_REFUSED, EXIT_USAGE, fail, plural

DEFAULT_CONTACTS = 5_000
DEFAULT_SEED = 1


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    init = commands.add_parser(
        "init",
        help="create a workspace (with --demo: filled with demo data and the samples)",
        description="Create the workspace given by --db. With --demo, fill it with realistic "
        "synthetic contacts, 180 days of purchase, web and email history, and the sample "
        "segments and journeys (as drafts). Running it again on a workspace it created does "
        "nothing; demo data is never put into a workspace that holds other data (exit 1).",
    )
    init.add_argument("--demo", action="store_true", help="fill the workspace with demo data")
    init.add_argument(
        "--contacts",
        metavar="N",
        type=int,
        default=None,
        help=f"number of demo contacts (default {DEFAULT_CONTACTS:,})",
    )
    init.add_argument(
        "--seed",
        metavar="S",
        type=int,
        default=None,
        help=f"random seed: the same seed gives the same data (default {DEFAULT_SEED})",
    )
    init.add_argument(
        "--now",
        metavar="ISO",
        default=None,
        help="the moment the demo history ends, ISO 8601 with an offset (default: now)",
    )
    init.set_defaults(handler=init_command)


def init_command(args: argparse.Namespace) -> int:
    from app.services.workspace import WorkspaceNotEmpty, create_workspace
    from app.store.workspace import WorkspaceError

    if not args.demo and (args.contacts, args.seed, args.now) != (None, None, None):
        fail("--contacts, --seed and --now go with --demo")
        return EXIT_USAGE
    contacts = DEFAULT_CONTACTS if args.contacts is None else args.contacts
    if contacts < 1:
        fail("--contacts must be at least 1")
        return EXIT_USAGE
    now = _parse_now(args.now)
    if now is None:
        fail(f"--now {args.now!r} is not an ISO 8601 date-time with an offset (…Z or +02:00)")
        return EXIT_USAGE
    try:
        report = create_workspace(
            args.db,
            demo=args.demo,
            contacts=contacts,
            seed=DEFAULT_SEED if args.seed is None else args.seed,
            now=now,
            progress=_progress if args.demo and contacts >= 100_000 else None,
        )
    except WorkspaceError as error:
        fail(str(error))
        return EXIT_USAGE
    except WorkspaceNotEmpty as refusal:
        held = refusal.contents
        fail(
            f"{args.db or refusal.location} already holds data ({plural(held.contacts, 'contact')}"
            f", {plural(held.segments, 'segment')}, {plural(held.journeys, 'journey')}); "
            "demo data goes only into a new workspace: choose another --db"
        )
        return EXIT_REFUSED
    where = args.db or report.location
    record = report.record
    if not report.created:
        kind = (
            f"demo data: {plural(record.get('contacts', 0), 'contact')}, seed {record.get('seed')}"
            if record.get("demo")
            else "no demo data"
        )
        print(f"workspace already initialised: {where} ({kind})")
        return EXIT_OK
    held = report.contents
    print(f"{'Demo workspace created' if record.get('demo') else 'Workspace ready'}: {where}")
    print(f"  contacts  {held.contacts:>12,}")
    print(f"  events    {held.events:>12,}")
    print(f"  segments  {held.segments:>12,}")
    print(f"  journeys  {held.journeys:>12,}")
    return EXIT_OK


def _parse_now(text: str | None) -> datetime | None:
    if text is None:
        return datetime.now(UTC)
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    return moment.astimezone(UTC) if moment.tzinfo is not None else None


def _progress(done: int, total: int) -> None:
    if done % 100_000 == 0 or done == total:
        end = "; building indexes and saving …" if done == total else ""
        print(f"  {done:,} of {total:,} contacts{end}", file=sys.stderr, flush=True)
