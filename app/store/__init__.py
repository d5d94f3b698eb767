"""Workspace store: SQLAlchemy schema, repositories, segment compiler, migrations."""
