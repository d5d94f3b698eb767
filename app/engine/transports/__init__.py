"""Transports hand rendered messages to the world: one per channel (DESIGN §7).

A transport receives a :class:`~app.engine.transports.base.Outgoing` message whose ``id`` is the
idempotency key: handing the same id over twice must not deliver twice (the outbox overwrites
its file; SMTP sets the Message-ID; HTTP sends an Idempotency-Key header).
"""
