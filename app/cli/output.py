"""What every command shares: exit codes (DESIGN §10) and how results are printed."""

from __future__ import annotations

import json
import sys

EXIT_OK = 0
EXIT_REFUSED = 1
EXIT_USAGE = 2
EXIT_NOT_FOUND = 3


def print_json(data: object) -> None:
    """One JSON document on stdout (``--json``), UTF-8 as it is."""
    print(json.dumps(data, indent=2, ensure_ascii=False))


def fail(message: str) -> None:
    """A diagnostic on stderr, prefixed with the command's name."""
    print(f"journey-studio: {message}", file=sys.stderr)


def plural(number: int, noun: str) -> str:
    return f"{number:,} {noun}{'' if number == 1 else 's'}"
