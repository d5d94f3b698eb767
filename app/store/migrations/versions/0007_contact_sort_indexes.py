"""Indexes for the Contacts page's name and company sorts.

The page sorts on plain columns, then id, so that an index can serve the order (see
``app.services.contacts``). Email had its unique index; sorting a million contacts by name or
company read and sorted every row for each page. With (last_name, first_name) and (company),
a page is read off the index (rowid, that is id, ends every entry).

On PostgreSQL the indexes are built ``NULLS FIRST``, the order the page sorts in (an empty
value the smallest), with one more on email for the same reason; there, ``compare_metadata``
reads them as expressions, so the schema test checks their definitions instead.

Revision ID: 0007
Revises: 0006

Frozen, like every revision: plain SQLAlchemy, no import of ``app.store.schema``; names in
full, marked final with ``op.f`` (see 0001).
"""

from __future__ import annotations

from alembic import op

revision = "0007"
down_revision: str | None = "0006"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        # The page sorts an empty value first going up (NULLS FIRST): an index in that order
        # serves both directions. SQLite keeps NULLs smallest already, and refuses the words.
        op.execute(
            "CREATE INDEX ix_contacts_last_name_first_name "
            "ON contacts (last_name NULLS FIRST, first_name NULLS FIRST)"
        )
        op.execute("CREATE INDEX ix_contacts_company ON contacts (company NULLS FIRST)")
        # The unique index on email is in the default order (NULLS LAST), so it cannot.
        op.execute("CREATE INDEX ix_contacts_email_sort ON contacts (email NULLS FIRST)")
        return
    op.create_index(
        op.f("ix_contacts_last_name_first_name"), "contacts", ["last_name", "first_name"]
    )
    op.create_index(op.f("ix_contacts_company"), "contacts", ["company"])


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.drop_index("ix_contacts_email_sort", table_name="contacts")
    op.drop_index(op.f("ix_contacts_company"), table_name="contacts")
    op.drop_index(op.f("ix_contacts_last_name_first_name"), table_name="contacts")
