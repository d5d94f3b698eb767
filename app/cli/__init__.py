"""The `journey-studio` command: builds the argument parser and dispatches (DESIGN §10).

`journey-studio [--db PATH_OR_URL] [COMMAND …]`. Without a command it opens the desktop app; the
subcommands run headless and never import Qt (the GUI is imported only when it is opened).

Conventions every command keeps:
- `--db` is global and comes before the command; `JOURNEY_STUDIO_DB` is the fallback; `args.db`
  is `None` for the default workspace.
- Results go to stdout, diagnostics to stderr.
- Exit codes: 0 done, 1 refused, 2 unreadable input or usage error, 3 not found.

Adding a command group: a module in this package with ``register(commands)`` that adds its
parsers with ``set_defaults(handler=...)`` (a function taking the parsed arguments and
returning the exit code), listed in ``COMMAND_MODULES``. Handlers import what they need inside
the function, so ``--help`` and ``--version`` stay fast and never load Qt.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from app import __version__
from app.cli import engine, imports, journey, schema, segment, settings, tasks, tracking, workspace
from app.cli.output import EXIT_NOT_FOUND, EXIT_OK, EXIT_REFUSED, EXIT_USAGE

DB_ENV_VAR = "JOURNEY_STUDIO_DB"

COMMAND_MODULES = (journey, schema, workspace, imports, engine, segment, tracking, settings, tasks)

__all__ = ["EXIT_NOT_FOUND", "EXIT_OK", "EXIT_REFUSED", "EXIT_USAGE", "build_parser", "main"]

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
    default: Handler = take_screenshot if args.screenshot is not None else open_gui
    handler: Handler = getattr(args, "handler", default)
    try:
        return handler(args)
    except BrokenPipeError:  # `journey-studio messages list | head`: the reader has gone
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="journey-studio",
        usage="%(prog)s [-h] [--version] [--db PATH_OR_URL] [--screenshot FILE] [--journey FILE] "
        "[--page AREA] [COMMAND ...]",
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
    parser.add_argument(
        "--screenshot",
        metavar="FILE",
        type=Path,
        default=None,
        help="render the main window with a journey open to a PNG file and exit (offscreen "
        "when there is no display)",
    )
    parser.add_argument(
        "--journey",
        metavar="FILE",
        type=Path,
        default=None,
        help="a *.journey.json file to import into the workspace and open in the designer "
        "(with --screenshot: default the re-engagement sample)",
    )
    parser.add_argument(
        "--page",
        metavar="AREA",
        choices=("journeys", "segments", "contacts", "tasks", "messages", "settings"),
        default=None,
        help="with --screenshot: show this area of the app instead of the designer",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", title="commands")
    for module in COMMAND_MODULES:
        module.register(commands)
    return parser


def open_gui(args: argparse.Namespace) -> int:
    """Open the desktop app on the chosen workspace (Qt is imported only here)."""
    from app.ui.app import run_gui

    if args.journey is None:
        return run_gui(args.db)
    return run_gui(args.db, args.journey)


def take_screenshot(args: argparse.Namespace) -> int:
    """`--screenshot FILE [--journey FILE]`: the main window as a PNG (Qt imported only here)."""
    from app.ui.screenshot import take_screenshot

    return take_screenshot(args.screenshot, args.journey, args.db, args.page)
