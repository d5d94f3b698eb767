"""``journey-studio tracking serve`` and ``tracking rotate-key`` (DESIGN §7)."""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from datetime import UTC, datetime

from app.cli.output import EXIT_OK, EXIT_USAGE, fail, open_or_fail


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    tracking = commands.add_parser("tracking", help="the open, click and unsubscribe server")
    actions = tracking.add_subparsers(dest="tracking_command", metavar="ACTION", required=True)
    serve = actions.add_parser(
        "serve",
        help="serve the open pixel, click redirects and unsubscribe pages",
        description="Serve tracking links until Ctrl-C or SIGTERM. Binds to 127.0.0.1 unless "
        "--host says otherwise; recipients must be able to reach it for opens and clicks.",
    )
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8765)
    serve.set_defaults(handler=serve_command)
    rotate = actions.add_parser(
        "rotate-key",
        help="start signing with a new key; links signed with the old one work 30 more days",
    )
    rotate.set_defaults(handler=rotate_command)


def serve_command(args: argparse.Namespace) -> int:
    from app.services.tracking import TrackingControl

    workspace = open_or_fail(args.db)
    if workspace is None:
        return EXIT_USAGE
    control = TrackingControl(workspace)
    status = control.start(args.host, args.port)
    if not status.running:
        fail(str(status.error))
        workspace.close()
        return EXIT_USAGE
    stop = threading.Event()
    for name in ("SIGINT", "SIGTERM"):
        signal.signal(getattr(signal, name), lambda *_: stop.set())
    print(f"tracking server on {status.url} for {workspace.describe()}", file=sys.stderr)
    stop.wait()
    control.stop()
    workspace.close()
    return EXIT_OK


def rotate_command(args: argparse.Namespace) -> int:
    from app.services.tracking import rotate_tracking_key

    workspace = open_or_fail(args.db)
    if workspace is None:
        return EXIT_USAGE
    key_id = rotate_tracking_key(workspace, datetime.now(UTC))
    workspace.close()
    print(f"new tracking key {key_id}; links signed with older keys stay valid for 30 days")
    return EXIT_OK
