"""Drop enrollments (status, due_at): nothing reads through it any more.

The engine finds due work per version and node through (journey_id, status, version, node_id,
due_at) (0003); every other query on enrollments names the journey, the contact or the id
first. Keeping the index cost an entry rewrite each time a run started waiting, moved its due
time or ended (about 3 s of a million-contact run).

Revision ID: 0004
Revises: 0003

Frozen, like every revision: plain SQLAlchemy, no import of ``app.store.schema``; names in
full, marked final with ``op.f`` (see 0001).
"""

from __future__ import annotations

from alembic import op

revision = "0004"
down_revision: str | None = "0003"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.drop_index(op.f("ix_enrollments_status_due_at"), table_name="enrollments")


def downgrade() -> None:
    op.create_index(op.f("ix_enrollments_status_due_at"), "enrollments", ["status", "due_at"])
