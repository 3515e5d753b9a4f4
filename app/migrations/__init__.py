"""Alembic migrations: see `app.migrate`."""
