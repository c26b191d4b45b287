"""The journal's tables (SQLAlchemy Core), matching the newest Alembic revision.

Portable on purpose (SQLite by default, PostgreSQL through the same code): Decimals are
stored as TEXT (lossless: '0.10000000' stays exactly that), times as integer epoch
milliseconds (sortable, no time-zone games), flags as booleans.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    false,
)

metadata = MetaData()

orders = Table(
    "orders",
    metadata,
    Column("client_order_id", String(64), primary_key=True),
    Column("venue", String(32), nullable=False),
    Column("mode", String(16), nullable=False),
    Column("account", String(40), nullable=False),
    Column("symbol", String(64), nullable=False),
    Column("side", String(8), nullable=False),
    Column("type", String(24), nullable=False),  # widened in revision 0003
    Column("time_in_force", String(8), nullable=False),
    Column("post_only", Boolean, nullable=False, default=False),
    Column("external", Boolean, nullable=False, default=False),
    Column("amount", Text, nullable=False),
    Column("price", Text, nullable=True),
    Column("status", String(20), nullable=False),
    Column("venue_order_id", String(128), nullable=True),
    Column("filled", Text, nullable=False),
    Column("cost", Text, nullable=False, server_default="0"),  # revision 0002
    Column("average_price", Text, nullable=True),
    Column("fees", Text, nullable=False),  # JSON {currency: "decimal"}
    Column("reason", Text, nullable=False, default=""),
    Column("created_ms", BigInteger, nullable=False),
    Column("updated_ms", BigInteger, nullable=False),
    # revision 0003: conditional orders and their links
    Column("trigger_price", Text, nullable=True),
    Column("trailing_percent", Text, nullable=True),
    Column("list_id", String(64), nullable=True),
    Column("leg_role", String(16), nullable=True),
    Column("held_by", String(16), nullable=True),
    Column("triggered", Boolean, nullable=False, server_default=false()),
    # revision 0004: the market type completes the session (venue, mode, account, market)
    Column("market", String(8), nullable=False, server_default="spot"),
    # revision 0007: perpetual orders' flags
    Column("reduce_only", Boolean, nullable=False, server_default=false()),
    Column("close_position", Boolean, nullable=False, server_default=false()),
    Index("ix_orders_venue_status", "venue", "status"),  # revision 0002
    Index("ix_orders_session_status", "venue", "mode", "account", "market", "status"),
    Index("ix_orders_created", "created_ms"),
    Index("ix_orders_list", "list_id"),  # revision 0003
    Index("ix_orders_status_created", "status", "created_ms"),  # revision 0006
)

# revision 0003: one row per order list (venue-native) or bracket / linked pair held by
# this terminal; its orders point at it with orders.list_id.
order_lists = Table(
    "order_lists",
    metadata,
    Column("list_id", String(64), primary_key=True),
    Column("venue", String(32), nullable=False),
    Column("account", String(40), nullable=False),
    Column("mode", String(16), nullable=False),  # revision 0004
    Column("market", String(8), nullable=False, server_default="spot"),  # revision 0004
    Column("symbol", String(64), nullable=False),
    Column("kind", String(16), nullable=False),  # oco, oto, otoco, bracket
    Column("held_by", String(16), nullable=False),
    Column("venue_list_id", String(128), nullable=True),
    Column("status", String(20), nullable=False),  # open, done
    Column("details", Text, nullable=False),  # JSON
    Column("created_ms", BigInteger, nullable=False),
    Column("updated_ms", BigInteger, nullable=False),
    Index("ix_order_lists_venue_status", "venue", "status"),
    Index("ix_order_lists_session", "venue", "mode", "account", "market"),
)

order_events = Table(
    "order_events",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("client_order_id", String(64), ForeignKey("orders.client_order_id"), nullable=False),
    Column("kind", String(32), nullable=False),
    Column("source", String(16), nullable=False),
    Column("status_after", String(20), nullable=False),
    Column("details", Text, nullable=False),  # JSON of the event's fields
    Column("payload", Text, nullable=True),  # redacted excerpt of the venue payload
    Column("at_ms", BigInteger, nullable=False),
    Column("recorded_ms", BigInteger, nullable=False),
    # revision 0004: the session of the order, so the event log reads per session
    Column("venue", String(32), nullable=False),
    Column("mode", String(16), nullable=False),
    Column("account", String(40), nullable=False),
    Column("market", String(8), nullable=False, server_default="spot"),
    Index("ix_order_events_order", "client_order_id", "id"),
)

fills = Table(
    "fills",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("venue", String(32), nullable=False),
    Column("trade_id", String(128), nullable=False),
    Column("client_order_id", String(64), nullable=True),  # NULL: order not in the journal
    Column("venue_order_id", String(128), nullable=True),
    Column("account", String(40), nullable=False),
    Column("symbol", String(64), nullable=False),
    Column("side", String(8), nullable=True),
    Column("price", Text, nullable=False),
    Column("amount", Text, nullable=False),
    Column("fee", Text, nullable=False),
    Column("fee_currency", String(16), nullable=True),
    Column("is_maker", Boolean, nullable=True),
    Column("ts_ms", BigInteger, nullable=False),
    Column("mode", String(16), nullable=False),  # revision 0004
    Column("market", String(8), nullable=False, server_default="spot"),  # revision 0004
    UniqueConstraint("venue", "trade_id", name="uq_fills_venue_trade"),
    Index("ix_fills_venue_symbol_ts", "venue", "symbol", "ts_ms"),  # revision 0002
    Index("ix_fills_order", "client_order_id"),
)

safety_events = Table(
    "safety_events",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("kind", String(64), nullable=False),
    Column("details", Text, nullable=False),  # JSON
    Column("at_ms", BigInteger, nullable=False),
    Index("ix_safety_events_kind", "kind", "id"),
)

# revision 0005: price alerts, the alerts history and chart drawings
alerts = Table(
    "alerts",
    metadata,
    Column("alert_id", String(64), primary_key=True),
    Column("venue", String(32), nullable=False),
    Column("mode", String(16), nullable=False),
    Column("symbol", String(64), nullable=False),
    Column("kind", String(16), nullable=False),  # cross, change
    Column("source", String(8), nullable=False),  # last, bid, ask, mark
    Column("direction", String(8), nullable=False),  # up, down, either
    Column("level", Text, nullable=True),
    Column("percent", Text, nullable=True),
    Column("window_s", Integer, nullable=False),
    Column("repeat", Boolean, nullable=False),
    Column("cooldown_s", Integer, nullable=False),
    Column("note", Text, nullable=False),
    Column("state", String(16), nullable=False),  # active, fired
    Column("created_ms", BigInteger, nullable=False),
    Column("fired_count", Integer, nullable=False),
    Column("last_fired_ms", BigInteger, nullable=True),
)

alert_firings = Table(
    "alert_firings",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("alert_id", String(64), nullable=False),
    Column("venue", String(32), nullable=False),
    Column("mode", String(16), nullable=False),
    Column("symbol", String(64), nullable=False),
    Column("source", String(8), nullable=False),
    Column("price", Text, nullable=False),
    Column("reference", Text, nullable=False),
    Column("text", Text, nullable=False),
    Column("at_ms", BigInteger, nullable=False),
    Index("ix_alert_firings_at", "at_ms"),
)

drawings = Table(
    "drawings",
    metadata,
    Column("drawing_id", String(64), primary_key=True),
    Column("symbol", String(64), nullable=False),
    Column("kind", String(8), nullable=False),  # hline, trend, rect, text
    Column("points", Text, nullable=False),  # JSON [[time_ms, "price"], ...]
    Column("text", Text, nullable=False),
    Column("created_ms", BigInteger, nullable=False),
    Column("updated_ms", BigInteger, nullable=False),
    Index("ix_drawings_symbol", "symbol"),
)
