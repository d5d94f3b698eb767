"""The SMTP transport (DESIGN §7): STARTTLS or implicit TLS, authentication, one connection
reused across messages, and a sending rate limit.

Failures are sorted the way mail servers mean them: a 5xx reply is permanent (the message
fails with the server's words); a 4xx reply, a refused or dropped connection or a timeout is
transient (the engine retries with backoff). A connection that broke is dropped and opened
again for the next message.
"""

from __future__ import annotations

import contextlib
import smtplib
import ssl
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from app.engine.transports.base import DeliveryError, Outgoing
from app.engine.transports.email_format import compose_email

Security = Literal["starttls", "tls", "none"]


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int = 587
    security: Security = "starttls"
    username: str | None = None
    password: str | None = None
    timeout: float = 30.0
    per_second: float = 0.0
    """At most this many messages a second (0: no limit)."""


class SmtpTransport:
    def __init__(
        self,
        settings: SmtpSettings,
        ssl_context: ssl.SSLContext | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.settings = settings
        self.ssl_context = ssl_context or ssl.create_default_context()
        self._sleep = sleep
        self._connection: smtplib.SMTP | None = None
        self._last_send = 0.0
        self._lock = threading.Lock()

    def send(self, message: Outgoing) -> None:
        with self._lock:
            self._wait_for_rate()
            email = compose_email(message)
            try:
                self._connected().send_message(email, to_addrs=[message.to])
            except smtplib.SMTPRecipientsRefused as error:
                code, reply = next(iter(error.recipients.values()))
                raise _reply_error(code, reply) from None
            except smtplib.SMTPResponseException as error:
                self._drop()
                raise _reply_error(error.smtp_code, error.smtp_error) from None
            except (smtplib.SMTPException, OSError) as error:
                self._drop()
                raise DeliveryError(
                    f"SMTP connection: {error}", permanent=False, outage=True
                ) from None

    def close(self) -> None:
        with self._lock:
            if self._connection is not None:
                with contextlib.suppress(smtplib.SMTPException, OSError):
                    self._connection.quit()
                self._connection = None

    def _connected(self) -> smtplib.SMTP:
        if self._connection is not None:
            try:
                if self._connection.noop()[0] == 250:
                    return self._connection
            except (smtplib.SMTPException, OSError):
                pass
            self._drop()
        settings = self.settings
        connection: smtplib.SMTP
        if settings.security == "tls":
            connection = smtplib.SMTP_SSL(
                settings.host, settings.port, timeout=settings.timeout, context=self.ssl_context
            )
        else:
            connection = smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout)
        try:
            if settings.security == "starttls":
                connection.starttls(context=self.ssl_context)
            if settings.username:
                _log_in(connection, settings.username, settings.password or "")
        except BaseException:
            connection.close()  # a refused login must not leave the connection open
            raise
        self._connection = connection
        return connection

    def _drop(self) -> None:
        if self._connection is not None:
            with contextlib.suppress(OSError):
                self._connection.close()
        self._connection = None

    def _wait_for_rate(self) -> None:
        if self.settings.per_second <= 0:
            return
        gap = 1.0 / self.settings.per_second
        wait = self._last_send + gap - time.monotonic()
        if wait > 0:
            self._sleep(wait)
        self._last_send = time.monotonic()


def _log_in(connection: smtplib.SMTP, username: str, password: str) -> None:
    """AUTH PLAIN where offered (one attempt, one clear 535 on a wrong password), else let
    smtplib pick a mechanism."""
    connection.ehlo_or_helo_if_needed()
    offered = connection.esmtp_features.get("auth", "").upper().split()
    if "PLAIN" in offered:
        connection.user, connection.password = username, password
        connection.auth("PLAIN", connection.auth_plain)
    else:
        connection.login(username, password)


def _reply_error(code: int, reply: bytes | str) -> DeliveryError:
    text = reply.decode(errors="replace") if isinstance(reply, bytes) else str(reply)
    return DeliveryError(f"SMTP {code} {text}".strip(), permanent=500 <= code < 600)
