"""Opening a workspace: one database, an SQLite file or a SQLAlchemy URL (DESIGN §2).

Owns what ``--db`` means (a path, a URL, or ``None`` for the default workspace file in the user
data folder), the connections to the database and their settings, and bringing the schema to
the code's revision when a workspace opens (:mod:`app.store.migrations`).

Invariants:
- :func:`open_workspace` hands out only a workspace at the code's schema head. A workspace
  made by a newer Journey Studio, a file that is not an SQLite database, or a database with
  tables of something else is refused with :class:`WorkspaceError` and left unchanged.
- Writes go through :meth:`Workspace.writer`: each block is one transaction, committed when it
  ends and rolled back when it raises. The process keeps ONE writer connection (an engine with
  a pool of one), used by one thread at a time under a lock; on SQLite its transactions begin
  with ``BEGIN IMMEDIATE``, so a writer waits for another process's write (busy timeout)
  instead of failing half-way. ``writer()`` is not re-entrant: opening it again in the same
  thread raises rather than deadlocks (pass the connection down instead).
- :meth:`Workspace.reader` gives a connection of its own from a separate pool, read-only: on
  SQLite ``query_only``, on PostgreSQL a read-only transaction. A write through it fails.
- Every SQLite connection runs with WAL, ``synchronous=NORMAL``, a busy timeout and foreign
  keys on; the writer keeps its temporary tables (the engine's batches) in memory. A new file
  gets pages of :data:`PAGE_SIZE` bytes; an existing one keeps the size it was made with.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, Self

import platformdirs
from sqlalchemy import Connection, Engine, create_engine, event, exc
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import make_url

from app.store import migrations

if TYPE_CHECKING:
    from alembic.config import Config

BUSY_TIMEOUT_MS = 30_000
"""How long an SQLite connection waits for another process's lock before it gives up."""

PAGE_SIZE = 16_384
"""Bytes per page of a new SQLite workspace (SQLite's default is 4,096). The engine writes
millions of rows through a handful of indexes, and bigger pages mean fewer page splits and
fewer page headers to write: bench/engine.py at 1,000,000 contacts took 51.1 s against 57.2 s
with 4,096-byte pages (200,000: 10.7-11.8 s against 11.4-12.9 s over three alternating
pairs). A file that has content keeps its size: SQLite cannot change it in WAL mode."""

DEFAULT_WORKSPACE_NAME = "workspace.db"

_SQLITE_HEADER = b"SQLite format 3\x00"


class WorkspaceError(Exception):
    """A workspace cannot be opened; the message says why in the user's words."""


def default_workspace_path() -> Path:
    """The default workspace file: ``workspace.db`` in the user data folder (platformdirs)."""
    folder = platformdirs.user_data_dir("journey-studio", "Journey Studio")
    return Path(folder) / DEFAULT_WORKSPACE_NAME


def database_url(path_or_url: str | None) -> str:
    """A SQLAlchemy URL for ``--db``: a URL (it has ``://``) stays as it is, anything else is
    an SQLite file path, and ``None`` is the default workspace file."""
    if path_or_url is None:
        return f"sqlite:///{default_workspace_path()}"
    if "://" in path_or_url:
        return path_or_url
    return f"sqlite:///{Path(path_or_url).expanduser().resolve()}"


def upsert(connection: Connection) -> Any:
    """The ``insert`` of the connection's dialect, whose statements take
    ``on_conflict_do_update`` (SQLite and PostgreSQL spell it the same way)."""
    return postgresql.insert if connection.dialect.name == "postgresql" else sqlite.insert


