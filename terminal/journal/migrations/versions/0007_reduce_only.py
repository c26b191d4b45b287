"""Perpetual orders' reduce-only and close-position flags on the order row.

A reduce-only order (a close) and a close-position stop were journaled as plain orders:
after a restart the journal could not tell a close from an order that opens a position.
Both flags are columns now; rows written before this revision read as neither.

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # plain ADD COLUMN (no table rebuild: the events and fills rows point at orders)
    op.add_column(
        "orders", sa.Column("reduce_only", sa.Boolean, nullable=False, server_default=sa.false())
    )
    op.add_column(
        "orders",
        sa.Column("close_position", sa.Boolean, nullable=False, server_default=sa.false()),
    )


def downgrade() -> None:
    op.drop_column("orders", "close_position")
    op.drop_column("orders", "reduce_only")
