"""Every row carries its session: venue, mode (environment), account and market type.

One venue can be connected several times (two accounts, testnet beside live, spot
beside perpetual futures), so a row keyed by venue alone is ambiguous. Orders already
held venue, mode and account; they gain the market type. Order lists gain mode and
market, order events the whole session of their order, fills mode and market.

Existing rows move to the session they were recorded under:
- every row journaled before this revision is spot (the terminal traded spot only);
- an empty account becomes the default account;
- an event takes its order's session;
- a list takes the mode of its first leg, a fill the mode of its order;
- a list or fill with no order to ask takes the mode most used by the orders of its
  venue and account, else "paper" on the paper venue and "live" anywhere else (the
  stricter reading: a live row is never shown as a paper one).

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def _fallback_mode(table: str) -> str:
    """SQL for the mode of a row of `table` that has no order of its own to ask."""
    return (
        f"COALESCE((SELECT o.mode FROM orders o WHERE o.venue = {table}.venue "
        f"AND o.account = {table}.account GROUP BY o.mode "
        f"ORDER BY COUNT(*) DESC, o.mode LIMIT 1), "
        f"CASE WHEN {table}.venue = 'paper' THEN 'paper' ELSE 'live' END)"
    )


def upgrade() -> None:
    conn = op.get_bind()
    with op.batch_alter_table("orders") as batch:
        batch.add_column(sa.Column("market", sa.String(8), nullable=False, server_default="spot"))
    conn.execute(sa.text("UPDATE orders SET account = 'default' WHERE account = ''"))
    op.create_index(
        "ix_orders_session_status", "orders", ["venue", "mode", "account", "market", "status"]
    )

    with op.batch_alter_table("order_lists") as batch:
        batch.add_column(sa.Column("mode", sa.String(16), nullable=True))
        batch.add_column(sa.Column("market", sa.String(8), nullable=False, server_default="spot"))
    conn.execute(sa.text("UPDATE order_lists SET account = 'default' WHERE account = ''"))
    conn.execute(
        sa.text(
            "UPDATE order_lists SET mode = COALESCE((SELECT o.mode FROM orders o "
            "WHERE o.list_id = order_lists.list_id ORDER BY o.created_ms, o.client_order_id "
            f"LIMIT 1), {_fallback_mode('order_lists')})"
        )
    )
    with op.batch_alter_table("order_lists") as batch:
        batch.alter_column("mode", existing_type=sa.String(16), nullable=False)
    op.create_index("ix_order_lists_session", "order_lists", ["venue", "mode", "account", "market"])

    with op.batch_alter_table("order_events") as batch:
        batch.add_column(sa.Column("venue", sa.String(32), nullable=True))
        batch.add_column(sa.Column("mode", sa.String(16), nullable=True))
        batch.add_column(sa.Column("account", sa.String(40), nullable=True))
        batch.add_column(sa.Column("market", sa.String(8), nullable=False, server_default="spot"))
    for column in ("venue", "mode", "account"):
        conn.execute(
            sa.text(
                f"UPDATE order_events SET {column} = (SELECT o.{column} FROM orders o "
                "WHERE o.client_order_id = order_events.client_order_id)"
            )
        )
    # An event whose order row is missing (only a damaged journal has one) is kept,
    # under a venue that says so.
    conn.execute(
        sa.text(
            "UPDATE order_events SET venue = 'unknown', mode = 'live', account = 'default' "
            "WHERE venue IS NULL"
        )
    )
    with op.batch_alter_table("order_events") as batch:
        batch.alter_column("venue", existing_type=sa.String(32), nullable=False)
        batch.alter_column("mode", existing_type=sa.String(16), nullable=False)
        batch.alter_column("account", existing_type=sa.String(40), nullable=False)

    with op.batch_alter_table("fills") as batch:
        batch.add_column(sa.Column("mode", sa.String(16), nullable=True))
        batch.add_column(sa.Column("market", sa.String(8), nullable=False, server_default="spot"))
    conn.execute(sa.text("UPDATE fills SET account = 'default' WHERE account = ''"))
    conn.execute(
        sa.text(
            "UPDATE fills SET mode = COALESCE((SELECT o.mode FROM orders o "
            "WHERE o.client_order_id = fills.client_order_id), "
            f"{_fallback_mode('fills')})"
        )
    )
    with op.batch_alter_table("fills") as batch:
        batch.alter_column("mode", existing_type=sa.String(16), nullable=False)


def downgrade() -> None:
    # Plain DROP COLUMN (SQLite 3.35+, PostgreSQL): recreating `orders` would trip the
    # foreign key of order_events.
    with op.batch_alter_table("fills") as batch:
        batch.drop_column("market")
        batch.drop_column("mode")
    with op.batch_alter_table("order_events") as batch:
        for name in ("market", "account", "mode", "venue"):
            batch.drop_column(name)
    op.drop_index("ix_order_lists_session", "order_lists")
    with op.batch_alter_table("order_lists") as batch:
        batch.drop_column("market")
        batch.drop_column("mode")
    op.drop_index("ix_orders_session_status", "orders")
    with op.batch_alter_table("orders", recreate="never") as batch:
        batch.drop_column("market")