class Workspace:
    """An open workspace: the reader pool, the one writer connection, and where they point."""

    def __init__(self, url: str, engine: Engine, writer_engine: Engine) -> None:
        self.url = url
        """The SQLAlchemy URL, password included (show :meth:`describe` to people)."""
        self.engine = engine
        """The readers' engine (read-only connections). Write with :meth:`writer`."""
        self._writer_engine = writer_engine
        self._write_lock = threading.Lock()
        self._writer_thread: int | None = None

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    @property
    def dialect(self) -> str:
        """``"sqlite"`` or ``"postgresql"`` (for the few statements that differ)."""
        return self.engine.dialect.name

    def describe(self) -> str:
        """Where the workspace is, for people: the file path, or the URL without its password."""
        return describe_location(self.url)

    def migrate(self, revision: str = "head", config: Config | None = None) -> None:
        """Bring the schema to ``revision`` (:func:`open_workspace` already did, to head).

        ``config`` replaces the Alembic configuration (tests use it to add revisions).
        Raises :class:`WorkspaceError`; a refused or failed migration changes nothing.
        """
        where = self.describe()
        try:
            with self._writer_connection() as connection:
                migrations.upgrade(connection, revision, config)
        except migrations.NewerSchemaError as error:
            raise WorkspaceError(
                f"{where}: this workspace was made by a newer Journey Studio (schema revision "
                f"{', '.join(error.revisions)}); update Journey Studio to open it"
            ) from None
        except migrations.ForeignSchemaError as error:
            shown = ", ".join(error.tables[:5]) + (", …" if len(error.tables) > 5 else "")
            raise WorkspaceError(
                f"{where}: not a Journey Studio workspace: the database has other tables "
                f"({shown}) and no Journey Studio schema revision"
            ) from None
        except migrations.MigrationFailed as error:
            raise WorkspaceError(f"{where}: the schema could not be updated: {error}") from None
        except exc.DBAPIError as error:
            raise WorkspaceError(f"{where}: cannot open the workspace: {error.orig}") from None

    @contextmanager
    def writer(self) -> Iterator[Connection]:
        """The writer connection inside a transaction: committed when the block ends, rolled
        back when it raises. Writers of this process take turns."""
        with self._writer_connection() as connection, connection.begin():
            yield connection

    @contextmanager
    def reader(self) -> Iterator[Connection]:
        """A read-only connection of its own; its queries share one snapshot until it ends."""
        with self.engine.connect() as connection:
            yield connection

    @contextmanager
    def _writer_connection(self) -> Iterator[Connection]:
        """The one writer connection, outside a transaction, held by this thread alone."""
        me = threading.get_ident()
        if self._writer_thread == me:
            raise RuntimeError(
                "writer() is already open in this thread; pass its connection down instead"
            )
        with self._write_lock:
            self._writer_thread = me
            try:
                with self._writer_engine.connect() as connection:
                    yield connection
            finally:
                self._writer_thread = None

    def _use_wal(self) -> None:
        # WAL is kept in the file, so it is set once, after the schema check has accepted the
        # file (switching an unknown file to WAL would change it), and outside a transaction.
        with self._writer_connection() as connection:
            cursor = connection.connection.cursor()
            try:
                cursor.execute("PRAGMA journal_mode=WAL")
            finally:
                cursor.close()

    def close(self) -> None:
        self.engine.dispose()
        self._writer_engine.dispose()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Workspace({self.describe()!r})"


def open_workspace(path_or_url: str | None = None, *, revision: str = "head") -> Workspace:
    """Open the workspace at ``path_or_url`` (``None``: the default workspace), creating it if
    needed, and migrate its schema to the code's head.

    ``revision`` stops the migration at an older revision; only tests and tools need it.
    Raises :class:`WorkspaceError` when the workspace cannot be opened.
    """
    url = database_url(path_or_url)
    if path_or_url is None:
        default_workspace_path().parent.mkdir(parents=True, exist_ok=True)
    where = describe_location(url)
    engine, writer_engine = _create_engines(url, where)
    workspace = Workspace(url, engine, writer_engine)
    try:
        workspace.migrate(revision)
        if workspace.is_sqlite:
            workspace._use_wal()
    except BaseException:
        workspace.close()
        raise
    return workspace


