"""Dispatch target (DESIGN §8): personalised emails rendered and handed to a transport that
discards them, per second.

Queues one reminder email (the re-engagement sample's templates) for each of N contacts with
the engine's dispatch turned off, then times dispatch alone: render (subject, text, HTML with
tracking links and pixel), claim, hand over, mark sent with the delivered event. The baseline
in the same run is rendering each message with plain ``jinja2.Template.render`` (no sandbox,
no database), for scale.

Dispatch reads the next batch and delivers the last one on helper threads while it renders
a batch (the database works without Python's lock), so its wall time can be below its CPU
time, which counts every thread of the process. Nothing is kept between runs: each dispatch
run starts with an empty render cache and tracking plans, as the engine's does.

Wall time and CPU time (this process) are both printed, with the load average: on a shared
machine the CPU figures and the ratio to the baseline are the ones to compare across runs
(dispatch's wall time also gains or loses from the second core being free or busy).

    .venv/bin/python bench/dispatch.py [--contacts 20000]
"""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import jinja2
from sqlalchemy import insert

from app.engine.dispatch import dispatch
from app.engine.tick import Engine
from app.engine.tracking.links import workspace_links
from app.engine.transports.base import Outgoing
from app.services.documents import read_journey
from app.services.journeys import publish
from app.store.schema import contacts, segments
from app.store.settings import TRACKING, set_setting
from app.store.workspace import open_workspace

SAMPLES = Path(__file__).resolve().parents[1] / "resources" / "samples"
T0 = datetime(2026, 12, 1, 10, tzinfo=UTC)
FIRST_NAMES = ["Ana", "Ben", "Chloé", "Dmitri", "Emma", "Farid", "Grace", "Hiro", "Ines", "Jonas"]


class Discard:
    def __init__(self) -> None:
        self.count = 0

    def send(self, message: Outgoing) -> None:
        self.count += 1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--contacts", type=int, default=20_000)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="dispatch-bench-"))
    workspace = open_workspace(str(folder / "bench.db"))
    journey = read_journey(SAMPLES / "re-engagement.journey.json")
    journey.settings.entry_segment = "All"
    journey.settings.quiet_hours = None
    journey.settings.exit_events = []
    with workspace.writer() as connection:
        set_setting(connection, TRACKING, True)
        connection.execute(
            insert(segments).values(
                name="All", document='{"name": "All", "definition": {"all": []}}',
                created_at=T0, updated_at=T0,
            )
        )  # fmt: skip
        connection.execute(
            insert(contacts),
            [
                {
                    "email": f"c{i}@example.com",
                    "first_name": FIRST_NAMES[i % len(FIRST_NAMES)],
                    "email_opt_in": True,
                    "created_at": T0 - timedelta(days=400),
                    "updated_at": T0,
                    "attributes": {},
                }
                for i in range(args.contacts)
            ],
        )
    assert publish(workspace, journey, T0).published
    sink = Discard()
    engine = Engine(
        workspace, {"email": sink, "sms": sink, "push": sink}, workspace_links(workspace),
        dispatch=False,
    )  # fmt: skip
    engine.tick(T0)
    load_before = os.getloadavg()[0]
    began, cpu_began = time.perf_counter(), time.process_time()
    result = dispatch(workspace, engine.plan, engine.transports, engine.links, T0)
    elapsed, cpu = time.perf_counter() - began, time.process_time() - cpu_began

    config = journey.nodes[1].config or {}
    templates = [jinja2.Template(config[key]) for key in ("subject", "body_text", "body_html")]
    naive_began, naive_cpu_began = time.perf_counter(), time.process_time()
    for i in range(args.contacts):
        values = {"first_name": FIRST_NAMES[i % len(FIRST_NAMES)], "unsubscribe_url": f"u{i}"}
        for template in templates:
            template.render(values)
    naive = time.perf_counter() - naive_began
    naive_cpu = time.process_time() - naive_cpu_began
    load_after = os.getloadavg()[0]

    print(
        f"contacts: {args.contacts:,}; messages handed over: {sink.count:,} (sent {result.sent:,})"
    )
    print(
        f"dispatch: {elapsed:.2f} s = {result.sent / elapsed:,.0f} emails/s (target 10,000); "
        f"CPU {cpu:.2f} s = {result.sent / cpu:,.0f} emails per CPU second"
    )
    print(
        f"baseline, plain jinja2 render of the same 3 templates: {naive:.2f} s = "
        f"{args.contacts / naive:,.0f} emails/s (CPU {naive_cpu:.2f} s = "
        f"{args.contacts / naive_cpu:,.0f}/s); dispatch does {naive / elapsed:.2f}x of its rate "
        f"({naive_cpu / cpu:.2f}x in CPU time)"
    )
    print(f"load average {load_before:.1f} -> {load_after:.1f} on {os.cpu_count()} cores")
    workspace.close()
    shutil.rmtree(folder, ignore_errors=True)  # a 100,000-contact workspace is 170 MB


if __name__ == "__main__":
    main()
