"""Segments target (DESIGN §8): a behaviour segment over 1,000,000 contacts and 5,000,000
events evaluates in under 2 s.

Generates a workspace (SQLite) with ``--contacts`` contacts and ``--events`` events — purchases,
web visits and email interactions over the last year, a quarter of the contacts with no events —
inserted in big ``executemany`` batches inside one transaction (sqlite3 directly, for the
generation step only). Then it evaluates the sample "No purchase in 60 days" (bought before, not
in the last 60 days) twice in the same process:

- as the compiled SQL statement (:mod:`app.store.segment_sql`), fetching every member id;
- with the plain-Python reference of the tests (``tests/store/reference.py``) over the same
  rows held in memory;

and prints both times, the member counts (which must agree), the ratio and the query plan.

    .venv/bin/python bench/segments.py [--contacts 1000000] [--events 5000000] [--db FILE]
"""

from __future__ import annotations

import argparse
import json
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy.dialects import sqlite

from app.resources import resource_path
from app.services.documents import read_segment
from app.store.segments import save_segment, segment_compiler
from app.store.workspace import open_workspace
from tests.store.reference import Event, Reference

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
HISTORY = timedelta(days=365)
EVENT_TYPES = [
    ("purchase", 0.25),
    ("web_visit", 0.45),
    ("email_opened", 0.2),
    ("email_clicked", 0.1),
]
BATCH = 200_000
SAMPLE = "no-purchase-60-days.segment.json"


def stored(moment: datetime) -> str:
    """How the schema's UTCDateTime keeps a moment in SQLite."""
    return moment.astimezone(UTC).replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")


def generate(path: Path, contacts: int, events: int, seed: int) -> tuple[list[dict], list[Event]]:
    """Fill the workspace at ``path``; return the same rows for the reference."""
    rng = random.Random(seed)
    people = [
        {"id": index, "kind": "lead" if rng.random() < 0.1 else "contact", "attributes": {}}
        for index in range(1, contacts + 1)
    ]
    active = max(1, contacts * 3 // 4)  # a quarter of the contacts never did anything
    names = [name for name, _ in EVENT_TYPES]
    weights = [weight for _, weight in EVENT_TYPES]
    span = int(HISTORY.total_seconds())
    happened = []
    for _ in range(events):
        kind = rng.choices(names, weights)[0]
        moment = NOW - timedelta(seconds=rng.randrange(span), microseconds=rng.randrange(10**6))
        properties = {"amount": round(rng.uniform(5, 400), 2)} if kind == "purchase" else {}
        happened.append(Event(rng.randrange(1, active + 1), kind, moment, properties))

    database = sqlite3.connect(path, isolation_level=None)
    database.execute("PRAGMA synchronous=OFF")
    database.execute("BEGIN")
    created = stored(NOW - timedelta(days=400))
    for batch in _batches(
        (p["id"], p["kind"], f"c{p['id']}@example.com", created, created, "{}") for p in people
    ):
        database.executemany(
            "INSERT INTO contacts (id, kind, email, created_at, updated_at, attributes) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            batch,
        )
    for batch in _batches(
        (e.contact_id, e.type, stored(e.occurred_at), json.dumps(e.properties)) for e in happened
    ):
        database.executemany(
            "INSERT INTO events (contact_id, type, occurred_at, properties) VALUES (?, ?, ?, ?)",
            batch,
        )
    database.execute("COMMIT")
    database.execute("ANALYZE")
    database.close()
    return people, happened


def _batches[T](rows: Iterator[T]) -> Iterator[list[T]]:
    batch: list[T] = []
    for row in rows:
        batch.append(row)
        if len(batch) == BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--contacts", type=int, default=1_000_000)
    parser.add_argument("--events", type=int, default=5_000_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--db", type=Path, help="workspace file to create (default: temporary)")
    parser.add_argument("--runs", type=int, default=3, help="SQL runs (the median is reported)")
    args = parser.parse_args()

    folder = tempfile.TemporaryDirectory()
    path = args.db or Path(folder.name) / "bench.db"
    if path.exists():
        sys.exit(f"{path} exists; give a new file")
    segment = read_segment(resource_path("samples") / SAMPLE)
    with open_workspace(str(path)) as workspace, workspace.writer() as connection:
        save_segment(connection, segment, NOW)

    started = time.perf_counter()
    people, happened = generate(path, args.contacts, args.events, args.seed)
    print(
        f"generated {args.contacts:,} contacts and {args.events:,} events "
        f"in {time.perf_counter() - started:.1f} s"
    )

    with open_workspace(str(path)) as workspace, workspace.reader() as connection:
        compiled = segment_compiler(connection, NOW).members(segment)
        plan = connection.exec_driver_sql(
            "EXPLAIN QUERY PLAN "
            + str(
                compiled.compile(dialect=sqlite.dialect(), compile_kwargs={"literal_binds": True})
            )
        ).all()
        timings = []
        for _ in range(args.runs):
            started = time.perf_counter()
            compiler = segment_compiler(connection, NOW)
            members = connection.scalars(compiler.members(segment)).all()
            timings.append(time.perf_counter() - started)
    sql_time = statistics.median(timings)

    started = time.perf_counter()
    reference = Reference(people, happened, NOW)
    indexed = time.perf_counter() - started
    expected = reference.members(segment)
    reference_time = time.perf_counter() - started

    print(f"segment: {segment.name!r} at {NOW.isoformat()}")
    print("query plan:")
    for row in plan:
        print(f"  {row[-1]}")
    print(
        f"SQL:       {sql_time:.3f} s (median of {args.runs}: "
        f"{', '.join(f'{t:.3f}' for t in timings)}), {len(members):,} members"
    )
    print(
        f"reference: {reference_time:.3f} s ({indexed:.3f} s grouping events by contact), "
        f"{len(expected):,} members"
    )
    print(f"ratio:     reference / SQL = {reference_time / sql_time:.1f}x")
    target = "met" if sql_time < 2 else "MISSED"
    print(f"target:    SQL under 2 s: {target}")
    if set(members) != expected:
        sys.exit("the SQL and the reference disagree")
    folder.cleanup()


if __name__ == "__main__":
    main()