WRITER_OPTIONS = {"preserve_rowcount": True}
"""The engine counts what its ``INSERT … SELECT`` statements wrote (``rowcount``). SQLAlchemy
keeps that figure only for UPDATE and DELETE unless asked; psycopg then reports -1, which read
as "some rows" and made the engine carry an empty batch forever on PostgreSQL."""


def _create_engines(url: str, where: str) -> tuple[Engine, Engine]:
    try:
        parsed = make_url(url)
        if parsed.get_backend_name() == "sqlite":
            path = _sqlite_path(parsed.database, where)
            _check_sqlite_file(path)
            engine = create_engine(url)
            writer_engine = create_engine(
                url, pool_size=1, max_overflow=0, execution_options=WRITER_OPTIONS
            )
            _configure_sqlite(engine, writer=False)
            _configure_sqlite(writer_engine, writer=True)
        else:
            engine = create_engine(
                url, pool_pre_ping=True, execution_options={"postgresql_readonly": True}
            )
            writer_engine = create_engine(
                url,
                pool_pre_ping=True,
                pool_size=1,
                max_overflow=0,
                execution_options=WRITER_OPTIONS,
            )
    except exc.NoSuchModuleError as error:
        raise WorkspaceError(
            f"{where}: not a database URL Journey Studio knows ({error})"
        ) from None
    except (exc.ArgumentError, ValueError) as error:
        raise WorkspaceError(f"{where}: not a valid database URL ({error})") from None
    except ModuleNotFoundError as error:
        hint = " (pip install 'journey-studio[postgres]')" if "psycopg" in str(error) else ""
        raise WorkspaceError(f"{where}: the database driver is missing: {error}{hint}") from None
    return engine, writer_engine


def describe_location(path_or_url: str | None) -> str:
    """Where ``--db`` points, for people: the SQLite file path, or the URL without its password."""
    url = database_url(path_or_url)
    try:
        parsed = make_url(url)
    except (exc.ArgumentError, ValueError):
        return "(an unreadable database URL)"
    if parsed.get_backend_name() == "sqlite" and parsed.database:
        return parsed.database
    return parsed.render_as_string(hide_password=True)


def _sqlite_path(database: str | None, where: str) -> Path:
    if not database or database == ":memory:" or database.startswith("file:"):
        raise WorkspaceError(
            f"{where}: a workspace is an SQLite file; give its path (in-memory databases "
            "and URI file names are not supported)"
        )
    return Path(database)


def _check_sqlite_file(path: Path) -> None:
    if path.is_dir():
        raise WorkspaceError(f"{path}: a folder, not a workspace file")
    if not path.parent.is_dir():
        raise WorkspaceError(f"{path}: cannot create the workspace: no folder {path.parent}")
    if not path.exists():
        return
    try:
        with path.open("rb") as file:
            header = file.read(len(_SQLITE_HEADER))
    except OSError as error:
        raise WorkspaceError(f"{path}: cannot read the workspace: {error.strerror}") from None
    if header and header != _SQLITE_HEADER:
        raise WorkspaceError(
            f"{path}: not a Journey Studio workspace: the file is not an SQLite database"
        )


def _configure_sqlite(engine: Engine, *, writer: bool) -> None:
    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_connection: Any, _record: object) -> None:
        # Take transactions out of the driver's hands: they begin in _begin below.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        if writer:
            cursor.execute(f"PRAGMA page_size={PAGE_SIZE}")  # no-op unless the file is empty
            cursor.execute("PRAGMA temp_store=MEMORY")
        else:
            cursor.execute("PRAGMA query_only=ON")
        cursor.close()

    begin = "BEGIN IMMEDIATE" if writer else "BEGIN"

    @event.listens_for(engine, "begin")
    def _begin(connection: Connection) -> None:
        connection.exec_driver_sql(begin)
