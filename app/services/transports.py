"""Which transport each channel uses, from the workspace's settings and the user's secrets."""

from __future__ import annotations

from collections.abc import Mapping

from app.engine.transports.base import Transport
from app.engine.transports.http import HttpSettings, HttpTransport
from app.engine.transports.outbox import OutboxTransport
from app.engine.transports.smtp import SmtpSettings, SmtpTransport
from app.services.secrets import SecretStore, default_secrets
from app.store import settings as keys
from app.store.settings import all_settings
from app.store.workspace import Workspace


class TransportNotConfigured(ValueError):
    """A channel set to a transport whose address is missing."""


def transports_for(
    workspace: Workspace, outbox: OutboxTransport, secrets: SecretStore | None = None
) -> Mapping[str, Transport]:
    secrets = secrets or default_secrets()
    where = workspace.describe()
    with workspace.reader() as connection:
        values = all_settings(connection)
    chosen: dict[str, Transport] = {"email": outbox, "sms": outbox, "push": outbox}
    if values[keys.EMAIL_TRANSPORT.key] == "smtp":
        host = str(values[keys.SMTP_HOST.key])
        if not host:
            raise TransportNotConfigured("email_transport is smtp but smtp_host is not set")
        chosen["email"] = SmtpTransport(
            SmtpSettings(
                host=host,
                port=int(str(values[keys.SMTP_PORT.key])),
                security=values[keys.SMTP_SECURITY.key],  # type: ignore[arg-type]
                username=str(values[keys.SMTP_USERNAME.key]) or None,
                password=secrets.get(where, "smtp_password"),
                per_second=float(str(values[keys.SMTP_RATE.key])),
            )
        )
    for channel, choice, url_key in (
        ("sms", keys.SMS_TRANSPORT, keys.SMS_URL),
        ("push", keys.PUSH_TRANSPORT, keys.PUSH_URL),
    ):
        if values[choice.key] != "http":
            continue
        url = str(values[url_key.key])
        if not url:
            raise TransportNotConfigured(f"{choice.key} is http but {url_key.key} is not set")
        token = secrets.get(where, f"{channel}_http_token")
        chosen[channel] = HttpTransport(HttpSettings(url=url, token=token))
    return chosen
