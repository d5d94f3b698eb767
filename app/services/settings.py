"""Reading and saving the workspace's settings and delivery secrets together (the Settings page).

Settings are checked by :mod:`app.store.settings`; a save checks every changed value first
and writes them in one transaction, or writes nothing and says which fields are wrong
(:class:`SettingsRefused`). Secrets go to the user's secret store (:mod:`app.services.secrets`)
only after the settings were written; they are never read back for display, only whether
each is set and where it is kept. A test email goes through the transport the saved settings
choose, as the engine would send it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from secrets import token_hex

from app.engine.transports.base import DeliveryError, Outgoing
from app.engine.transports.outbox import OutboxTransport
from app.engine.transports.smtp import SmtpTransport
from app.services.runtime import outbox_folder
from app.services.secrets import SECRET_KEYS, KeyringSecrets, SecretStore
from app.services.transports import TransportNotConfigured, transports_for
from app.store.settings import SettingError, all_settings, find_setting, set_setting
from app.store.workspace import Workspace

TEST_TEXT = "This is a test email from Journey Studio: your email settings work."
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


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


class TestEmailFailed(RuntimeError):
    """The test email could not be handed over (the reason is the transport's)."""

    __test__ = False  # not a pytest test class


def send_test_email(workspace: Workspace, to: str, secrets: SecretStore) -> str:
    """Send a short email to ``to`` through the email transport the saved settings choose,
    from that same address (a server relays mail from its own user). Returns where it went;
    :class:`TestEmailFailed` says why it could not be sent."""
    address = to.strip()
    if not _EMAIL.fullmatch(address):
        raise TestEmailFailed(f"“{to}” is not an email address")
    folder = outbox_folder(workspace)
    try:
        transport = transports_for(workspace, OutboxTransport(folder), secrets)["email"]
    except TransportNotConfigured as error:
        raise TestEmailFailed(str(error)) from None
    message = Outgoing(
        id=f"test-{token_hex(6)}",
        channel="email",
        to=address,
        subject="Journey Studio test email",
        body_text=TEST_TEXT,
        body_html=f"<p>{TEST_TEXT}</p>",
        from_name="Journey Studio",
        from_email=address,
    )
    try:
        transport.send(message)
    except DeliveryError as error:
        raise TestEmailFailed(error.reason) from None
    finally:
        if isinstance(transport, SmtpTransport):
            transport.close()
    if isinstance(transport, SmtpTransport):
        return f"sent through {transport.settings.host}:{transport.settings.port}"
    return f"written to the outbox folder {folder}"
