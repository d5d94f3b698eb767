"""``journey-studio segment …``: save, count, list members of, list and delete segments.

- ``segment save FILE``: create or update the segment of the file's name; prints ``created``,
  ``updated`` or ``unchanged``. Exit 1 when refused (it names an unknown segment, closes a
  cycle, or is used by a live or paused journey: make a copy instead), 2 when the file cannot
  be read.
- ``segment count NAME [--at ISO]``: the bare number of members at that moment (default now).
- ``segment members NAME [--at ISO] [--format text|csv|json]``: the members' emails, sorted; one
  per line (``text``, so ``| wc -l`` equals the count), CSV with the header ``email``, or one
  JSON list. A member without an email is an empty line / empty cell / ``null``, last.
- ``segment list``: every segment's name, one per line.
- ``segment delete NAME``: refused (exit 1) while a running journey or another segment uses it.

An unknown segment NAME exits 3; ``--at`` without an offset, or a workspace that cannot be
opened, exits 2.
"""

from __future__ import annotations

import argparse
import csv
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from app.cli.output import EXIT_NOT_FOUND, EXIT_OK, EXIT_REFUSED, EXIT_USAGE, fail, print_json
from app.cli.timeargs import moment

FORMATS = ("text", "csv", "json")


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    segment = commands.add_parser("segment", help="save, count and list segments")
    actions = segment.add_subparsers(
        dest="segment_command", metavar="ACTION", title="actions", required=True
    )
    save = actions.add_parser(
        "save",
        help="create or update a segment from a *.segment.json file",
        description="Create the segment, or replace the definition of the one with the same "
        "name. Prints created, updated or unchanged. Exit 1 when refused (unknown segment, "
        "a cycle, or in use by a live or paused journey), 2 when the file cannot be read.",
    )
    save.add_argument("file", metavar="FILE", type=Path, help="a *.segment.json file")
    save.set_defaults(handler=save_command)

    count = actions.add_parser("count", help="print how many contacts are in a segment")
    count.add_argument("name", metavar="NAME")
    _add_at(count)
    count.set_defaults(handler=count_command)

    members = actions.add_parser("members", help="print the emails of a segment's members")
    members.add_argument("name", metavar="NAME")
    _add_at(members)
    members.add_argument(
        "--format",
        choices=FORMATS,
        default="text",
        help="text: one email per line (default); csv: with the header 'email'; json: a list",
    )
    members.set_defaults(handler=members_command)

    listing = actions.add_parser("list", help="print every segment's name")
    listing.set_defaults(handler=list_command)

    delete = actions.add_parser("delete", help="delete a segment nothing uses")
    delete.add_argument("name", metavar="NAME")
    delete.set_defaults(handler=delete_command)


def _add_at(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--at",
        type=moment,
        metavar="ISO",
        help="evaluate at this moment, ISO 8601 with an offset (default: now)",
    )


def save_command(args: argparse.Namespace) -> int:
    from app.domain.loading import DocumentError
    from app.services import segments

    def run(workspace: Any) -> int:
        try:
            saved = segments.save_segment_file(workspace, args.file, datetime.now(UTC))
        except DocumentError as error:
            fail(str(error))
            return EXIT_USAGE
        print(saved.outcome)
        return EXIT_OK

    return _in_workspace(args, run)


def count_command(args: argparse.Namespace) -> int:
    from app.services import segments

    def run(workspace: Any) -> int:
        print(segments.count_members(workspace, args.name, _at(args)))
        return EXIT_OK

    return _in_workspace(args, run)


def members_command(args: argparse.Namespace) -> int:
    from app.services import segments

    def run(workspace: Any) -> int:
        emails = segments.member_emails(workspace, args.name, _at(args))
        if args.format == "json":
            print_json(emails)
        elif args.format == "csv":
            writer = csv.writer(sys.stdout, lineterminator="\n")
            writer.writerow(["email"])
            writer.writerows([email or ""] for email in emails)
        else:
            for email in emails:
                print(email or "")
        return EXIT_OK

    return _in_workspace(args, run)


def list_command(args: argparse.Namespace) -> int:
    from app.services import segments

    def run(workspace: Any) -> int:
        for summary in segments.list_segments(workspace):
            print(summary.name)
        return EXIT_OK

    return _in_workspace(args, run)


def delete_command(args: argparse.Namespace) -> int:
    from app.services import segments

    def run(workspace: Any) -> int:
        segments.delete_segment(workspace, args.name)
        print("deleted")
        return EXIT_OK

    return _in_workspace(args, run)


def _at(args: argparse.Namespace) -> datetime:
    return args.at if args.at is not None else datetime.now(UTC)


def _in_workspace(args: argparse.Namespace, run: Callable[[Any], int]) -> int:
    """Open the workspace, run, and turn the segment errors into exit codes (DESIGN §10)."""
    from app.services.segments import REFUSALS, SegmentNotFound
    from app.store.workspace import WorkspaceError, open_workspace

    try:
        with open_workspace(args.db) as workspace:
            return run(workspace)
    except WorkspaceError as error:
        fail(str(error))
        return EXIT_USAGE
    except SegmentNotFound as error:
        fail(str(error))
        return EXIT_NOT_FOUND
    except REFUSALS as error:
        fail(str(error))
        return EXIT_REFUSED
