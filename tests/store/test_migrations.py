"""Schema migrations run on open: head equals the schema, old workspaces migrate with their data,
newer or foreign databases are refused and left unchanged (SQLite; PostgreSQL when configured)."""

from __future__ import annotations

import hashlib
import sqlite3
import textwrap
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import CheckConstraint, Connection, create_engine, func, inspect, select, text
from sqlalchemy.exc import IntegrityError

from app.store import migrations
from app.store.schema import (
    contacts,
    enrollments,
    events,
    journeys,
    metadata,
    step_counts,
    step_log,
)
from app.store.workspace import Workspace, WorkspaceError, open_workspace
from tests.store import pg

workspace_location = pg.workspace_location  # each test on SQLite, and PostgreSQL when set

NOW = datetime(2026, 1, 31, 9, 0, tzinfo=UTC)


def add_contact(connection: Connection, email: str) -> int:
    row = connection.execute(
        contacts.insert()
        .values(email=email, created_at=NOW, updated_at=NOW, attributes={"tier": "gold"})
        .returning(contacts.c.id)
    ).one()
    return int(row.id)


def add_run(connection: Connection, **values: Any) -> tuple[int, int]:
    """Ada's run (with these enrollment values) through the journey "j1", both added; returns
    (contact id, enrollment id)."""
    contact_id = add_contact(connection, "ada@example.com")
    connection.execute(
        journeys.insert().values(
            id="j1", name="Welcome", draft="{}", created_at=NOW, updated_at=NOW
        )
    )
    run = connection.execute(
        enrollments.insert()
        .values(
            journey_id="j1", contact_id=contact_id, run=1, entered_at=NOW, variants={}, **values
        )
        .returning(enrollments.c.id)
    ).scalar_one()
    return contact_id, int(run)


def revisions(workspace: Workspace) -> tuple[str, ...]:
    with workspace.reader() as connection:
        return migrations.current_revisions(connection)


def tables(workspace: Workspace) -> set[str]:
    with workspace.reader() as connection:
        return set(inspect(connection).get_table_names())


NULLS_FIRST = {
    "ix_contacts_last_name_first_name": "(last_name NULLS FIRST, first_name NULLS FIRST)",
    "ix_contacts_company": "(company NULLS FIRST)",
    "ix_contacts_email_sort": "(email NULLS FIRST)",
}
"""The Contacts page's sort indexes as PostgreSQL has them (0007); compare_metadata reads them
as expressions, so they are checked by their definitions."""


def test_a_new_workspace_is_at_head_and_matches_the_schema(workspace_location: str) -> None:
    with open_workspace(workspace_location) as workspace, workspace.reader() as connection:
        assert migrations.current_revisions(connection) == (migrations.head_revision(),)
        postgres = connection.dialect.name == "postgresql"

        def compared(_item: object, name: str | None, kind: str, *_rest: object) -> bool:
            return not (postgres and kind == "index" and name in NULLS_FIRST)

        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "include_object": compared}
        )
        assert compare_metadata(context, metadata) == []
        if postgres:
            definitions = dict(
                connection.execute(
                    text("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'contacts'")
                ).all()
            )
            for name, columns in NULLS_FIRST.items():
                assert definitions[name].endswith(f"USING btree {columns}"), definitions[name]


def test_check_constraints_match_the_schema(workspace_location: str) -> None:
    # compare_metadata does not look at CHECK constraints; compare them by name.
    expected = {
        table.name: {
            str(constraint.name)
            for constraint in table.constraints
            if isinstance(constraint, CheckConstraint)
        }
        for table in metadata.sorted_tables
    }
    with open_workspace(workspace_location) as workspace, workspace.reader() as connection:
        inspector = inspect(connection)
        found = {
            name: {str(check["name"]) for check in inspector.get_check_constraints(name)}
            for name in expected
        }
    assert found == expected


