"""Alembic migration environment of the journal (a package so wheels ship it)."""
