"""Alembic environment: runs on the engine handed over in `config.attributes`."""

from __future__ import annotations

from alembic import context

from terminal.journal.schema import metadata

engine = context.config.attributes["engine"]

with engine.connect() as connection:
    begin = getattr(engine, "info_begin", None)
    if begin:  # SQLite: one real, write-locked transaction around the whole upgrade
        connection.exec_driver_sql(begin)
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()
    connection.commit()
