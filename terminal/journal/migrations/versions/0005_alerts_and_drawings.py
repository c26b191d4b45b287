"""Price alerts, their firings and chart drawings.

`alerts` keeps each alert (its market, condition, repeat, state and how often it
fired); `alert_firings` is the alerts history, one row per firing; `drawings` keeps the
chart drawings of each symbol (anchor points as JSON of time and price text). New
tables only: existing rows are untouched.

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "alerts",
        sa.Column("alert_id", sa.String(64), primary_key=True),
        sa.Column("venue", sa.String(32), nullable=False),
        sa.Column("mode", sa.String(16), nullable=False),
        sa.Column("symbol", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("source", sa.String(8), nullable=False),
        sa.Column("direction", sa.String(8), nullable=False),
        sa.Column("level", sa.Text, nullable=True),
        sa.Column("percent", sa.Text, nullable=True),
        sa.Column("window_s", sa.Integer, nullable=False),
        sa.Column("repeat", sa.Boolean, nullable=False),
        sa.Column("cooldown_s", sa.Integer, nullable=False),
        sa.Column("note", sa.Text, nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("created_ms", sa.BigInteger, nullable=False),
        sa.Column("fired_count", sa.Integer, nullable=False),
        sa.Column("last_fired_ms", sa.BigInteger, nullable=True),
    )
    op.create_table(
        "alert_firings",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("alert_id", sa.String(64), nullable=False),
        sa.Column("venue", sa.String(32), nullable=False),
        sa.Column("mode", sa.String(16), nullable=False),
        sa.Column("symbol", sa.String(64), nullable=False),
        sa.Column("source", sa.String(8), nullable=False),
        sa.Column("price", sa.Text, nullable=False),
        sa.Column("reference", sa.Text, nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("at_ms", sa.BigInteger, nullable=False),
    )
    op.create_index("ix_alert_firings_at", "alert_firings", ["at_ms"])
    op.create_table(
        "drawings",
        sa.Column("drawing_id", sa.String(64), primary_key=True),
        sa.Column("symbol", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("points", sa.Text, nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("created_ms", sa.BigInteger, nullable=False),
        sa.Column("updated_ms", sa.BigInteger, nullable=False),
    )
    op.create_index("ix_drawings_symbol", "drawings", ["symbol"])


def downgrade() -> None:
    op.drop_index("ix_drawings_symbol", "drawings")
    op.drop_table("drawings")
    op.drop_index("ix_alert_firings_at", "alert_firings")
    op.drop_table("alert_firings")
    op.drop_table("alerts")
