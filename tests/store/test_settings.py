"""Workspace settings: defaults until set, values checked and kept as JSON, unknown keys refused."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.store.schema import workspace_settings
from app.store.settings import (
    DEFAULT_SETTINGS,
    SEGMENT_REFRESH,
    SettingError,
    all_settings,
    get_setting,
    set_setting,
)
from app.store.workspace import Workspace
from tests.store import pg

workspace_location = pg.workspace_location  # each test on SQLite, and PostgreSQL when set
workspace = pg.workspace


def stored(workspace: Workspace) -> dict[str, object]:
    with workspace.reader() as connection:
        return {row.key: row.value for row in connection.execute(select(workspace_settings))}


def test_segment_refresh_is_60_seconds_until_set(workspace: Workspace) -> None:
    assert DEFAULT_SETTINGS["segment_refresh"] == 60
    with workspace.reader() as connection:
        assert get_setting(connection, SEGMENT_REFRESH) == 60
        assert get_setting(connection, "segment_refresh") == 60
        assert all_settings(connection) == DEFAULT_SETTINGS
    assert stored(workspace) == {}


def test_a_setting_set_is_read_back_and_stored_as_json(workspace: Workspace) -> None:
    with workspace.writer() as connection:
        set_setting(connection, SEGMENT_REFRESH, 300)
    with workspace.writer() as connection:  # setting again replaces the value
        set_setting(connection, "segment_refresh", 900)
    with workspace.reader() as connection:
        assert get_setting(connection, SEGMENT_REFRESH) == 900
    assert stored(workspace) == {"segment_refresh": 900}


@pytest.mark.parametrize("value", [0, -5, 1.5, "60", True, None, [60]])
def test_a_value_the_setting_does_not_accept_is_refused_and_not_stored(
    workspace: Workspace, value: object
) -> None:
    with (
        pytest.raises(SettingError, match="segment_refresh: expected a whole number of seconds"),
        workspace.writer() as connection,
    ):
        set_setting(connection, SEGMENT_REFRESH, value)
    assert stored(workspace) == {}


def test_unknown_keys_are_refused(workspace: Workspace) -> None:
    with (
        pytest.raises(
            SettingError, match=r"unknown workspace setting 'colour' \(known: .*segment_refresh"
        ),
        workspace.writer() as connection,
    ):
        set_setting(connection, "colour", "blue")
    with (
        pytest.raises(SettingError, match="unknown workspace setting"),
        workspace.reader() as connection,
    ):
        get_setting(connection, "colour")
    assert stored(workspace) == {}


def test_a_stored_value_that_no_longer_passes_is_reported(workspace: Workspace) -> None:
    with workspace.writer() as connection:
        connection.execute(workspace_settings.insert().values(key="segment_refresh", value="soon"))
    with (
        pytest.raises(SettingError, match=r"segment_refresh: .* not 'soon'"),
        workspace.reader() as connection,
    ):
        get_setting(connection, SEGMENT_REFRESH)