def test_revision_0001_has_the_core_tables_only(workspace_location: str) -> None:
    with open_workspace(workspace_location, revision="0001") as workspace:
        assert revisions(workspace) == ("0001",)
        assert tables(workspace) == {
            "alembic_version",
            "contacts",
            "attribute_catalogue",
            "events",
            "segments",
            "segment_members",
            "workspace_settings",
        }


def test_a_workspace_at_0001_migrates_on_open_and_keeps_its_data(
    workspace_location: str,
) -> None:
    with open_workspace(workspace_location, revision="0001") as old, old.writer() as connection:
        contact_id = add_contact(connection, "ada@example.com")

    with open_workspace(workspace_location) as workspace:
        assert revisions(workspace) == (migrations.head_revision(),)
        assert {"journeys", "enrollments", "messages", "engine_lease"} <= tables(workspace)
        with workspace.reader() as connection:
            row = connection.execute(select(contacts)).one()
        assert (row.id, row.email, row.attributes) == (
            contact_id,
            "ada@example.com",
            {"tier": "gold"},
        )
        assert row.created_at == NOW


def test_two_openings_of_an_old_workspace_at_once_both_succeed(workspace_location: str) -> None:
    open_workspace(workspace_location, revision="0001").close()
    opened: list[Workspace] = []
    failures: list[BaseException] = []

    def open_it() -> None:
        try:
            opened.append(open_workspace(workspace_location))
        except BaseException as error:
            failures.append(error)

    threads = [threading.Thread(target=open_it) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    try:
        assert failures == []
        head = migrations.head_revision()
        assert [revisions(workspace) for workspace in opened] == [(head,), (head,)]
    finally:
        for workspace in opened:
            workspace.close()


def database_state(workspace_location: str) -> dict[str, Any]:
    """What a refused opening must not change: for a file its bytes and mtime (and no journal
    left behind); for any database its tables, revision and contacts."""
    state: dict[str, Any] = {}
    if "://" not in workspace_location:
        path = Path(workspace_location)
        state["sha256"] = hashlib.sha256(path.read_bytes()).hexdigest()
        state["mtime_ns"] = path.stat().st_mtime_ns
        state["files"] = sorted(p.name for p in path.parent.iterdir())
        db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            names = [row[0] for row in db.execute("SELECT name FROM sqlite_master")]
            state["schema"] = sorted(names)
            state["version"] = db.execute("SELECT * FROM alembic_version").fetchall()
            state["contacts"] = db.execute("SELECT id, email FROM contacts").fetchall()
        finally:
            db.close()
        return state
    engine = create_engine(workspace_location)
    try:
        with engine.connect() as connection:
            state["schema"] = sorted(inspect(connection).get_table_names())
            state["version"] = connection.execute(text("SELECT * FROM alembic_version")).all()
            state["contacts"] = connection.execute(text("SELECT id, email FROM contacts")).all()
    finally:
        engine.dispose()
    return state


def test_a_workspace_of_a_newer_schema_is_refused_and_left_unchanged(
    workspace_location: str,
) -> None:
    with open_workspace(workspace_location) as workspace, workspace.writer() as connection:
        add_contact(connection, "ada@example.com")
        connection.execute(text("UPDATE alembic_version SET version_num = '0099_future'"))
    before = database_state(workspace_location)

    with pytest.raises(WorkspaceError) as refused:
        open_workspace(workspace_location)

    assert (
        "this workspace was made by a newer Journey Studio (schema revision 0099_future); "
        "update Journey Studio to open it"
    ) in str(refused.value)
    assert database_state(workspace_location) == before


def test_a_file_that_is_not_sqlite_is_refused_and_left_unchanged(tmp_path: Path) -> None:
    path = tmp_path / "contacts.csv"
    path.write_text("email,first_name\nada@example.com,Ada\n", encoding="utf-8")
    before = path.read_bytes()

    with pytest.raises(WorkspaceError, match="not an SQLite database"):
        open_workspace(str(path))

    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["contacts.csv"]


def test_an_sqlite_file_of_another_application_is_refused_and_left_unchanged(
    tmp_path: Path,
) -> None:
    path = tmp_path / "other.db"
    connection = sqlite3.connect(path)
    connection.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)")
    connection.commit()
    connection.close()
    before = path.read_bytes()

    with pytest.raises(WorkspaceError, match=r"not a Journey Studio workspace.*\(notes\)"):
        open_workspace(str(path))

    assert path.read_bytes() == before


