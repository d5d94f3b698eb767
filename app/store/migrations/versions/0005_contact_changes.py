"""contact_changes: a log of the contacts whose data changed, for incremental segment refresh.

SQLite only fills it, through triggers: every insert, update or delete of a contact, and every
update or delete of an event, adds the contact's id (events that are only added are found by
their id, so the hot path of recording interactions pays nothing). ``AUTOINCREMENT`` keeps ids
rising after the engine prunes the rows every refresh has seen. On PostgreSQL the table stays
empty: sequence values commit out of order there, so a refresh cannot say "everything after id
N" and refreshes in full, as before.

Revision ID: 0005
Revises: 0004

Frozen, like every revision: plain SQLAlchemy, no import of ``app.store.schema``; names in
full, marked final with ``op.f`` (see 0001).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision: str | None = "0004"
branch_labels: str | None = None
depends_on: str | None = None

TRIGGERS = {
    "contact_changes_on_contact_insert": "AFTER INSERT ON contacts BEGIN "
    "INSERT INTO contact_changes (contact_id) VALUES (NEW.id); END",
    "contact_changes_on_contact_update": "AFTER UPDATE ON contacts BEGIN "
    "INSERT INTO contact_changes (contact_id) VALUES (NEW.id); END",
    "contact_changes_on_contact_delete": "AFTER DELETE ON contacts BEGIN "
    "INSERT INTO contact_changes (contact_id) VALUES (OLD.id); END",
    "contact_changes_on_event_update": "AFTER UPDATE ON events BEGIN "
    "INSERT INTO contact_changes (contact_id) VALUES (OLD.contact_id); "
    "INSERT INTO contact_changes (contact_id) VALUES (NEW.contact_id); END",
    "contact_changes_on_event_delete": "AFTER DELETE ON events BEGIN "
    "INSERT INTO contact_changes (contact_id) VALUES (OLD.contact_id); END",
}


def upgrade() -> None:
    op.create_table(
        "contact_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("contact_id", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contact_changes")),
        sqlite_autoincrement=True,
    )
    if op.get_bind().dialect.name == "sqlite":
        for name, body in TRIGGERS.items():
            op.execute(f"CREATE TRIGGER {name} {body}")


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for name in TRIGGERS:
            op.execute(f"DROP TRIGGER {name}")
    op.drop_table("contact_changes")
