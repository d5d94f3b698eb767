"""The workspace schema (DESIGN §2, §5): SQLAlchemy Core tables, shaped for set-based work.

The engine moves contacts with INSERT … SELECT and UPDATE … WHERE over these tables, so the
indexes follow its queries: due work by (journey_id, status, version, node_id, due_at),
behaviour by (contact_id, type, occurred_at), one message per (enrollment, node) by its id; an index
nothing reads is dropped, since each costs every write. Every timestamp is stored as UTC
(:class:`UTCDateTime`); documents (segments, journey drafts and versions) are stored as their
JSON text so that a published version keeps meaning what it meant.

Migrations (Alembic, ``app/store/migrations``) create and change these tables; this module is
the target they are checked against.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Column,
    DateTime,
    Dialect,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.types import TypeDecorator

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)


class UTCDateTime(TypeDecorator[datetime]):
    """An aware UTC date-time in, an aware UTC date-time out; stored without an offset.

    Naive values are refused: the code works in aware UTC throughout (DESIGN §2).
    """

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive date-time {value!r}: the store keeps aware UTC times")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        moment = datetime.fromisoformat(value) if isinstance(value, str) else value
        if not isinstance(moment, datetime):
            raise TypeError(f"not a date-time in the database: {value!r}")
        return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _now() -> datetime:
    return datetime.now(UTC)


CONTACT_KINDS = ("contact", "lead")

contacts = Table(
    "contacts",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("external_id", String(200), unique=True),
    Column("kind", String(10), nullable=False, server_default="contact"),
    Column("email", String(320), unique=True),
    Column("phone", String(40)),
    Column("first_name", String(200)),
    Column("last_name", String(200)),
    Column("company", String(200)),
    Column("country", String(100)),
    Column("region", String(100)),
    Column("city", String(100)),
    Column("owner", String(200)),
    Column("timezone", String(64)),
    Column("email_opt_in", Boolean),
    Column("sms_opt_in", Boolean),
    Column("push_opt_in", Boolean),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Column("attributes", JSON, nullable=False, default=dict),
    CheckConstraint("kind IN ('contact', 'lead')", name="kind"),
    Index(None, "last_name", "first_name"),  # the Contacts page's name sort (0007)
    Index(None, "company"),
)
"""People. ``email`` is stored lower-cased; ``attributes`` holds custom fields by key, typed
by the attribute catalogue (date-times as ISO 8601 UTC text, ``2026-01-31T09:00:00Z``)."""

attribute_catalogue = Table(
    "attribute_catalogue",
    metadata,
    Column("key", String(100), primary_key=True),
    Column("type", String(10), nullable=False),
    CheckConstraint("type IN ('integer', 'decimal', 'boolean', 'datetime', 'text')", name="type"),
)
"""The type of each custom contact attribute, inferred at import."""

events = Table(
    "events",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("contact_id", Integer, ForeignKey("contacts.id", ondelete="CASCADE"), nullable=False),
    Column("type", String(100), nullable=False),
    Column("occurred_at", UTCDateTime, nullable=False),
    Column("properties", JSON, nullable=False, default=dict),
    Column("message_id", String(64)),
    Index(None, "contact_id", "type", "occurred_at"),
    Index(None, "type", "occurred_at"),
    Index(None, "message_id", "type", "occurred_at"),
)
"""Behaviour and interactions. Interaction events carry their message's id in ``message_id``
(also kept in ``properties`` with ``journey_id`` and ``node_id``)."""

segments = Table(
    "segments",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(200), nullable=False, unique=True),
    Column("document", Text, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Column("refreshed_at", UTCDateTime),
)
"""Segment definitions; ``document`` is the ``*.segment.json`` text."""

segment_members = Table(
    "segment_members",
    metadata,
    Column(
        "segment_id",
        Integer,
        ForeignKey("segments.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column(
        "contact_id",
        Integer,
        ForeignKey("contacts.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("joined_at", UTCDateTime, nullable=False),
    Index(None, "contact_id"),
)
"""Materialised membership: who is in a segment since when (joins and leaves seen once)."""

JOURNEY_STATUSES = ("draft", "live", "paused", "stopped", "completed")

journeys = Table(
    "journeys",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("name", String(200), nullable=False, unique=True),
    Column("status", String(10), nullable=False, server_default="draft"),
    Column("draft", Text, nullable=False),
    Column("current_version", Integer),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    CheckConstraint("status IN ('draft', 'live', 'paused', 'stopped', 'completed')", name="status"),
)
"""A journey by its document id: the working draft (``*.journey.json`` text) and its state."""

journey_versions = Table(
    "journey_versions",
    metadata,
    Column(
        "journey_id",
        String(64),
        ForeignKey("journeys.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("version", Integer, primary_key=True),
    Column("document", Text, nullable=False),
    Column("published_at", UTCDateTime, nullable=False),
)
"""Published versions, frozen: contacts finish on the version they entered with."""

enrollments = Table(
    "enrollments",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("journey_id", String(64), ForeignKey("journeys.id"), nullable=False),
    Column("contact_id", Integer, ForeignKey("contacts.id"), nullable=False),
    Column("run", Integer, nullable=False),
    Column("version", Integer, nullable=False),
    Column("status", String(10), nullable=False),
    Column("node_id", String(200), nullable=False),
    Column("due_at", UTCDateTime),
    Column("waiting_since", UTCDateTime),
    Column("entered_at", UTCDateTime, nullable=False),
    Column("ended_at", UTCDateTime),
    Column("end_reason", String(20)),
    Column("variants", JSON, nullable=False, default=dict),
    Column("goal_reached_at", UTCDateTime),
    UniqueConstraint("journey_id", "contact_id", "run"),
    Index(None, "journey_id", "status", "version", "node_id", "due_at"),
    Index(None, "contact_id", "journey_id"),
    CheckConstraint("status IN ('active', 'ended')", name="status"),
)
"""One contact's run through one journey: where it is and when it is next due.

