"""Journey report (DESIGN §6) on a large run: ``journey_report`` and ``journey_summaries``
over the re-engagement journey as a 1,000,000-contact run leaves it.

Generates a workspace (SQLite) with the sample journey published and ``--contacts`` runs
through it, written with ``INSERT … SELECT`` in sqlite3 directly (the generation step only),
shaped like the engine's own rows: every run logged at start, reminder and the five-day wait;
one in twenty left at the wait by a purchase (goal reached), one in twenty still waiting; the
rest took the branch (even contacts opened the reminder: offer; odd: SMS) and completed. One in
fifty has no email consent (reminder blocked), one in a hundred bounced, one in ten clicked.
About 6 step-log rows, 2 messages and 2.5 interaction events per contact.

Then, in the same process, it times the report as the service computes it (grouped SQL) and a
naive baseline that fetches the same rows into Python and counts them there, checks that the
two agree on every node's figures, and prints the times, the ratio and the row counts.

    .venv/bin/python bench/report.py [--contacts 1000000] [--runs 3] [--db FILE]

``--db`` names the workspace to create, or one an earlier run created, to time it again
without generating it anew.
"""

from __future__ import annotations

import argparse
import sqlite3
import statistics
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import Connection, func, select

from app.resources import resource_path
from app.services.documents import read_journey, read_segment
from app.services.journeys import publish
from app.services.reports import journey_report, journey_summaries
from app.store.schema import enrollments, events, messages, step_log
from app.store.segments import save_segment
from app.store.workspace import Workspace, open_workspace

T0 = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)
JOURNEY = "Re-engagement"


def stored(moment: datetime) -> str:
    """How the schema's UTCDateTime keeps a moment in SQLite."""
    return moment.astimezone(UTC).replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")


def at(days: float) -> str:
    return stored(T0 + timedelta(days=days))


def generate(path: Path, contacts: int, journey_id: str) -> None:
    """Contacts, runs, steps, messages and interactions of the run described above."""
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA synchronous=OFF")
    db.execute("BEGIN")
    db.execute("CREATE TEMP TABLE n (i INTEGER PRIMARY KEY, c INTEGER, opened INTEGER)")
    db.execute(
        "WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < ?) "
        "INSERT INTO n SELECT i, i % 20, 1 - i % 2 FROM s",
        (contacts,),
    )
    # c = 0: left at the wait by a purchase; c = 1: still waiting; else: completed.
    db.execute(
        "INSERT INTO contacts (id, email, email_opt_in, sms_opt_in, phone, created_at, "
        "updated_at, attributes) SELECT i, 'c' || i || '@example.com', i % 50 != 7, 1, "
        "'+49151' || i, ?, ?, '{}' FROM n",
        (at(-400), at(-400)),
    )
    db.execute(
        "INSERT INTO enrollments (id, journey_id, contact_id, run, version, status, node_id, "
        "due_at, waiting_since, entered_at, ended_at, end_reason, variants, goal_reached_at) "
        "SELECT i, :j, i, 1, 1, CASE c WHEN 1 THEN 'active' ELSE 'ended' END, "
        "CASE c WHEN 0 THEN 'wait-5d' WHEN 1 THEN 'wait-5d' "
        "ELSE CASE opened WHEN 1 THEN 'exit-offer' ELSE 'exit-sms' END END, "
        "CASE c WHEN 1 THEN :due END, CASE c WHEN 1 THEN :t3 END, "
        "CASE c WHEN 1 THEN :t3 ELSE :t0 END, "
        "CASE c WHEN 0 THEN :t2 WHEN 1 THEN NULL ELSE :t5 END, "
        "CASE c WHEN 0 THEN 'exit_event' WHEN 1 THEN NULL ELSE 'completed' END, '{}', "
        "CASE c WHEN 0 THEN :t2 END FROM n",
        {"j": journey_id, "due": at(8), "t0": at(0), "t2": at(2), "t3": at(3), "t5": at(5)},
    )
    steps = [
        ("start", "processed", "'next'", "1", at(0)),
        ("reminder", "processed", "'next'", "1", at(0)),
        ("wait-5d", "processed", "'next'", "c > 1", at(5)),
        ("wait-5d", "exit_event", "NULL", "c = 0", at(2)),
        ("opened", "processed", "CASE opened WHEN 1 THEN 'yes' ELSE 'no' END", "c > 1", at(5)),
        ("offer", "processed", "'next'", "c > 1 AND opened = 1", at(5)),
        ("sms", "processed", "'next'", "c > 1 AND opened = 0", at(5)),
        ("exit-offer", "completed", "NULL", "c > 1 AND opened = 1", at(5)),
        ("exit-sms", "completed", "NULL", "c > 1 AND opened = 0", at(5)),
    ]
    for node, outcome, port, where, moment in steps:
        db.execute(
            "INSERT INTO step_log (enrollment_id, node_id, outcome, port, at) "
            f"SELECT i, ?, ?, {port}, ? FROM n WHERE {where}",
            (node, outcome, moment),
        )
    db.execute(  # the totals the engine keeps as it logs
        "INSERT INTO step_counts (journey_id, version, node_id, outcome, port, steps) "
        "SELECT ?, 1, node_id, outcome, coalesce(port, ''), count(*) FROM step_log "
        "GROUP BY node_id, outcome, coalesce(port, '')",
        (journey_id,),
    )
    sends = [
        ("reminder", "email", "1", at(0)),
        ("offer", "email", "c > 1 AND opened = 1", at(5)),
        ("sms", "sms", "c > 1 AND opened = 0", at(5)),
    ]
    for node, channel, where, moment in sends:
        blocked = "i % 50 = 7" if node == "reminder" else "0"
        db.execute(
            "INSERT INTO messages (id, enrollment_id, journey_id, version, node_id, contact_id, "
            "channel, purpose, status, reason, queued_at, sent_at) "
            f"SELECT 'm' || i || '-' || :node, i, :j, 1, :node, i, :channel, 'commercial', "
            f"CASE WHEN {blocked} THEN 'blocked' ELSE 'sent' END, "
            f"CASE WHEN {blocked} THEN 'no_consent' END, :at, "
            f"CASE WHEN {blocked} THEN NULL ELSE :at END FROM n WHERE {where}",
            {"node": node, "j": journey_id, "channel": channel, "at": moment},
        )
    interactions = [
        ("email_delivered", "reminder", "i % 50 != 7", at(0)),
        ("email_bounced", "reminder", "i % 100 = 3", at(0.1)),
        ("email_opened", "reminder", "c > 1 AND opened = 1", at(1)),
        ("email_clicked", "reminder", "i % 10 = 4", at(1)),
        ("email_delivered", "offer", "c > 1 AND opened = 1", at(5)),
        ("sms_delivered", "sms", "c > 1 AND opened = 0", at(5)),
    ]
    for kind, node, where, moment in interactions:
        db.execute(
            "INSERT INTO events (contact_id, type, occurred_at, properties, message_id) "
            "SELECT i, :kind, :at, json_object('message_id', 'm' || i || '-' || :node, "
            "'journey_id', :j, 'node_id', :node), 'm' || i || '-' || :node FROM n WHERE " + where,
            {"kind": kind, "at": moment, "node": node, "j": journey_id},
        )
    db.execute(
        "INSERT INTO events (contact_id, type, occurred_at, properties) "
        "SELECT i, 'purchase', ?, '{}' FROM n WHERE c = 0",
        (at(2),),
    )
    db.execute("COMMIT")
    db.execute("ANALYZE")
    db.close()


