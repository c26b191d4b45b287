"""Schema migrations: an older journal is upgraded in place at start-up, data kept."""

from __future__ import annotations

import sqlite3

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

from terminal.journal import SqlJournal
from terminal.journal.engine import make_engine
from terminal.journal.migrate import current_revision, head_revision, upgrade
from terminal.journal.schema import metadata


def test_upgrade_from_the_initial_revision_keeps_data(journal_url):
    """On SQLite and on PostgreSQL: every revision runs, the data comes through."""
    url = journal_url
    engine = make_engine(url)
    upgrade(engine, "0001")
    assert current_revision(engine) == "0001"
    assert "cost" not in {c["name"] for c in inspect(engine).get_columns("orders")}
    with engine.begin() as conn:
        conn.exec_driver_sql(
            "INSERT INTO orders (client_order_id, venue, mode, account, symbol, side, type, "
            "time_in_force, post_only, external, amount, price, status, venue_order_id, filled, "
            "average_price, fees, reason, created_ms, updated_ms) VALUES ('old1', 'paper', "
            "'paper', 'default', 'BTC/USDT', 'buy', 'limit', 'GTC', FALSE, FALSE, '0.5', "
            "'20000.5', "
            "'partially_filled', '9', '0.2', '20000.5', '{}', '', 1, 2)"
        )
    engine.dispose()

    journal = SqlJournal.open(url)  # start-up migrates to head
    try:
        assert current_revision(journal._engine) == head_revision() == "0007"
        import asyncio

        order = asyncio.run(journal.get_order("old1"))
        assert str(order.cost) == "4000.10" and str(order.average_price) == "20000.5"
        # 0003: an order journaled before conditional orders is a plain order
        assert order.trigger_price is None and order.list_id is None
        assert order.held_by is None and order.triggered is False
        # 0007: an order journaled before the perpetual flags is neither reduce-only nor
        # close-position
        assert order.reduce_only is False and order.close_position is False
        assert order.status.value == "partially_filled" and str(order.amount) == "0.5"
        indexes = {i["name"] for i in inspect(journal._engine).get_indexes("orders")}
        assert "ix_orders_venue_status" in indexes
    finally:
        journal.close()


def test_head_schema_matches_the_table_definitions(journal_url):
    engine = make_engine(journal_url)
    upgrade(engine)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), metadata)
    engine.dispose()
    assert diff == []


def test_migrations_ship_as_packages():
    from importlib.resources import files

    root = files("terminal.journal") / "migrations"
    assert (root / "__init__.py").is_file() and (root / "env.py").is_file()
    assert (root / "versions" / "__init__.py").is_file()
    assert (root / "script.py.mako").is_file()


def test_fresh_database_is_wal(tmp_path):
    j = SqlJournal.open(f"sqlite:///{tmp_path / 'j.sqlite'}")
    j.close()
    mode = sqlite3.connect(tmp_path / "j.sqlite").execute("PRAGMA journal_mode").fetchone()[0]
    assert mode == "wal"


def test_upgrade_from_0002_keeps_orders_and_adds_the_links(tmp_path):
    url = f"sqlite:///{tmp_path / 'v2.sqlite'}"
    engine = make_engine(url)
    upgrade(engine, "0002")
    with engine.begin() as conn:
        conn.exec_driver_sql(
            "INSERT INTO orders (client_order_id, venue, mode, account, symbol, side, type, "
            "time_in_force, post_only, external, amount, price, status, venue_order_id, filled, "
            "cost, average_price, fees, reason, created_ms, updated_ms) VALUES ('v2a', 'paper', "
            "'paper', 'default', 'BTC/USDT', 'sell', 'limit', 'GTC', 0, 0, '1', '30000', "
            "'open', '7', '0', '0', NULL, '{}', '', 1, 2)"
        )
    engine.dispose()
    journal = SqlJournal.open(url)
    try:
        assert current_revision(journal._engine) == head_revision()
        import asyncio

        order = asyncio.run(journal.get_order("v2a"))
        assert order.venue_order_id == "7" and str(order.price) == "30000"
        assert order.trigger_price is None and order.leg_role is None
        assert "order_lists" in inspect(journal._engine).get_table_names()
    finally:
        journal.close()