The engine finds due work per version and node through (journey_id, status, version, node_id,
due_at): whether anyone at a node is due is one index probe, however many wait there."""

step_log = Table(
    "step_log",
    metadata,
    Column("id", Integer, primary_key=True),
    Column(
        "enrollment_id",
        Integer,
        ForeignKey("enrollments.id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("node_id", String(200), nullable=False),
    Column("outcome", String(20), nullable=False),
    Column("port", String(200)),
    Column("at", UTCDateTime, nullable=False),
    Index(None, "enrollment_id"),
)
"""Each node a contact passes; the source of all analytics (DESIGN §6).

The journey and version are the enrollment's; the per-node totals analytics read are kept
beside it in :data:`step_counts`, so the log needs one index only (a run's own steps), which
every one of the engine's millions of step rows pays for."""

NO_PORT = ""
"""``step_counts.port`` of steps that left by no port (port names are never empty)."""

step_counts = Table(
    "step_counts",
    metadata,
    Column("journey_id", String(64), primary_key=True),
    Column("version", Integer, primary_key=True),
    Column("node_id", String(200), primary_key=True),
    Column("outcome", String(20), primary_key=True),
    Column("port", String(200), primary_key=True),
    Column("steps", Integer, nullable=False),
)
"""How many step-log rows each (journey, version, node, outcome, port) has: added to in the
transaction that writes the rows (:func:`app.engine.moves.log_steps`), so the two always
agree; per-node analytics read these few rows instead of counting millions."""

MESSAGE_STATUSES = ("queued", "held", "sending", "sent", "failed", "blocked", "cancelled")

messages = Table(
    "messages",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("enrollment_id", Integer, ForeignKey("enrollments.id"), nullable=False),
    Column("journey_id", String(64), nullable=False),
    Column("version", Integer, nullable=False),
    Column("node_id", String(200), nullable=False),
    Column("contact_id", Integer, ForeignKey("contacts.id"), nullable=False),
    Column("channel", String(10), nullable=False),
    Column("purpose", String(15), nullable=False),
    Column("status", String(10), nullable=False),
    Column("reason", Text),
    Column("subject", Text),
    Column("not_before", UTCDateTime),
    Column("queued_at", UTCDateTime, nullable=False),
    Column("claimed_at", UTCDateTime),
    Column("sent_at", UTCDateTime),
    Column("attempts", Integer, nullable=False, server_default="0"),
    Index(None, "status", "not_before"),
    Index(None, "contact_id", "queued_at"),
    Index(None, "journey_id", "node_id", "status"),
    CheckConstraint(
        "status IN ('queued', 'held', 'sending', 'sent', 'failed', 'blocked', 'cancelled')",
        name="status",
    ),
)
"""One message per (enrollment, node): its id is derived from them (``m<enrollment>-<hash of
journey and node>``, :func:`app.engine.moves.message_id`), so the primary key alone keeps it
queued once, and finds a run's messages."""

tasks = Table(
    "tasks",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("enrollment_id", Integer, ForeignKey("enrollments.id")),
    Column("contact_id", Integer, ForeignKey("contacts.id"), nullable=False),
    Column("journey_id", String(64)),
    Column("node_id", String(200)),
    Column("title", Text, nullable=False),
    Column("description", Text, nullable=False, server_default=""),
    Column("assignee", String(200)),
    Column("due_at", UTCDateTime),
    Column("priority", String(10), nullable=False, server_default="normal"),
    Column("status", String(10), nullable=False, server_default="open"),
    Column("created_at", UTCDateTime, nullable=False),
    Column("completed_at", UTCDateTime),
    UniqueConstraint("enrollment_id", "node_id"),
    Index(None, "status", "due_at"),
)
"""Sales follow-ups created by task nodes."""

ab_decisions = Table(
    "ab_decisions",
    metadata,
    Column("journey_id", String(64), primary_key=True),
    Column("version", Integer, primary_key=True),
    Column("node_id", String(200), primary_key=True),
    Column("first_assigned_at", UTCDateTime, nullable=False),
    Column("winner", String(200)),
    Column("decided_at", UTCDateTime),
)
"""Per A/B node and version: when assignment began and, once decided, the winning variant."""

workspace_settings = Table(
    "workspace_settings",
    metadata,
    Column("key", String(100), primary_key=True),
    Column("value", JSON, nullable=False),
)
"""Workspace-wide settings and state (``segment_refresh``, ``last_tick_at``, …) as JSON."""

engine_lease = Table(
    "engine_lease",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("holder", String(200), nullable=False),
    Column("heartbeat_at", UTCDateTime, nullable=False),
    Column("expires_at", UTCDateTime, nullable=False),
    CheckConstraint("id = 1", name="single_row"),
)
"""The single-engine lease (DESIGN §5): one row, held by one engine at a time."""

contact_changes = Table(
    "contact_changes",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("contact_id", Integer, nullable=False),
    sqlite_autoincrement=True,
)
"""Contacts whose row or events were changed or deleted, in order (SQLite: written by the
triggers of revision 0005 on every insert, update or delete of a contact and every update or
delete of an event; ids never go back, even after pruning). A segment refresh that remembers
where the last one stood re-tests only these contacts and those whose events time moved across
a window edge (``app.engine.membership``); the engine prunes what every refresh has seen.
Events that are only added are found by their id instead, so recording interactions costs no
extra row."""