def extra_revision(folder: Path, body: str) -> Path:
    """A folder holding one revision 9999 after the package's head."""
    folder.mkdir()
    header = (
        '"""A test revision."""\n\n'
        "import sqlalchemy as sa\n"
        "from alembic import op\n\n"
        'revision = "9999"\n'
        f'down_revision = "{migrations.head_revision()}"\n'
        "branch_labels = None\n"
        "depends_on = None\n\n\n"
        "def upgrade() -> None:\n"
    )
    upgrade = textwrap.indent(textwrap.dedent(body).strip() + "\n", "    ")
    (folder / "9999_test.py").write_text(header + upgrade, encoding="utf-8")
    return folder


def test_a_batch_migration_keeps_the_rows_that_refer_to_a_rebuilt_table(
    workspace_location: str, tmp_path: Path
) -> None:
    # Batch mode rebuilds `contacts` by copying it; the events pointing at it must survive
    # (on SQLite, dropping the old copy with foreign keys on would cascade-delete them).
    later = extra_revision(
        tmp_path / "later",
        """
        sqlite = op.get_context().dialect.name == "sqlite"
        with op.batch_alter_table("contacts", recreate="always" if sqlite else "auto") as batch:
            batch.add_column(sa.Column("nickname", sa.String(50)))
        """,
    )
    with open_workspace(workspace_location) as workspace:
        with workspace.writer() as connection:
            contact_id = add_contact(connection, "ada@example.com")
            connection.execute(
                events.insert().values(
                    contact_id=contact_id, type="purchase", occurred_at=NOW, properties={}
                )
            )
        workspace.migrate(config=migrations.alembic_config(later))

        assert revisions(workspace) == ("9999",)
        with workspace.reader() as connection:
            assert "nickname" in {c["name"] for c in inspect(connection).get_columns("contacts")}
            assert connection.execute(select(func.count()).select_from(events)).scalar() == 1
        # Foreign keys are on again afterwards.
        with (
            workspace.writer() as connection,
            pytest.raises(IntegrityError),
            connection.begin_nested(),
        ):
            connection.execute(
                events.insert().values(
                    contact_id=999, type="purchase", occurred_at=NOW, properties={}
                )
            )


def test_a_migration_that_breaks_a_reference_is_rolled_back(tmp_path: Path) -> None:
    broken = extra_revision(
        tmp_path / "broken",
        """
        op.add_column("contacts", sa.Column("nickname", sa.String(50)))
        op.execute(
            "INSERT INTO events (contact_id, type, occurred_at, properties)"
            " VALUES (999, 'purchase', '2026-01-31 09:00:00', '{}')"
        )
        """,
    )
    with open_workspace(str(tmp_path / "workspace.db")) as workspace:
        with pytest.raises(WorkspaceError, match=r"schema could not be updated.*broken reference"):
            workspace.migrate(config=migrations.alembic_config(broken))

        assert revisions(workspace) == (migrations.head_revision(),)
        with workspace.reader() as connection:
            assert "nickname" not in {
                c["name"] for c in inspect(connection).get_columns("contacts")
            }
            assert connection.execute(select(func.count()).select_from(events)).scalar() == 0


def test_a_workspace_at_0003_loses_the_unused_enrollment_index_and_keeps_its_runs(
    workspace_location: str,
) -> None:
    with open_workspace(workspace_location, revision="0003") as old, old.writer() as connection:
        contact_id, _run = add_run(
            connection, version=1, status="active", node_id="wait", due_at=NOW
        )
        before = {index["name"] for index in inspect(connection).get_indexes("enrollments")}
    assert "ix_enrollments_status_due_at" in before

    with open_workspace(workspace_location) as workspace, workspace.reader() as connection:
        indexes = {index["name"] for index in inspect(connection).get_indexes("enrollments")}
        assert indexes == before - {"ix_enrollments_status_due_at"}
        row = connection.execute(select(enrollments)).one()
        assert (row.contact_id, row.node_id, row.due_at) == (contact_id, "wait", NOW)


