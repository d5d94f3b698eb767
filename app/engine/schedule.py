"""Step 1 of a tick: journeys start and complete by their schedule (DESIGN §5).

A live journey enrols only between its ``start_at`` and ``end_at``; once ``end_at`` has passed
and nobody is still in it, it is ``completed``.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, and_, exists, select, update

from app.domain.journey import JourneyDocument
from app.store.schema import enrollments, journeys
from app.store.versions import load_version


def enrolling(document: JourneyDocument, now: datetime) -> bool:
    """Whether the schedule lets contacts enter at ``now``."""
    settings = document.settings
    if settings.start_at is not None and now < settings.start_at:
        return False
    return settings.end_at is None or now < settings.end_at


def apply_schedules(connection: Connection, now: datetime) -> None:
    live = connection.execute(
        select(journeys.c.id, journeys.c.current_version).where(
            journeys.c.status == "live", journeys.c.current_version.is_not(None)
        )
    ).all()
    for journey_id, version in live:
        end_at = load_version(connection, journey_id, version).settings.end_at
        if end_at is None or now < end_at:
            continue
        still_in = exists(
            select(1).where(
                enrollments.c.journey_id == journey_id, enrollments.c.status == "active"
            )
        )
        connection.execute(
            update(journeys)
            .where(and_(journeys.c.id == journey_id, ~still_in))
            .values(status="completed", updated_at=now)
        )