def naive_report(connection: Connection, journey_id: str) -> dict[str, dict[str, Any]]:
    """The same per-node figures, from every row fetched into Python and counted there."""
    nodes: dict[str, dict[str, Any]] = {}

    def node(node_id: str) -> dict[str, Any]:
        return nodes.setdefault(
            node_id, {"processed": 0, "exited": 0, "in_progress": 0, "ports": Counter()}
        )

    for node_id, outcome, port in connection.execute(
        select(step_log.c.node_id, step_log.c.outcome, step_log.c.port)
        .join(enrollments, enrollments.c.id == step_log.c.enrollment_id)
        .where(enrollments.c.journey_id == journey_id)
    ):
        figures = node(node_id)
        figures["processed" if outcome in ("processed", "skipped") else "exited"] += 1
        if port is not None:
            figures["ports"][port] += 1
    for node_id, status in connection.execute(
        select(enrollments.c.node_id, enrollments.c.status).where(
            enrollments.c.journey_id == journey_id
        )
    ):
        if status == "active":
            node(node_id)["in_progress"] += 1
    flags: dict[str, set[str]] = {}
    owner: dict[str, tuple[str, int, str]] = {}
    for message, node_id, contact, channel, status in connection.execute(
        select(
            messages.c.id,
            messages.c.node_id,
            messages.c.contact_id,
            messages.c.channel,
            messages.c.status,
        ).where(messages.c.journey_id == journey_id)
    ):
        node(node_id).setdefault("statuses", Counter())[status] += 1
        owner[message] = (node_id, contact, channel)
    for message, kind in connection.execute(
        select(events.c.message_id, events.c.type).where(events.c.message_id.is_not(None))
    ):
        if message in owner:
            flags.setdefault(message, set()).add(kind.split("_", 1)[1])
    unique: dict[str, dict[str, set[int]]] = {}
    for message, seen in flags.items():
        node_id, contact, _ = owner[message]
        engaged = bool(seen & {"opened", "clicked"})
        counted = unique.setdefault(node_id, {k: set() for k in ("delivered", "opened", "clicked")})
        if engaged or ("delivered" in seen and "bounced" not in seen):
            counted["delivered"].add(contact)
        if engaged:
            counted["opened"].add(contact)
        if "clicked" in seen:
            counted["clicked"].add(contact)
    for node_id, counted in unique.items():
        node(node_id)["interactions"] = {k: len(v) for k, v in counted.items()}
    return nodes


