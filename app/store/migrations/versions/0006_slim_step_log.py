"""Fewer index entries per row the engine writes: step_counts, a slimmer step log and messages.

A million-contact run writes about six million step-log rows and two million messages, and
each index is an entry per row.

- ``step_counts`` holds the step log's totals per (journey, version, node, outcome, port),
  filled here from the rows already logged. Analytics read it, so the step log loses its
  (journey_id, node_id, outcome) index, and its journey_id and version columns: they are
  the enrollment's.
- ``messages`` loses its unique (enrollment_id, node_id) constraint: the message id is derived
  from the enrollment and the node, so the primary key already keeps one message per pair.

Revision ID: 0006
Revises: 0005

Frozen, like every revision: plain SQLAlchemy, no import of ``app.store.schema``; names in
full, marked final with ``op.f`` (see 0001).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision: str | None = "0005"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_table(
        "step_counts",
        sa.Column("journey_id", sa.String(64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("node_id", sa.String(200), nullable=False),
        sa.Column("outcome", sa.String(20), nullable=False),
        sa.Column("port", sa.String(200), nullable=False),
        sa.Column("steps", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(
            "journey_id", "version", "node_id", "outcome", "port", name=op.f("pk_step_counts")
        ),
    )
    op.execute(
        "INSERT INTO step_counts (journey_id, version, node_id, outcome, port, steps) "
        "SELECT journey_id, version, node_id, outcome, coalesce(port, ''), count(*) "
        "FROM step_log GROUP BY journey_id, version, node_id, outcome, coalesce(port, '')"
    )
    op.drop_index(op.f("ix_step_log_journey_id_node_id_outcome"), table_name="step_log")
    with op.batch_alter_table("step_log") as batch:
        batch.drop_column("journey_id")
        batch.drop_column("version")
    with op.batch_alter_table("messages") as batch:
        batch.drop_constraint(op.f("uq_messages_enrollment_id_node_id"), type_="unique")


def downgrade() -> None:
    with op.batch_alter_table("messages") as batch:
        batch.create_unique_constraint(
            op.f("uq_messages_enrollment_id_node_id"), ["enrollment_id", "node_id"]
        )
    with op.batch_alter_table("step_log") as batch:
        batch.add_column(sa.Column("journey_id", sa.String(64), nullable=False, server_default=""))
        batch.add_column(sa.Column("version", sa.Integer(), nullable=False, server_default="0"))
    op.execute(
        "UPDATE step_log SET journey_id = (SELECT journey_id FROM enrollments "
        "WHERE enrollments.id = step_log.enrollment_id), version = (SELECT version "
        "FROM enrollments WHERE enrollments.id = step_log.enrollment_id)"
    )
    op.create_index(
        op.f("ix_step_log_journey_id_node_id_outcome"),
        "step_log",
        ["journey_id", "node_id", "outcome"],
    )
    op.drop_table("step_counts")
