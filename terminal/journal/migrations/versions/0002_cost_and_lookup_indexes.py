"""Store each order's filled quote cost (lossless average price) and index lookups.

`cost` lets the average price be recomputed exactly after a restart (average x filled
loses digits); the indexes serve the open-orders query at every start-up and the
"fills since the last known fill" query of reconciliation.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

from decimal import Decimal

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("orders") as batch:
        batch.add_column(sa.Column("cost", sa.Text, nullable=False, server_default="0"))
    # Orders journaled before 0002: cost = average_price x filled, in Decimal (SQL
    # arithmetic on the TEXT columns would go through floats).
    conn = op.get_bind()
    rows = conn.execute(
        sa.text(
            "SELECT client_order_id, average_price, filled FROM orders "
            "WHERE average_price IS NOT NULL"
        )
    ).fetchall()
    for coid, average, filled in rows:
        conn.execute(
            sa.text("UPDATE orders SET cost = :cost WHERE client_order_id = :coid"),
            {"cost": str(Decimal(average) * Decimal(filled)), "coid": coid},
        )
    op.create_index("ix_orders_venue_status", "orders", ["venue", "status"])
    op.create_index("ix_fills_venue_symbol_ts", "fills", ["venue", "symbol", "ts_ms"])


def downgrade() -> None:
    op.drop_index("ix_fills_venue_symbol_ts", "fills")
    op.drop_index("ix_orders_venue_status", "orders")
    with op.batch_alter_table("orders") as batch:
        batch.drop_column("cost")
