"""Opening a workspace: one database, an SQLite file or a SQLAlchemy URL (DESIGN §2).

A :class:`Workspace` owns the engine. ``writer()`` is the one way to write: on SQLite it is a
single connection per process whose transactions start with ``BEGIN IMMEDIATE`` (so two
writers queue on the busy timeout instead of failing half-way); ``reader()`` gives a
connection for queries.

(First slice: the schema is created with ``create_all``; Alembic migrations replace it.)
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from app.store.schema import metadata

BUSY_TIMEOUT_MS = 30_000


def database_url(path_or_url: str) -> str:
    """A SQLAlchemy URL for ``--db``: a URL stays as it is, anything else is an SQLite path."""
    if "://" in path_or_url:
        return path_or_url
    return f"sqlite:///{Path(path_or_url).expanduser().resolve()}"


@dataclass
class Workspace:
    url: str
    engine: Engine
    _write_lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    @contextmanager
    def writer(self) -> Iterator[Connection]:
        """A connection inside a write transaction; commits on success, rolls back on error.

        On SQLite the transaction starts with ``BEGIN IMMEDIATE`` and writers of this process
        take turns, so a write never fails half-way on a lock.
        """
        with self._write_lock, self.engine.connect() as connection:
            connection = connection.execution_options(begin_immediate=True)
            with connection.begin():
                yield connection

    @contextmanager
    def reader(self) -> Iterator[Connection]:
        with self.engine.connect() as connection:
            yield connection

    def close(self) -> None:
        self.engine.dispose()


def open_workspace(path_or_url: str) -> Workspace:
    """Open (creating if needed) the workspace at ``path_or_url``."""
    url = database_url(path_or_url)
    if make_url(url).get_backend_name() == "sqlite":
        engine = create_engine(url, poolclass=NullPool)
        _configure_sqlite(engine)
    else:
        engine = create_engine(url, pool_pre_ping=True)
    metadata.create_all(engine)
    return Workspace(url, engine)


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_connection: object, _record: object) -> None:
        dbapi_connection.isolation_level = None  # type: ignore[attr-defined]
        cursor = dbapi_connection.cursor()  # type: ignore[attr-defined]
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(connection: Connection) -> None:
        # pysqlite's own transaction handling is off (isolation_level None); begin here.
        immediate = connection.get_execution_options().get("begin_immediate", False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")
