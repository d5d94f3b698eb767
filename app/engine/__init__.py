"""The journey runtime: tick, node executors, transports, scheduler wiring. No Qt."""
