"""Opening workspaces and the connections they give: where ``--db`` points, the SQLite settings,
one writer per process, all-or-nothing writes, and waiting for another process's write."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import textwrap
import threading
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Connection, func, select
from sqlalchemy.exc import DBAPIError

from app.store.schema import contacts
from app.store.workspace import (
    BUSY_TIMEOUT_MS,
    PAGE_SIZE,
    Workspace,
    WorkspaceError,
    database_url,
    default_workspace_path,
    describe_location,
    open_workspace,
)
from tests.store import pg

workspace_location = pg.workspace_location  # each test on SQLite, and PostgreSQL when set

NOW = datetime(2026, 1, 31, 9, 0, tzinfo=UTC)


def add_contact(connection: Connection, email: str) -> None:
    connection.execute(
        contacts.insert().values(email=email, created_at=NOW, updated_at=NOW, attributes={})
    )


def count_contacts(workspace: Workspace) -> int:
    with workspace.reader() as connection:
        return int(connection.execute(select(func.count()).select_from(contacts)).scalar_one())


def pragma(connection: Connection, name: str) -> object:
    return connection.exec_driver_sql(f"PRAGMA {name}").scalar()


# -- where --db points ---------------------------------------------------------------------


def test_a_path_is_an_sqlite_file_and_a_url_stays_a_url(tmp_path: Path) -> None:
    assert database_url(str(tmp_path / "w.db")) == f"sqlite:///{tmp_path / 'w.db'}"
    url = "postgresql+psycopg://ann:secret@db.example.com/journeys"
    assert database_url(url) == url
    assert describe_location(url) == "postgresql+psycopg://ann:***@db.example.com/journeys"
    assert describe_location(str(tmp_path / "w.db")) == str(tmp_path / "w.db")


def test_a_relative_path_is_taken_from_the_current_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    with open_workspace("here.db") as workspace:
        assert workspace.describe() == str(tmp_path / "here.db")
    assert (tmp_path / "here.db").is_file()


def test_no_path_opens_the_default_workspace_in_the_user_data_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    expected = tmp_path / "data" / "journey-studio" / "workspace.db"
    assert default_workspace_path() == expected
    assert database_url(None) == f"sqlite:///{expected}"

    with open_workspace(None) as workspace:
        assert workspace.describe() == str(expected)
        assert workspace.url == f"sqlite:///{expected}"
    assert expected.is_file()


def test_describe_hides_the_password(workspace_location: str) -> None:
    with open_workspace(workspace_location) as workspace:
        described = workspace.describe()
    if workspace.is_sqlite:
        assert described == workspace_location
    else:
        password = workspace.engine.url.password
        assert password
        assert f":{password}@" not in described
        assert ":***@" in described


@pytest.mark.parametrize(
    ("location", "message"),
    [
        ("sqlite://", "give its path"),
        ("sqlite:///:memory:", "give its path"),
        ("nosuchdb://somewhere/x", "not a database URL Journey Studio knows"),
        ("postgresql://u:secret@host:port/db", "not a valid database URL"),
        ("x y://a", "not a valid database URL"),
    ],
)
def test_locations_that_cannot_be_a_workspace_are_refused(location: str, message: str) -> None:
    with pytest.raises(WorkspaceError, match=message):
        open_workspace(location)


def test_a_folder_or_a_missing_folder_is_refused(tmp_path: Path) -> None:
    with pytest.raises(WorkspaceError, match="a folder, not a workspace file"):
        open_workspace(str(tmp_path))
    with pytest.raises(WorkspaceError, match="no folder"):
        open_workspace(str(tmp_path / "missing" / "w.db"))
    assert list(tmp_path.iterdir()) == []


def test_an_unreachable_database_server_gives_a_clear_error() -> None:
    pytest.importorskip("psycopg")
    with pytest.raises(
        WorkspaceError, match=r"u:\*\*\*@127\.0\.0\.1:1/x.*: cannot open the workspace"
    ):
        open_workspace("postgresql+psycopg://u:secret@127.0.0.1:1/x?connect_timeout=2")


# -- SQLite settings -------------------------------------------------------------------------


def test_sqlite_connections_use_wal_normal_sync_busy_timeout_and_foreign_keys(
    tmp_path: Path,
) -> None:
    with open_workspace(str(tmp_path / "w.db")) as workspace:
        for opened in (workspace.writer, workspace.reader):
            with opened() as connection:
                assert pragma(connection, "journal_mode") == "wal"
                assert pragma(connection, "synchronous") == 1  # NORMAL
                assert pragma(connection, "busy_timeout") == BUSY_TIMEOUT_MS
                assert pragma(connection, "foreign_keys") == 1
        with workspace.reader() as connection:
            assert pragma(connection, "query_only") == 1


def test_a_new_workspace_has_big_pages_and_an_old_one_keeps_its_own(tmp_path: Path) -> None:
    path = tmp_path / "w.db"
    with open_workspace(str(path)) as workspace:
        with workspace.reader() as connection:
            assert pragma(connection, "page_size") == PAGE_SIZE == 16_384
        with workspace.writer() as connection:
            connection.execute(
                contacts.insert().values(email="ada@example.com", created_at=NOW, updated_at=NOW)
            )
    # Made before, with SQLite's default pages: rebuilt outside WAL, the only way to change it.
    made_before = sqlite3.connect(path, isolation_level=None)
    made_before.execute("PRAGMA journal_mode=DELETE")
    made_before.execute("PRAGMA page_size=4096")
    made_before.execute("VACUUM")
    made_before.close()
    with open_workspace(str(path)) as workspace:
        with workspace.writer() as connection:
            connection.execute(
                contacts.insert().values(email="bo@example.com", created_at=NOW, updated_at=NOW)
            )
        with workspace.reader() as connection:
            assert pragma(connection, "page_size") == 4096
            assert pragma(connection, "journal_mode") == "wal"
            assert connection.execute(select(func.count()).select_from(contacts)).scalar() == 2


def test_writes_start_with_begin_immediate(tmp_path: Path) -> None:
    # BEGIN IMMEDIATE takes the write lock at once: a second connection cannot start writing.

    path = tmp_path / "w.db"
    with open_workspace(str(path)) as workspace, workspace.writer():
        other = sqlite3.connect(path, timeout=0, isolation_level=None)
        try:
            with pytest.raises(sqlite3.OperationalError, match="locked"):
                other.execute("BEGIN IMMEDIATE")
        finally:
            other.close()


# -- writer and readers ----------------------------------------------------------------------


def test_the_process_keeps_one_writer_connection(workspace_location: str) -> None:
    seen: set[int] = set()

    def note() -> None:
        with workspace.writer() as connection:
            seen.add(id(connection.connection.dbapi_connection))

    with open_workspace(workspace_location) as workspace:
        note()
        thread = threading.Thread(target=note)
        thread.start()
        thread.join()
        note()
        with workspace.reader() as connection:
            reader_connection = id(connection.connection.dbapi_connection)
    assert len(seen) == 1
    assert reader_connection not in seen


def test_two_threads_writing_at_once_both_succeed(workspace_location: str) -> None:
    start = threading.Barrier(2)
    failures: list[BaseException] = []

    def write(name: str) -> None:
        start.wait()
        try:
            for n in range(25):
                with workspace.writer() as connection:
                    add_contact(connection, f"{name}{n}@example.com")
        except BaseException as error:
            failures.append(error)

    with open_workspace(workspace_location) as workspace:
        threads = [threading.Thread(target=write, args=(name,)) for name in ("ann", "bob")]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert failures == []
        assert count_contacts(workspace) == 50


def test_a_write_that_raises_leaves_nothing_behind(workspace_location: str) -> None:
    with open_workspace(workspace_location) as workspace:
        with pytest.raises(RuntimeError, match="half-way"), workspace.writer() as connection:
            add_contact(connection, "ada@example.com")
            raise RuntimeError("stopped half-way")
        assert count_contacts(workspace) == 0

        with workspace.writer() as connection:  # the writer is free again
            add_contact(connection, "ada@example.com")
        assert count_contacts(workspace) == 1


def test_opening_the_writer_again_in_the_same_thread_raises_instead_of_hanging(
    workspace_location: str,
) -> None:
    with open_workspace(workspace_location) as workspace:
        with (
            workspace.writer(),
            pytest.raises(RuntimeError, match="already open"),
            workspace.writer(),
        ):
            pass
        with workspace.writer() as connection:
            add_contact(connection, "ada@example.com")
        assert count_contacts(workspace) == 1


def test_a_reader_cannot_write(workspace_location: str) -> None:
    with open_workspace(workspace_location) as workspace:
        with pytest.raises(DBAPIError, match=r"(?i)read.?only"), workspace.reader() as connection:
            add_contact(connection, "ada@example.com")
        assert count_contacts(workspace) == 0


def test_a_reader_sees_one_snapshot_until_it_ends(workspace_location: str) -> None:
    with open_workspace(workspace_location) as workspace:
        with workspace.reader() as connection:
            assert connection.execute(select(func.count()).select_from(contacts)).scalar() == 0
            with workspace.writer() as writing:
                add_contact(writing, "ada@example.com")
            if workspace.is_sqlite:  # PostgreSQL's default isolation sees each commit
                assert connection.execute(select(func.count()).select_from(contacts)).scalar() == 0
        assert count_contacts(workspace) == 1


HOLD_THE_WRITE_LOCK = """
    import sqlite3, sys, time
    db = sqlite3.connect(sys.argv[1], isolation_level=None)
    db.execute("BEGIN IMMEDIATE")
    db.execute(
        "INSERT INTO contacts (email, kind, created_at, updated_at, attributes)"
        " VALUES ('other@example.com', 'contact', '2026-01-31 09:00:00',"
        " '2026-01-31 09:00:00', '{}')"
    )
    print("locked", flush=True)
    time.sleep(1.0)
    db.execute("COMMIT")
"""


def test_a_write_waits_for_another_process_holding_the_write_lock(tmp_path: Path) -> None:
    path = tmp_path / "w.db"
    with (
        open_workspace(str(path)) as workspace,
        subprocess.Popen(
            [sys.executable, "-c", textwrap.dedent(HOLD_THE_WRITE_LOCK), str(path)],
            stdout=subprocess.PIPE,
            text=True,
        ) as other,
    ):
        assert other.stdout is not None
        assert other.stdout.readline().strip() == "locked"
        with workspace.writer() as connection:
            # Our transaction began only after the other process committed: its row is here.
            seen = connection.execute(select(contacts.c.email)).scalars().all()
            add_contact(connection, "ours@example.com")
        assert other.wait(timeout=30) == 0
    assert seen == ["other@example.com"]
    with open_workspace(str(path)) as workspace:
        assert count_contacts(workspace) == 2
