"""Alembic revision scripts, one per schema revision (see ``app.store.migrations``)."""
