"""Conditional orders and order lists: trigger price, list links, who holds them.

Orders gain their trigger price and trailing distance, the list or bracket they belong
to (`list_id`), their role in it (entry, stop, target), who holds the trigger or link
(venue or this terminal) and whether a conditional order has triggered. `type` widens
to 24 characters for the conditional type codes. `order_lists` records each list or
bracket as one row. Existing rows keep their values; the new columns are NULL (plain
orders) or false.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("orders") as batch:
        batch.alter_column(
            "type", existing_type=sa.String(16), type_=sa.String(24), existing_nullable=False
        )
        batch.add_column(sa.Column("trigger_price", sa.Text, nullable=True))
        batch.add_column(sa.Column("trailing_percent", sa.Text, nullable=True))
        batch.add_column(sa.Column("list_id", sa.String(64), nullable=True))
        batch.add_column(sa.Column("leg_role", sa.String(16), nullable=True))
        batch.add_column(sa.Column("held_by", sa.String(16), nullable=True))
        batch.add_column(
            sa.Column("triggered", sa.Boolean, nullable=False, server_default=sa.false())
        )
    op.create_index("ix_orders_list", "orders", ["list_id"])
    op.create_table(
        "order_lists",
        sa.Column("list_id", sa.String(64), primary_key=True),
        sa.Column("venue", sa.String(32), nullable=False),
        sa.Column("account", sa.String(40), nullable=False),
        sa.Column("symbol", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("held_by", sa.String(16), nullable=False),
        sa.Column("venue_list_id", sa.String(128), nullable=True),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("details", sa.Text, nullable=False),
        sa.Column("created_ms", sa.BigInteger, nullable=False),
        sa.Column("updated_ms", sa.BigInteger, nullable=False),
    )
    op.create_index("ix_order_lists_venue_status", "order_lists", ["venue", "status"])


def downgrade() -> None:
    op.drop_index("ix_order_lists_venue_status", "order_lists")
    op.drop_table("order_lists")
    op.drop_index("ix_orders_list", "orders")
    with op.batch_alter_table("orders") as batch:
        for name in (
            "triggered",
            "held_by",
            "leg_role",
            "list_id",
            "trailing_percent",
            "trigger_price",
        ):
            batch.drop_column(name)
        batch.alter_column(
            "type", existing_type=sa.String(24), type_=sa.String(16), existing_nullable=False
        )
