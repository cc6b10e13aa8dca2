"""Alembic migrations for the storage schema, shipped inside the package."""