def test_a_workspace_at_0005_gets_step_counts_from_its_step_log_and_keeps_its_steps(
    workspace_location: str,
) -> None:
    with open_workspace(workspace_location, revision="0005") as old, old.writer() as connection:
        _contact, run = add_run(connection, version=2, status="ended", node_id="exit")
        steps = [("start", "processed", "next"), ("ab", "processed", "B"), ("exit", "completed")]
        for node, outcome, *port in steps:
            connection.execute(
                text(
                    "INSERT INTO step_log (enrollment_id, journey_id, version, node_id, outcome, "
                    "port, at) VALUES (:run, 'j1', 2, :node, :outcome, :port, :at)"
                ),
                {"run": run, "node": node, "outcome": outcome, "port": port[0] if port else None,
                 "at": "2026-01-31 09:00:00.000000"},
            )  # fmt: skip

    with open_workspace(workspace_location) as workspace, workspace.reader() as connection:
        counts = connection.execute(select(step_counts).order_by(step_counts.c.node_id)).all()
        assert [tuple(row) for row in counts] == [
            ("j1", 2, "ab", "processed", "B", 1),
            ("j1", 2, "exit", "completed", "", 1),
            ("j1", 2, "start", "processed", "next", 1),
        ]
        logged = connection.execute(
            select(
                step_log.c.enrollment_id, step_log.c.node_id, step_log.c.port, step_log.c.at
            ).order_by(step_log.c.id)
        ).all()
        assert logged == [
            (run, "start", "next", NOW),
            (run, "ab", "B", NOW),
            (run, "exit", None, NOW),
        ]
        inspector = inspect(connection)
        assert {c["name"] for c in inspector.get_columns("step_log")} == {
            "id", "enrollment_id", "node_id", "outcome", "port", "at"
        }  # fmt: skip
        assert inspector.get_unique_constraints("messages") == []


def test_a_workspace_at_0006_gets_the_contact_sort_indexes_and_keeps_its_contacts(
    workspace_location: str,
) -> None:
    with open_workspace(workspace_location, revision="0006") as old, old.writer() as connection:
        contact_id = add_contact(connection, "ada@example.com")
        before = {index["name"] for index in inspect(connection).get_indexes("contacts")}
    assert "ix_contacts_company" not in before

    with open_workspace(workspace_location) as workspace, workspace.reader() as connection:
        indexes = {index["name"]: index for index in inspect(connection).get_indexes("contacts")}
        added = {"ix_contacts_last_name_first_name", "ix_contacts_company"}
        if connection.dialect.name == "postgresql":
            added.add("ix_contacts_email_sort")  # email's unique index sorts NULLs last there
        assert set(indexes) == before | added
        assert indexes["ix_contacts_last_name_first_name"]["column_names"] == [
            "last_name",
            "first_name",
        ]
        assert connection.execute(select(contacts.c.id, contacts.c.email)).all() == [
            (contact_id, "ada@example.com")
        ]


def test_the_head_read_from_the_revision_files_is_alembics_head() -> None:
    assert migrations.code_head() == migrations.head_revision()


def test_opening_an_up_to_date_workspace_does_not_load_alembic(tmp_path: Path) -> None:
    """Start-up pays for Alembic only when a workspace needs migrating."""
    import subprocess
    import sys

    path = tmp_path / "current.db"
    open_workspace(str(path)).close()  # created and migrated to head
    probe = (
        "import sys\n"
        "from app.store.workspace import open_workspace\n"
        f"open_workspace({str(path)!r}).close()\n"
        "print('alembic' in sys.modules)\n"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert loaded == "False"
