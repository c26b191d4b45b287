"""Index the orders by status, so the open-orders query does not grow with the journal.

The open orders are read at every start-up, by every reconciliation and by the
open-orders panel. They were asked for as "status NOT IN (the final statuses)", which
no index serves: the whole orders table was read each time (about 50 ms at 100,000
orders, growing with the journal). The query now names the statuses an order can be
open in (`status IN (...)`), and this index on (status, created_ms) finds exactly
those rows, the newest first, whatever the size of the journal.

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_orders_status_created", "orders", ["status", "created_ms"])


def downgrade() -> None:
    op.drop_index("ix_orders_status_created", "orders")
