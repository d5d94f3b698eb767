"""Reading and saving the workspace's settings and delivery secrets together (the Settings page).

Settings are checked by :mod:`app.store.settings`; a save checks every changed value first
and writes them in one transaction, or writes nothing and says which fields are wrong
(:class:`SettingsRefused`). Secrets go to the user's secret store (:mod:`app.services.secrets`)
only after the settings were written; they are never read back for display, only whether
each is set and where it is kept.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from app.services.secrets import SECRET_KEYS, KeyringSecrets, SecretStore
from app.store.settings import SettingError, all_settings, find_setting, set_setting
from app.store.workspace import Workspace


class SettingsRefused(ValueError):
    """Some values were not accepted; nothing was saved."""

    def __init__(self, errors: Mapping[str, str]) -> None:
        self.errors = dict(errors)
        super().__init__("; ".join(f"{key}: {why}" for key, why in self.errors.items()))


@dataclass(frozen=True)
class SettingsSnapshot:
    """Every setting's value, and for each secret whether it is set."""

    values: dict[str, object]
    secrets_set: dict[str, bool]
    secrets_place: str
    """``keyring`` or ``file``: where secrets are kept on this computer."""
    secrets_where: str
    """The keyring's name or the file's path, for a tooltip."""


def secrets_place(store: SecretStore) -> str:
    return "keyring" if isinstance(store, KeyringSecrets) else "file"


def load_settings(workspace: Workspace, secrets: SecretStore) -> SettingsSnapshot:
    with workspace.reader() as connection:
        values = all_settings(connection)
    where = workspace.describe()
    present = {name: bool(secrets.get(where, name)) for name in SECRET_KEYS}
    return SettingsSnapshot(values, present, secrets_place(secrets), secrets.where)


def _reason(error: SettingError, key: str) -> str:
    """The setting layer's message without its ``key:`` prefix (the field shows it)."""
    return str(error).removeprefix(f"{key}: ")


def save_settings(
    workspace: Workspace,
    values: Mapping[str, object],
    secrets: SecretStore,
    new_secrets: Mapping[str, str] | None = None,
) -> None:
    """Write ``values`` (setting key → value) in one transaction and store the non-empty
    ``new_secrets``; :class:`SettingsRefused` names every refused field, and then nothing is
    written."""
    errors: dict[str, str] = {}
    for key, value in values.items():
        try:
            find_setting(key).validate(value)
        except SettingError as error:
            errors[key] = _reason(error, key)
    for name in new_secrets or {}:
        if name not in SECRET_KEYS:
            errors[name] = "not a secret this workspace keeps"
    if errors:
        raise SettingsRefused(errors)
    with workspace.writer() as connection:
        for key, value in values.items():
            set_setting(connection, key, value)
    where = workspace.describe()
    for name, secret in (new_secrets or {}).items():
        if secret:
            secrets.set(where, name, secret)
