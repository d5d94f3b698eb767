"""Make a demo workspace with the re-engagement journey live for five simulated days, a third of
its reminder emails opened, so that screenshots show a running journey's analytics.

    .venv/bin/python docs/live_journey_demo.py DB [--contacts 5000]

Then ``journey-studio --db DB --screenshot FILE`` shows the journey with its figures.
"""

from __future__ import annotations

import argparse
import random
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from app.services.events import record_event
from app.services.journey_library import list_journeys, open_journey
from app.services.journeys import publish
from app.services.runtime import EngineRunner, build_engine
from app.services.workspace import create_workspace
from app.store.schema import contacts, messages
from app.store.workspace import open_workspace


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("db")
    parser.add_argument("--contacts", type=int, default=5000)
    args = parser.parse_args()
    start = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) - timedelta(days=7)
    create_workspace(args.db, demo=True, contacts=args.contacts, seed=1, now=start)
    with open_workspace(args.db) as workspace:
        row = next(row for row in list_journeys(workspace) if row.name == "Re-engagement")
        assert publish(workspace, open_journey(workspace, row.id).document, start).published
        runner = EngineRunner(workspace, build_engine(workspace), "docs-demo")
        opened_at = start + timedelta(days=1)
        for moment in runner.simulate(start, opened_at, timedelta(hours=1)):
            del moment
        with workspace.reader() as connection:
            sent = connection.execute(
                select(messages.c.id, contacts.c.email)
                .join(contacts, contacts.c.id == messages.c.contact_id)
                .where(messages.c.node_id == "reminder", messages.c.status == "sent")
            ).all()
        chooser = random.Random(7)
        for message_id, email in chooser.sample(sent, len(sent) // 3):
            record_event(
                workspace, email=email, kind="email_opened", at=opened_at, message_id=message_id
            )
        for moment in runner.simulate(
            opened_at + timedelta(hours=1), start + timedelta(days=6), timedelta(hours=1)
        ):
            del moment
        runner.release()
    print(f"{args.db}: Re-engagement live, {len(sent)} reminders sent, a third opened")


if __name__ == "__main__":
    main()
