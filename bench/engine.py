"""Engine target (DESIGN §8): a million contacts through the re-engagement journey.

Builds a fresh SQLite workspace with ``--contacts`` contacts who all match the sample segment
"No purchase in 60 days" (one purchase about 100 days before the start), a consent mix (80 %
email opt-in, 75 % with a phone, 60 % SMS opt-in) and a spread of time zones (so quiet hours
hold some reminders). It publishes ``re-engagement.journey.json`` (reminder → wait 5 d →
branch "opened" → offer or SMS → exit), sets ``segment_refresh`` to 6 h and runs the engine
through 6 simulated days in 1 h steps (145 ticks) without dispatch: messages stay queued, as
the target says. On day 1, half of the reminders get an ``email_opened`` event, as the issue
asks (so both branch ports are used), and on day 3, 1 % of the contacts buy (goal and exit
event); each is one ``INSERT … SELECT`` between ticks, timed apart. Last, the dispatch target:
bench/dispatch.py in a process of its own.

The figure is the engine's time over the 145 ticks. **Contact-steps per second** is the
number of step-log rows the ticks wrote (one per node a contact passes) divided by that time;
contacts per second is the number of contacts who entered divided by it.

The baseline runs in the same process: APScheduler 3, a ``BackgroundScheduler`` with a
``SQLAlchemyJobStore`` on its own SQLite file and a thread pool, ``--baseline-jobs`` jobs all
due at once, each advancing one contact one step (an UPDATE of its enrollment and a step-log
insert, in its own transaction through the same workspace writer the engine uses). One job is
one contact-step; its rate is jobs ÷ (adding + running).

    .venv/bin/python bench/engine.py [--contacts 1000000] [--baseline-jobs 100000] [--db FILE]
        [--dispatch-contacts 20000]
"""

from __future__ import annotations

import argparse
import os
import random
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine as SqlEngine
from sqlalchemy import bindparam, create_engine, event, func, insert, select, update

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from app.engine.tick import Engine  # noqa: E402
from app.engine.tracking.links import workspace_links  # noqa: E402
from app.services.documents import read_journey, read_segment  # noqa: E402
from app.services.journeys import publish  # noqa: E402
from app.services.runtime import EngineRunner  # noqa: E402
from app.store.schema import (  # noqa: E402
    UTCDateTime,
    enrollments,
    journeys,
    messages,
    segment_members,
    segments,
    step_log,
)
from app.store.settings import SEGMENT_REFRESH, set_setting  # noqa: E402
from app.store.workspace import Workspace, open_workspace  # noqa: E402

SAMPLES = ROOT / "resources" / "samples"
START = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
DAYS = 6
STEP = timedelta(hours=1)
REFRESH_SECONDS = 6 * 3600
BATCH = 50_000
ZONES = [None, None, None, "Europe/Berlin", "Europe/London", "America/New_York"]
ZONES += ["America/Los_Angeles", "Asia/Tokyo", "Australia/Sydney", "Asia/Kolkata"]


