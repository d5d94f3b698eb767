"""Published journey versions and journey status (DESIGN §5).

Going live freezes the document as the next numbered version; publishing again makes another.
A version is never changed after it is written, so contacts who entered on it finish on what it
meant. Status moves draft → live ⇄ paused → stopped, and live → completed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, Connection, func, insert, select, update

from app.domain.journey import JourneyDocument
from app.domain.loading import load_journey
from app.store.schema import journey_versions, journeys

RUNNING_STATUSES = ("live", "paused")


@dataclass(frozen=True)
class JourneyState:
    id: str
    name: str
    status: str
    current_version: int | None


def journey_by_name(connection: Connection, name: str) -> JourneyState | None:
    return _journey(connection, journeys.c.name == name)


def _journey(connection: Connection, where: ColumnElement[bool]) -> JourneyState | None:
    row = connection.execute(
        select(journeys.c.id, journeys.c.name, journeys.c.status, journeys.c.current_version).where(
            where
        )
    ).one_or_none()
    return None if row is None else JourneyState(*row)


def freeze_version(connection: Connection, document: JourneyDocument, now: datetime) -> int:
    """Write ``document`` as the journey's next version and make it current; return its number.

    The journey row must exist (its draft saved first).
    """
    latest = connection.execute(
        select(func.max(journey_versions.c.version)).where(
            journey_versions.c.journey_id == document.id
        )
    ).scalar_one_or_none()
    version = (latest or 0) + 1
    connection.execute(
        insert(journey_versions).values(
            journey_id=document.id, version=version, document=document.to_json(), published_at=now
        )
    )
    connection.execute(
        update(journeys)
        .where(journeys.c.id == document.id)
        .values(current_version=version, updated_at=now)
    )
    return version


def set_status(connection: Connection, journey_id: str, status: str, now: datetime) -> None:
    connection.execute(
        update(journeys).where(journeys.c.id == journey_id).values(status=status, updated_at=now)
    )


def load_version(connection: Connection, journey_id: str, version: int) -> JourneyDocument:
    text = connection.execute(
        select(journey_versions.c.document).where(
            journey_versions.c.journey_id == journey_id, journey_versions.c.version == version
        )
    ).scalar_one()
    return load_journey(text, f"journey {journey_id} version {version}")
