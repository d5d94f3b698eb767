"""Schema migrations: Alembic revisions, run by the code when a workspace opens (DESIGN §2).

Owns the Alembic set-up (configured in code, no ``alembic.ini``; the environment is ``env.py``
next to this file and the revisions are ``versions/NNNN_*.py``) and :func:`upgrade`, the one way
the schema of a database changes.

Invariants:
- Revisions are frozen snapshots written in plain SQLAlchemy; they never import
  ``app.store.schema``. Head equals ``schema.metadata`` (checked by
  ``tests/store/test_migrations.py``); a schema change is a new revision, never an edit.
- :func:`upgrade` reads the database's revision and migrates inside one transaction of its own
  (on SQLite the caller's engine decides ``BEGIN IMMEDIATE``), so an upgrade either completes
  or leaves the database at its old revision. Two processes opening the same old workspace
  take turns: the second finds it already at head.
- A database is never changed when its revision is one this code does not know
  (:class:`NewerSchemaError`), nor when it has tables but no revision (:class:`ForeignSchemaError`).
- Alembic is imported only when a database is not already at the code's head: opening a
  workspace that is up to date reads ``alembic_version`` with one query and compares it with
  :func:`code_head`, read from the revision files' own ``revision`` / ``down_revision`` lines
  (checked equal to Alembic's head by the tests). Importing Alembic costs about 0.5 s of the
  app's start-up (DESIGN §8: window shown within 2 s).
- On SQLite the revisions run with foreign keys off, and ``PRAGMA foreign_key_check`` must
  come back clean before the commit: batch mode rebuilds a table by copying it, and dropping the
  old copy with foreign keys on would cascade deletes into the tables that refer to it.
"""

from __future__ import annotations

import os
import re
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Connection, exc, inspect, text

if TYPE_CHECKING:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

SCRIPT_LOCATION = Path(__file__).parent
"""The Alembic script folder: this package (``env.py``, ``versions/``)."""

VERSION_TABLE = "alembic_version"

_PG_MIGRATION_LOCK = 0x4A53_4D49_4752  # pg_advisory_xact_lock key: "JSMIGR"


class MigrationRefused(Exception):
    """The database cannot be brought to the code's schema; it was left as it was."""


class NewerSchemaError(MigrationRefused):
    """The database names a revision this code does not know: a newer Journey Studio made it."""

    def __init__(self, revisions: tuple[str, ...]) -> None:
        self.revisions = revisions
        super().__init__(f"unknown schema revision {', '.join(revisions)}")


class ForeignSchemaError(MigrationRefused):
    """The database has tables but no Journey Studio schema revision."""

    def __init__(self, tables: tuple[str, ...]) -> None:
        self.tables = tables
        super().__init__(f"tables without a schema revision: {', '.join(tables)}")


class MigrationFailed(Exception):
    """A migration ran but left the database inconsistent; it was rolled back."""


_REVISION_LINE = re.compile(r'^revision(?:: str)? = "(?P<revision>[^"]+)"', re.MULTILINE)
_DOWN_LINE = re.compile(r'^down_revision(?:: [^=]+)? = "(?P<down>[^"]+)"', re.MULTILINE)


@cache
def code_head() -> str:
    """The head revision of the revision files shipped with the code, without Alembic."""
    revisions: set[str] = set()
    downs: set[str] = set()
    for path in (SCRIPT_LOCATION / "versions").glob("*.py"):
        text_of = path.read_text(encoding="utf-8")
        if found := _REVISION_LINE.search(text_of):
            revisions.add(found["revision"])
        downs.update(match["down"] for match in _DOWN_LINE.finditer(text_of))
    heads = revisions - downs
    if len(heads) != 1:  # pragma: no cover - the package always ships one line of revisions
        raise MigrationFailed(f"the schema revisions have {len(heads)} heads")
    return heads.pop()


