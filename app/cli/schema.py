"""``journey-studio schema journey|segment``: the JSON Schemas generated from the models."""

from __future__ import annotations

import argparse

from app.cli.output import EXIT_OK, print_json


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    schema = commands.add_parser(
        "schema",
        help="print the JSON Schema of a file format",
        description="Print the JSON Schema of a file format (a copy lives in resources/schema/).",
    )
    schema.add_argument("kind", choices=("journey", "segment"), help="which file format")
    schema.set_defaults(handler=print_schema)


def print_schema(args: argparse.Namespace) -> int:
    from app.domain.schema import journey_schema, segment_schema

    print_json(journey_schema() if args.kind == "journey" else segment_schema())
    return EXIT_OK
