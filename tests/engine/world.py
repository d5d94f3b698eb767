"""A small world for engine tests: contacts, events, segments and journeys in a real workspace."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, insert, select

from app.domain.journey import JourneyDocument
from app.domain.segment import SegmentDocument
from app.engine.tick import Engine
from app.engine.tracking.links import workspace_links
from app.engine.transports.base import DeliveryError, Outgoing
from app.services.journeys import publish
from app.store.schema import contacts, enrollments, events, messages, segments, step_log
from app.store.workspace import Workspace

T0 = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)
EMAIL_CONFIG = {
    "subject": "Hi {{ first_name }}",
    "body_html": "<p>Hi</p><a href='{{ unsubscribe_url }}'>Unsubscribe</a>",
    "from_name": "Contoso",
    "from_email": "news@contoso.example",
}


class Recorder:
    """A transport that keeps what it was handed (and can be told to fail)."""

    def __init__(self) -> None:
        self.sent: list[Outgoing] = []
        self.fail_with: DeliveryError | None = None

    def send(self, message: Outgoing) -> None:
        if self.fail_with is not None:
            raise self.fail_with
        self.sent.append(message)


@dataclass
class World:
    workspace: Workspace
    transport: Recorder = field(default_factory=Recorder)
    people: dict[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        channels = {"email": self.transport, "sms": self.transport, "push": self.transport}
        self.engine = Engine(self.workspace, channels, workspace_links(self.workspace))

    def contact(self, name: str, **fields: Any) -> int:
        values = {
            "email": f"{name}@example.com",
            "first_name": name.title(),
            "phone": "+4915100000001",
            "email_opt_in": True,
            "sms_opt_in": True,
            "push_opt_in": True,
            "created_at": T0 - timedelta(days=400),
            "updated_at": T0 - timedelta(days=400),
            "attributes": {},
            **fields,
        }
        with self.workspace.writer() as connection:
            key = connection.execute(insert(contacts).values(**values)).inserted_primary_key[0]
        self.people[name] = int(key)
        return int(key)

    def event(self, name: str, kind: str, at: datetime, **properties: Any) -> None:
        with self.workspace.writer() as connection:
            connection.execute(
                insert(events).values(
                    contact_id=self.people[name],
                    type=kind,
                    occurred_at=at,
                    properties=properties,
                    message_id=properties.get("message_id"),
                )
            )

    def segment(self, name: str, definition: dict[str, Any]) -> None:
        document = SegmentDocument.model_validate({"name": name, "definition": definition})
        with self.workspace.writer() as connection:
            connection.execute(
                insert(segments).values(
                    name=name, document=document.to_json(), created_at=T0, updated_at=T0
                )
            )

    def publish(self, document: JourneyDocument, at: datetime = T0) -> None:
        result = publish(self.workspace, document, at)
        assert result.published, result.findings

    def run(self, start: datetime, end: datetime, step: timedelta = timedelta(hours=1)) -> None:
        moment = start
        while moment <= end:
            self.engine.tick(moment)
            moment += step

    def messages(self) -> dict[tuple[str, str], tuple[str, str | None]]:
        """(person, node) → (status, reason)."""
        names = {key: name for name, key in self.people.items()}
        with self.workspace.reader() as connection:
            rows = connection.execute(
                select(
                    messages.c.contact_id, messages.c.node_id, messages.c.status, messages.c.reason
                )
            ).all()
        return {(names[c], node): (status, reason) for c, node, status, reason in rows}

    def message(self, name: str, node: str) -> Any:
        with self.workspace.reader() as connection:
            return connection.execute(
                select(messages).where(
                    messages.c.contact_id == self.people[name], messages.c.node_id == node
                )
            ).one()

    def runs(self) -> dict[str, list[tuple[int, str, str | None]]]:
        """person → [(run, node, end reason)] in run order."""
        names = {key: name for name, key in self.people.items()}
        with self.workspace.reader() as connection:
            rows = connection.execute(
                select(
                    enrollments.c.contact_id,
                    enrollments.c.run,
                    enrollments.c.node_id,
                    enrollments.c.end_reason,
                ).order_by(enrollments.c.contact_id, enrollments.c.run)
            ).all()
        result: dict[str, list[tuple[int, str, str | None]]] = {}
        for contact, run, node, reason in rows:
            result.setdefault(names[contact], []).append((run, node, reason))
        return result

    def ports(self, node: str) -> dict[str, int]:
        with self.workspace.reader() as connection:
            rows = connection.execute(
                select(step_log.c.port, func.count())
                .where(step_log.c.node_id == node)
                .group_by(step_log.c.port)
            ).all()
        return {str(port): count for port, count in rows}


def journey(
    nodes: list[dict[str, Any]], edges: list[dict[str, Any]], **settings: Any
) -> JourneyDocument:
    """A journey entering from segment "All" unless told otherwise."""
    return JourneyDocument.model_validate(
        {
            "id": "j-test",
            "name": "Test journey",
            "settings": {"entry_segment": "All", **settings},
            "nodes": [{"id": "start", "kind": "start"}, *nodes],
            "edges": edges,
        }
    )


def email(node_id: str, **config: Any) -> dict[str, Any]:
    return {"id": node_id, "kind": "send_email", "config": {**EMAIL_CONFIG, **config}}


def chain(*node_ids: str) -> list[dict[str, Any]]:
    ids = ["start", *node_ids]
    return [{"from": a, "to": b} for a, b in itertools.pairwise(ids)]
