"""The engine's indexes: enrollments (journey_id, status, version, node_id, due_at) replaces
(journey_id, status, node_id), and events (message_id, type, occurred_at) replaces
(message_id).

With due_at in it, "is anyone at this node due" is one index probe however many contacts wait
at the node, and a batch of due contacts is read in index order. With type and occurred_at,
"did this message's contact open it by then" is one probe, and the query planner prefers it to
reading every event of that type.

Revision ID: 0003
Revises: 0002

Frozen, like every revision: plain SQLAlchemy, no import of ``app.store.schema``; names in
full, marked final with ``op.f`` (see 0001).
"""

from __future__ import annotations

from alembic import op

revision = "0003"
down_revision: str | None = "0002"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.drop_index(op.f("ix_enrollments_journey_id_status_node_id"), table_name="enrollments")
    op.create_index(
        op.f("ix_enrollments_journey_id_status_version_node_id_due_at"),
        "enrollments",
        ["journey_id", "status", "version", "node_id", "due_at"],
    )
    op.drop_index(op.f("ix_events_message_id"), table_name="events")
    op.create_index(
        op.f("ix_events_message_id_type_occurred_at"),
        "events",
        ["message_id", "type", "occurred_at"],
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_events_message_id_type_occurred_at"), table_name="events")
    op.create_index(op.f("ix_events_message_id"), "events", ["message_id"])
    op.drop_index(
        op.f("ix_enrollments_journey_id_status_version_node_id_due_at"), table_name="enrollments"
    )
    op.create_index(
        op.f("ix_enrollments_journey_id_status_node_id"),
        "enrollments",
        ["journey_id", "status", "node_id"],
    )