def sqlite_time(moment: datetime) -> str:
    """A date-time as SQLAlchemy's SQLite ``DATETIME`` stores it (naive UTC text)."""
    return moment.astimezone(UTC).replace(tzinfo=None).strftime("%Y-%m-%d %H:%M:%S.%f")


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def cpu_seconds() -> float:
    """User + system time of this process, all threads (the refresh uses several)."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


@contextmanager
def timed(label: str, figures: dict[str, float]) -> Iterator[None]:
    started = time.perf_counter()
    yield
    figures[label] = time.perf_counter() - started


# -- the workspace ----------------------------------------------------------------------------


def generate(workspace: Workspace, count: int, seed: int) -> None:
    """``count`` contacts with one purchase ~100 days ago each, through raw ``executemany``."""
    rng = random.Random(seed)
    created = sqlite_time(START - timedelta(days=400))
    segment = read_segment(SAMPLES / "no-purchase-60-days.segment.json")
    with workspace.writer() as connection:
        connection.execute(
            insert(segments).values(
                name=segment.name, document=segment.to_json(), created_at=START, updated_at=START
            )
        )
        set_setting(connection, SEGMENT_REFRESH, REFRESH_SECONDS)
    add_contact = (
        "INSERT INTO contacts (id, kind, email, phone, first_name, timezone, email_opt_in, "
        "sms_opt_in, push_opt_in, created_at, updated_at, attributes) "
        "VALUES (?, 'contact', ?, ?, ?, ?, ?, ?, 0, ?, ?, '{}')"
    )
    add_event = (
        "INSERT INTO events (contact_id, type, occurred_at, properties) "
        "VALUES (?, 'purchase', ?, '{}')"
    )
    names = ["Ana", "Ben", "Eve", "Kai", "Lea", "Max", "Mia", "Noa", "Ola", "Tom", None]
    base = START - timedelta(days=100)
    moments = [sqlite_time(base + timedelta(minutes=m)) for m in range(0, 24 * 60, 7)]
    for first in range(1, count + 1, BATCH):
        people, purchases = [], []
        for contact in range(first, min(count, first + BATCH - 1) + 1):
            has_phone = rng.random() < 0.75
            people.append(
                (
                    contact,
                    f"person{contact}@example.com",
                    f"+49151{contact:08d}" if has_phone else None,
                    rng.choice(names),
                    rng.choice(ZONES),
                    rng.random() < 0.8,
                    has_phone and rng.random() < 0.8,  # 75 % × 80 % = 60 % may get texts
                    created,
                    created,
                )
            )
            purchases.append((contact, rng.choice(moments)))
        with workspace.writer() as connection:
            connection.exec_driver_sql(add_contact, people)
            connection.exec_driver_sql(add_event, purchases)


def record_opens(workspace: Workspace, at: datetime, percent: int) -> int:
    """``email_opened`` for ``percent`` % of the queued or held reminders, in one statement."""
    with workspace.writer() as connection:
        return connection.exec_driver_sql(
            "INSERT INTO events (contact_id, type, occurred_at, properties, message_id) "
            "SELECT contact_id, 'email_opened', ?, json_object('message_id', id, "
            "'journey_id', journey_id, 'node_id', node_id), id FROM messages "
            "WHERE node_id = 'reminder' AND status IN ('queued', 'held') "
            "AND (contact_id * 2654435761) % 4294967296 % 100 < ?",
            (sqlite_time(at), percent),
        ).rowcount


def record_purchases(workspace: Workspace, at: datetime, per_mille: int) -> int:
    """A ``purchase`` for ``per_mille`` ‰ of the contacts, in one statement."""
    with workspace.writer() as connection:
        return connection.exec_driver_sql(
            "INSERT INTO events (contact_id, type, occurred_at, properties) "
            "SELECT id, 'purchase', ?, '{}' FROM contacts "
            "WHERE (id * 40503) % 65536 % 1000 < ?",
            (sqlite_time(at), per_mille),
        ).rowcount


# -- the engine run ---------------------------------------------------------------------------


def run_engine(args: argparse.Namespace, folder: Path) -> dict[str, Any]:
    location = Path(args.db) if args.db else folder / "engine.db"
    if location.exists():
        raise SystemExit(f"{location} exists; the benchmark builds a fresh workspace")
    figures: dict[str, float] = {}
    workspace = open_workspace(str(location))
    with timed("generate", figures):
        generate(workspace, args.contacts, args.seed)
    print(f"workspace: {location}")
    print(
        f"generated {args.contacts:,} contacts and their purchases in {figures['generate']:.1f} s"
    )
    print(f"  peak memory after generation: {peak_mb():.0f} MB")
    journey = read_journey(SAMPLES / "re-engagement.journey.json")
    with timed("publish", figures):
        result = publish(workspace, journey, START)
    assert result.published, result.findings
    with workspace.reader() as connection:
        members = connection.execute(select(func.count()).select_from(segment_members)).scalar()
    print(
        f"published (validate, freeze, first refresh: {members:,} members) in "
        f"{figures['publish']:.2f} s"
    )

    engine = Engine(workspace, {}, workspace_links(workspace), dispatch=False)
    runner = EngineRunner(workspace, engine, "bench")
    ticks: list[float] = []
    slowest: list[tuple[float, datetime]] = []
    tick_cpu: list[tuple[float, datetime]] = []
    extras = 0.0
    moment, end = START, START + timedelta(days=DAYS)
    opens_at, purchases_at = START + timedelta(days=1), START + timedelta(days=3)
    if args.profile:
        import cProfile

        profiler = cProfile.Profile()
        profiler.enable()
    load_before = os.getloadavg()[0]
    cpu_before = cpu_seconds()
    while moment <= end:
        if moment == opens_at:
            started = time.perf_counter()
            opened = record_opens(workspace, moment - timedelta(minutes=30), args.opened)
            extras += time.perf_counter() - started
        if moment == purchases_at and args.buyers:
            started = time.perf_counter()
            bought = record_purchases(workspace, moment - timedelta(minutes=30), args.buyers)
            extras += time.perf_counter() - started
        started, cpu_started = time.perf_counter(), cpu_seconds()
        runner.tick(moment)
        ticks.append(time.perf_counter() - started)
        slowest.append((ticks[-1], moment))
        tick_cpu.append((cpu_seconds() - cpu_started, moment))
        if args.verbose:
            print(f"  tick {moment:%a %H:%M}: {ticks[-1]:.3f} s")
        moment += STEP
    if args.profile:
        profiler.disable()
        profiler.dump_stats(args.profile)
    cpu = cpu_seconds() - cpu_before
    load_after = os.getloadavg()[0]
    engine_peak = peak_mb()
    total = sum(ticks)

    with workspace.reader() as connection:
        entered = connection.execute(select(func.count()).select_from(enrollments)).scalar_one()
        steps = connection.execute(select(func.count()).select_from(step_log)).scalar_one()
        by_end = connection.execute(
            select(enrollments.c.status, enrollments.c.end_reason, func.count())
            .group_by(enrollments.c.status, enrollments.c.end_reason)
            .order_by(enrollments.c.status, enrollments.c.end_reason)
        ).all()
        queued = connection.execute(
            select(messages.c.node_id, messages.c.status, messages.c.reason, func.count())
            .group_by(messages.c.node_id, messages.c.status, messages.c.reason)
            .order_by(messages.c.node_id, messages.c.status, messages.c.reason)
        ).all()
        ports = connection.execute(
            select(step_log.c.port, func.count())
            .where(step_log.c.node_id == "opened")
            .group_by(step_log.c.port)
        ).all()
    workspace.close()

    print(f"\nengine: {len(ticks)} ticks, {DAYS} simulated days in 1 h steps, no dispatch")
    print(
        f"  events recorded between ticks: {opened:,} opens (day 1)"
        + (f", {bought:,} purchases (day 3)" if args.buyers else "")
        + f" in {extras:.2f} s, not counted"
    )
    print(f"  total engine time   {total:8.2f} s")
    print(
        f"  per tick            median {statistics.median(ticks) * 1000:.0f} ms, "
        f"max {max(ticks) * 1000:.0f} ms"
    )
    heavy = sorted(slowest, reverse=True)[:5]
    print("  slowest ticks       " + ", ".join(f"{m:%a %H:%M} {s:.2f} s" for s, m in heavy))
    print(
        "  time by tick kind   " + ", ".join(f"{k} {v:.1f} s" for k, v in by_kind(slowest).items())
    )
    print(
        "  CPU by tick kind    " + ", ".join(f"{k} {v:.1f} s" for k, v in by_kind(tick_cpu).items())
    )
    print(
        f"  CPU time (process)  {cpu:.1f} s; load average {load_before:.1f} → {load_after:.1f} "
        f"on {os.cpu_count()} cores"
    )
    print(f"  peak memory         {engine_peak:.0f} MB (ru_maxrss of the process so far)")
    print(f"  contacts entered    {entered:,}")
    for status, reason, count in by_end:
        print(f"    {status:7} {reason or '':13} {count:>10,}")
    print("  branch 'opened'     " + ", ".join(f"{port}: {n:,}" for port, n in ports))
    print("  messages by node and status")
    for node, status, reason, count in queued:
        print(f"    {node:9} {status:8} {reason or '':13} {count:>10,}")
    print(f"  step-log rows       {steps:,}")
    rate = steps / total
    print(f"  contact-steps/s     {rate:,.0f}  (step-log rows written ÷ engine time)")
    print(f"  contacts/s          {entered / total:,.0f}  (contacts entered ÷ engine time)")
    return {"rate": rate, "total": total, "cpu": cpu, "peak": engine_peak}


def by_kind(ticks: list[tuple[float, datetime]]) -> dict[str, float]:
    """Engine time of the entry tick, the tick where the 5-day wait ends, the ticks that
    refresh the segment, and all the others."""
    kinds = {"entry (day 0)": 0.0, "wait over (day 5)": 0.0, "segment refresh": 0.0, "other": 0.0}
    every = REFRESH_SECONDS // 3600
    for seconds, at in ticks:
        hours = int((at - START).total_seconds() // 3600)
        if hours == 0:
            kinds["entry (day 0)"] += seconds
        elif hours == 120:
            kinds["wait over (day 5)"] += seconds
        elif hours % every == 0:
            kinds["segment refresh"] += seconds
        else:
            kinds["other"] += seconds
    return kinds


# -- the baseline -----------------------------------------------------------------------------

BASELINE: Workspace | None = None
NEXT_NODE = "reminder"
ADVANCE = (
    update(enrollments)
    .where(enrollments.c.id == bindparam("eid"))
    .values(node_id=NEXT_NODE, due_at=bindparam("due", type_=UTCDateTime()))
)
LOG = insert(step_log).values(
    enrollment_id=bindparam("eid"),
    node_id="start",
    outcome="processed",
    port="next",
    at=bindparam("at", type_=UTCDateTime()),
)


def advance_one(enrollment_id: int) -> None:
    """One APScheduler job: move one contact one step, in its own short transaction."""
    assert BASELINE is not None
    now = datetime.now(UTC)
    with BASELINE.writer() as connection:
        connection.execute(LOG, {"eid": enrollment_id, "at": now})
        connection.execute(ADVANCE, {"eid": enrollment_id, "due": now})


def _job_store_engine(path: Path) -> SqlEngine:
    """The job store's SQLite with the workspace's own settings (WAL, synchronous=NORMAL)."""
    engine = create_engine(f"sqlite:///{path}")

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_connection: Any, _record: object) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    return engine


def run_baseline(args: argparse.Namespace, folder: Path) -> float:
    from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_EXECUTED, EVENT_JOB_MISSED
    from apscheduler.executors.pool import ThreadPoolExecutor
    from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
    from apscheduler.schedulers.background import BackgroundScheduler

    global BASELINE
    jobs = args.baseline_jobs
    BASELINE = open_workspace(str(folder / "baseline.db"))
    started = time.perf_counter()
    created = sqlite_time(START)
    with BASELINE.writer() as connection:
        connection.execute(
            insert(journeys).values(
                id="j-baseline",
                name="Baseline",
                status="live",
                draft="{}",
                current_version=1,
                created_at=START,
                updated_at=START,
            )
        )
        connection.exec_driver_sql(
            "INSERT INTO contacts (id, kind, created_at, updated_at, attributes) "
            "VALUES (?, 'contact', ?, ?, '{}')",
            [(n, created, created) for n in range(1, jobs + 1)],
        )
        connection.exec_driver_sql(
            "INSERT INTO enrollments (id, journey_id, contact_id, run, version, status, node_id, "
            "due_at, entered_at, variants) VALUES (?, 'j-baseline', ?, 1, 1, 'active', 'start', "
            "?, ?, '{}')",
            [(n, n, created, created) for n in range(1, jobs + 1)],
        )
    print(
        f"\nbaseline: APScheduler 3 BackgroundScheduler, SQLAlchemyJobStore (SQLite), "
        f"thread pool of {args.threads}"
    )
    print(f"  {jobs:,} enrollments written in {time.perf_counter() - started:.1f} s (not counted)")

    done = threading.Event()
    outcome = {"ran": 0, "failed": 0, "missed": 0}
    lock = threading.Lock()

    def listen(happened: Any) -> None:
        with lock:
            key = {EVENT_JOB_EXECUTED: "ran", EVENT_JOB_ERROR: "failed"}.get(
                happened.code, "missed"
            )
            outcome[key] += 1
            if sum(outcome.values()) == jobs:
                done.set()

    store = SQLAlchemyJobStore(engine=_job_store_engine(folder / "jobs.db"))
    scheduler = BackgroundScheduler(
        jobstores={"default": store},
        executors={"default": ThreadPoolExecutor(args.threads)},
        timezone=UTC,
    )
    scheduler.add_listener(listen, EVENT_JOB_EXECUTED | EVENT_JOB_ERROR | EVENT_JOB_MISSED)
    scheduler.start(paused=True)
    due = datetime.now(UTC)
    started = time.perf_counter()
    for enrollment_id in range(1, jobs + 1):
        scheduler.add_job(
            advance_one,
            "date",
            run_date=due,
            args=[enrollment_id],
            id=f"advance-{enrollment_id}",
            misfire_grace_time=None,
        )
    added = time.perf_counter() - started
    scheduler.resume()
    done.wait()
    elapsed = time.perf_counter() - started
    scheduler.shutdown(wait=True)
    with BASELINE.reader() as connection:
        logged = connection.execute(select(func.count()).select_from(step_log)).scalar_one()
        moved = connection.execute(
            select(func.count()).where(enrollments.c.node_id == NEXT_NODE)
        ).scalar_one()
    BASELINE.close()
    assert outcome["ran"] == jobs and logged == jobs and moved == jobs, (outcome, logged, moved)
    rate = jobs / elapsed
    print(f"  adding {jobs:,} jobs   {added:8.2f} s")
    print(f"  adding + running    {elapsed:8.2f} s")
    print(f"  jobs/s              {rate:,.0f}  (one job = one contact-step)")
    print(f"  peak memory         {peak_mb():.0f} MB (process, so far)")
    return rate


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--contacts", type=int, default=1_000_000)
    parser.add_argument("--baseline-jobs", type=int, default=100_000)
    parser.add_argument("--threads", type=int, default=10, help="baseline thread pool")
    parser.add_argument("--db", help="workspace file to build (default: a temporary folder)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--opened", type=int, default=50, help="%% of reminders opened")
    parser.add_argument("--buyers", type=int, default=10, help="‰ of contacts buying on day 3")
    parser.add_argument("--profile", help="write a cProfile of the ticks to this file")
    parser.add_argument("--verbose", action="store_true", help="print every tick")
    parser.add_argument(
        "--dispatch-contacts",
        type=int,
        default=20_000,
        help="messages for the dispatch benchmark (bench/dispatch.py) run last; 0 skips it",
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-engine-") as folder:
        engine = run_engine(args, Path(folder))
        if args.baseline_jobs <= 0:
            return
        baseline = run_baseline(args, Path(folder))
    dispatched = run_dispatch(args.dispatch_contacts) if args.dispatch_contacts > 0 else None
    print("\nsummary")
    print(
        f"  engine {engine['total']:.1f} s ({engine['cpu']:.1f} s CPU) for {args.contacts:,} "
        f"contacts (target < 60 s), peak {engine['peak']:.0f} MB (target < 1024 MB)"
    )
    print(
        f"  engine {engine['rate']:,.0f} contact-steps/s, baseline {baseline:,.0f} jobs/s: "
        f"{engine['rate'] / baseline:.1f}× (target ≥ 20×)"
    )
    if dispatched is not None:
        print(f"  dispatch {dispatched}")


def run_dispatch(count: int) -> str:
    """The dispatch target of DESIGN §8: bench/dispatch.py in a process of its own (so the
    engine run's memory and caches do not count), its report printed; returns its figure."""
    print(f"\ndispatch: bench/dispatch.py --contacts {count:,}")
    finished = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "dispatch.py"), "--contacts", str(count)],
        capture_output=True,
        text=True,
        check=False,
    )
    report = finished.stdout.strip()
    print("\n".join(f"  {line}" for line in report.splitlines()))
    if finished.returncode != 0:
        print(finished.stderr)
        return f"failed (exit {finished.returncode})"
    figure = re.search(r"dispatch: .*", report)
    return figure.group(0).removeprefix("dispatch: ") if figure else "(no figure printed)"


if __name__ == "__main__":
    main()