def already_at_head(connection: Connection) -> bool:
    """True when the database records exactly the code's head (one query, no Alembic)."""
    try:
        with connection.begin():
            rows = connection.execute(text(f"SELECT version_num FROM {VERSION_TABLE}")).all()
    except exc.DBAPIError:  # no version table yet: a new or foreign database
        return False
    return [row[0] for row in rows] == [code_head()]


def alembic_config(*extra_version_locations: Path) -> Config:
    """The Alembic configuration, built in code.

    ``extra_version_locations`` adds folders of revisions (tests use it to try a revision that
    rebuilds a table); the application never passes any.
    """
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(SCRIPT_LOCATION))
    if extra_version_locations:
        locations = [SCRIPT_LOCATION / "versions", *extra_version_locations]
        config.set_main_option("path_separator", "os")
        config.set_main_option("version_locations", os.pathsep.join(map(str, locations)))
    return config


def head_revision(config: Config | None = None) -> str:
    """The revision this code's schema is at."""
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(config or alembic_config()).get_current_head()
    if head is None:  # pragma: no cover - the package always ships its revisions
        raise MigrationFailed("no schema revisions found")
    return head


def current_revisions(connection: Connection) -> tuple[str, ...]:
    """The revisions the database is at; empty for a database never migrated."""
    from alembic.migration import MigrationContext

    context = MigrationContext.configure(connection, opts={"version_table": VERSION_TABLE})
    return tuple(sorted(context.get_current_heads()))


def upgrade(connection: Connection, target: str = "head", config: Config | None = None) -> None:
    """Bring the database on ``connection`` to ``target`` (default: the code's head).

    ``connection`` must not be in a transaction: this begins and commits its own. Raises
    :class:`NewerSchemaError` or :class:`ForeignSchemaError` (nothing changed) or
    :class:`MigrationFailed` (rolled back).
    """
    if connection.in_transaction():
        raise RuntimeError("upgrade() runs its own transaction; call it outside one")
    if target == "head" and config is None and already_at_head(connection):
        return
    from alembic import command
    from alembic.script import ScriptDirectory

    config = config or alembic_config()
    script = ScriptDirectory.from_config(config)
    sqlite = connection.dialect.name == "sqlite"
    if sqlite:
        _sqlite_foreign_keys(connection, on=False)
    try:
        with connection.begin():
            if connection.dialect.name == "postgresql":
                connection.execute(
                    text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_MIGRATION_LOCK}
                )
            current = current_revisions(connection)
            _refuse_unknown(script, current)
            if not current:
                _refuse_foreign(connection)
            wanted = {found.revision for found in script.get_revisions(target) if found}
            if set(current) == wanted:
                return
            config.attributes["connection"] = connection
            try:
                command.upgrade(config, target)
            finally:
                del config.attributes["connection"]
            if sqlite:
                _check_foreign_keys(connection)
    finally:
        if sqlite:
            _sqlite_foreign_keys(connection, on=True)


def _refuse_unknown(script: ScriptDirectory, current: tuple[str, ...]) -> None:
    known = {revision.revision for revision in script.walk_revisions()}
    unknown = tuple(revision for revision in current if revision not in known)
    if unknown:
        raise NewerSchemaError(unknown)


def _refuse_foreign(connection: Connection) -> None:
    tables = tuple(sorted(inspect(connection).get_table_names()))
    if tables:
        raise ForeignSchemaError(tables)


def _sqlite_foreign_keys(connection: Connection, *, on: bool) -> None:
    # Straight on the driver connection: going through SQLAlchemy would begin a transaction,
    # and the pragma does nothing inside one.
    cursor = connection.connection.cursor()
    try:
        cursor.execute(f"PRAGMA foreign_keys={'ON' if on else 'OFF'}")
    finally:
        cursor.close()


def _check_foreign_keys(connection: Connection) -> None:
    broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
    if broken:
        tables = sorted({str(row[0]) for row in broken})
        raise MigrationFailed(
            f"the migration left {len(broken)} rows with a broken reference "
            f"(in {', '.join(tables)}); nothing was changed"
        )
