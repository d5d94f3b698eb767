"""User secrets (DESIGN §7): transport passwords and API tokens.

They live in the system keyring when one is available, else in a JSON file in the user's
config folder that only the user can read (mode 0600). Never in the workspace database, a
journey file or a log line. Each secret belongs to one workspace (keyed by where it is).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Protocol

import platformdirs

SECRET_KEYS = ("smtp_password", "sms_http_token", "push_http_token")
SERVICE = "journey-studio"


class SecretStore(Protocol):
    def get(self, workspace: str, name: str) -> str | None: ...
    def set(self, workspace: str, name: str, value: str) -> None: ...
    @property
    def where(self) -> str: ...


class FileSecrets:
    """A JSON file readable by its owner only."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path or Path(platformdirs.user_config_dir(SERVICE)) / "secrets.json"

    @property
    def where(self) -> str:
        return str(self.path)

    def _load(self) -> dict[str, dict[str, str]]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        return data if isinstance(data, dict) else {}

    def get(self, workspace: str, name: str) -> str | None:
        return self._load().get(workspace, {}).get(name)

    def set(self, workspace: str, name: str, value: str) -> None:
        data = self._load()
        data.setdefault(workspace, {})[name] = value
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        temporary = self.path.with_suffix(".tmp")
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w", encoding="utf-8") as file:
            json.dump(data, file, indent=2)
        os.chmod(temporary, 0o600)
        os.replace(temporary, self.path)


class KeyringSecrets:
    """The system keyring (Secret Service, macOS Keychain, Windows Credential Locker)."""

    @property
    def where(self) -> str:
        return "the system keyring"

    def get(self, workspace: str, name: str) -> str | None:
        import keyring

        value = keyring.get_password(SERVICE, f"{workspace}:{name}")
        return None if value is None else str(value)

    def set(self, workspace: str, name: str, value: str) -> None:
        import keyring

        keyring.set_password(SERVICE, f"{workspace}:{name}", value)


def default_secrets() -> SecretStore:
    """The keyring when it has a usable backend, else the private file."""
    try:
        import keyring
        from keyring.backends import fail, null

        backend = keyring.get_keyring()
        if not isinstance(backend, fail.Keyring | null.Keyring) and backend.priority > 0:
            return KeyringSecrets()
    except Exception:
        pass
    return FileSecrets()
