"""Initial journal: orders, order_events, fills, safety_events.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "orders",
        sa.Column("client_order_id", sa.String(64), primary_key=True),
        sa.Column("venue", sa.String(32), nullable=False),
        sa.Column("mode", sa.String(16), nullable=False),
        sa.Column("account", sa.String(40), nullable=False),
        sa.Column("symbol", sa.String(64), nullable=False),
        sa.Column("side", sa.String(8), nullable=False),
        sa.Column("type", sa.String(16), nullable=False),
        sa.Column("time_in_force", sa.String(8), nullable=False),
        sa.Column("post_only", sa.Boolean, nullable=False),
        sa.Column("external", sa.Boolean, nullable=False),
        sa.Column("amount", sa.Text, nullable=False),
        sa.Column("price", sa.Text, nullable=True),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("venue_order_id", sa.String(128), nullable=True),
        sa.Column("filled", sa.Text, nullable=False),
        sa.Column("average_price", sa.Text, nullable=True),
        sa.Column("fees", sa.Text, nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("created_ms", sa.BigInteger, nullable=False),
        sa.Column("updated_ms", sa.BigInteger, nullable=False),
    )
    op.create_index("ix_orders_created", "orders", ["created_ms"])
    op.create_table(
        "order_events",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column(
            "client_order_id",
            sa.String(64),
            sa.ForeignKey("orders.client_order_id"),
            nullable=False,
        ),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("status_after", sa.String(20), nullable=False),
        sa.Column("details", sa.Text, nullable=False),
        sa.Column("payload", sa.Text, nullable=True),
        sa.Column("at_ms", sa.BigInteger, nullable=False),
        sa.Column("recorded_ms", sa.BigInteger, nullable=False),
    )
    op.create_index("ix_order_events_order", "order_events", ["client_order_id", "id"])
    op.create_table(
        "fills",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("venue", sa.String(32), nullable=False),
        sa.Column("trade_id", sa.String(128), nullable=False),
        sa.Column("client_order_id", sa.String(64), nullable=True),
        sa.Column("venue_order_id", sa.String(128), nullable=True),
        sa.Column("account", sa.String(40), nullable=False),
        sa.Column("symbol", sa.String(64), nullable=False),
        sa.Column("side", sa.String(8), nullable=True),
        sa.Column("price", sa.Text, nullable=False),
        sa.Column("amount", sa.Text, nullable=False),
        sa.Column("fee", sa.Text, nullable=False),
        sa.Column("fee_currency", sa.String(16), nullable=True),
        sa.Column("is_maker", sa.Boolean, nullable=True),
        sa.Column("ts_ms", sa.BigInteger, nullable=False),
        sa.UniqueConstraint("venue", "trade_id", name="uq_fills_venue_trade"),
    )
    op.create_index("ix_fills_order", "fills", ["client_order_id"])
    op.create_table(
        "safety_events",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("kind", sa.String(64), nullable=False),
        sa.Column("details", sa.Text, nullable=False),
        sa.Column("at_ms", sa.BigInteger, nullable=False),
    )
    op.create_index("ix_safety_events_kind", "safety_events", ["kind", "id"])


def downgrade() -> None:
    op.drop_table("safety_events")
    op.drop_table("fills")
    op.drop_table("order_events")
    op.drop_table("orders")
