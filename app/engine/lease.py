"""One engine per workspace (DESIGN §5): a lease row with a heartbeat.

An engine holds the lease while it renews it before it expires; a second engine (the app's or a
headless one) finds it held, waits and says so, and takes over once it has expired. The lease
runs on wall-clock time even in a simulated run: it is about which process is alive.
"""

from __future__ import annotations

import os
import socket
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Connection, delete, insert, select, update

from app.store.schema import engine_lease

LEASE_TTL = timedelta(seconds=float(os.environ.get("JOURNEY_STUDIO_LEASE_SECONDS", "30")))
"""How long a lease lasts without a heartbeat; ``JOURNEY_STUDIO_LEASE_SECONDS`` shortens it
(crash tests restart a killed engine without waiting half a minute)."""


def holder_name() -> str:
    """Who this engine is, for people: host, process and a random suffix."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


@dataclass(frozen=True)
class LeaseHolder:
    holder: str
    expires_at: datetime


def try_acquire(
    connection: Connection, holder: str, now: datetime, ttl: timedelta = LEASE_TTL
) -> LeaseHolder | None:
    """Take or renew the lease; None when we hold it, else who does (and until when)."""
    row = connection.execute(
        select(engine_lease.c.holder, engine_lease.c.expires_at).where(engine_lease.c.id == 1)
    ).one_or_none()
    values = {"holder": holder, "heartbeat_at": now, "expires_at": now + ttl}
    if row is None:
        connection.execute(insert(engine_lease).values(id=1, **values))
        return None
    if row.holder == holder or row.expires_at <= now:
        connection.execute(update(engine_lease).where(engine_lease.c.id == 1).values(**values))
        return None
    return LeaseHolder(row.holder, row.expires_at)


def release(connection: Connection, holder: str) -> None:
    connection.execute(
        delete(engine_lease).where(engine_lease.c.id == 1, engine_lease.c.holder == holder)
    )