def agree(report: Any, naive: dict[str, dict[str, Any]]) -> list[str]:
    problems = []
    for node_id, figures in naive.items():
        mine = report.nodes[node_id]
        ours = (mine.processed, mine.exited, mine.in_progress, {**mine.ports})
        theirs = (figures["processed"], figures["exited"], figures["in_progress"])
        ports = {port: n for port, n in ours[3].items() if n}
        if ours[:3] != theirs or ports != dict(figures["ports"]):
            problems.append(f"{node_id}: {ours} != {theirs, dict(figures['ports'])}")
        if "interactions" in figures:
            stats = mine.messages
            got = {"delivered": stats.delivered, "opened": stats.opened, "clicked": stats.clicked}
            if got != figures["interactions"]:
                problems.append(f"{node_id}: {got} != {figures['interactions']}")
    return problems


@dataclass
class Timing:
    """Wall-clock seconds of each run, and the CPU seconds of this process (the SQL runs in
    it): on a shared machine the CPU time is the steadier figure."""

    wall: list[float]
    cpu: list[float]

    def __str__(self) -> str:
        runs = ", ".join(f"{t:.2f}" for t in self.wall)
        return (
            f"{statistics.median(self.wall):7.2f} s wall (runs: {runs}), "
            f"{statistics.median(self.cpu):7.2f} s CPU"
        )


def timed(work: Any, runs: int) -> tuple[Timing, Any]:
    timing, result = Timing([], []), None
    for _ in range(runs):
        wall, cpu = time.perf_counter(), time.process_time()
        result = work()
        timing.wall.append(time.perf_counter() - wall)
        timing.cpu.append(time.process_time() - cpu)
    return timing, result


def count_rows(workspace: Workspace) -> dict[str, int]:
    with workspace.reader() as connection:
        return {
            table.name: connection.execute(select(func.count()).select_from(table)).scalar_one()
            for table in (enrollments, step_log, messages, events)
        }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--contacts", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=3, help="report runs (the median is shown)")
    parser.add_argument(
        "--db", type=Path, help="workspace file to create, or to reuse (default: temporary)"
    )
    args = parser.parse_args()

    folder = tempfile.TemporaryDirectory()
    path = args.db or Path(folder.name) / "bench.db"
    samples = resource_path("samples")
    document = read_journey(samples / "re-engagement.journey.json")
    if path.exists():
        print(f"reusing {path} (generated by an earlier run; --contacts is ignored)")
    else:
        with open_workspace(str(path)) as workspace:
            with workspace.writer() as connection:
                segment = read_segment(samples / "no-purchase-60-days.segment.json")
                save_segment(connection, segment, T0)
            assert publish(workspace, document, T0).published
        started = time.perf_counter()
        generate(path, args.contacts, document.id)
        print(f"generated {args.contacts:,} runs in {time.perf_counter() - started:.1f} s")

    with open_workspace(str(path)) as workspace:
        rows = count_rows(workspace)
        print("rows: " + ", ".join(f"{name} {n:,}" for name, n in rows.items()))
        every, report = timed(lambda: journey_report(workspace, JOURNEY), args.runs)
        one, _ = timed(lambda: journey_report(workspace, JOURNEY, 1), args.runs)
        listed, _ = timed(lambda: journey_summaries(workspace), args.runs)

        def naive() -> dict[str, dict[str, Any]]:
            with workspace.reader() as connection:
                return naive_report(connection, document.id)

        baseline_time, baseline = timed(naive, 1)

    print(f"journey_report, all versions:   {every}")
    print(f"journey_report, version 1:      {one}")
    print(f"journey_summaries:              {listed}")
    print(f"naive, rows counted in Python:  {baseline_time}")
    wall = statistics.median(baseline_time.wall) / statistics.median(every.wall)
    cpu = statistics.median(baseline_time.cpu) / statistics.median(every.cpu)
    print(f"ratio naive / journey_report:   {wall:.1f}x wall, {cpu:.1f}x CPU")
    print(
        f"report: {report.entered:,} entered, {report.active:,} active, "
        f"{report.completed:,} completed, goal {report.goal.reached:,}"
    )
    problems = agree(report, baseline)
    if problems:
        sys.exit("the report and the naive count disagree:\n" + "\n".join(problems))
    print("the report and the naive count agree on every node")
    folder.cleanup()


if __name__ == "__main__":
    main()
