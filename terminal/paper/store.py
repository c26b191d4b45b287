"""SQLite persistence of accounts, balances, orders and user trades (stdlib sqlite3).

The engine marks what changed; ``save()`` writes it in one short transaction, called from
a timer and at shutdown, so a restart (or the restart fault) resumes the same state.
"""

from __future__ import annotations

import json
import sqlite3
from decimal import Decimal
from pathlib import Path

from .engine import Engine
from .ledger import FEES, MARKET
from .orderlist import OrderList
from .orders import Order, UserTrade

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS accounts (api_key TEXT PRIMARY KEY, secret TEXT NOT NULL,
    starting TEXT NOT NULL, is_default INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS balances (api_key TEXT NOT NULL, asset TEXT NOT NULL,
    free TEXT NOT NULL, locked TEXT NOT NULL, PRIMARY KEY (api_key, asset));
CREATE TABLE IF NOT EXISTS orders (symbol TEXT NOT NULL, order_id INTEGER NOT NULL,
    account TEXT NOT NULL, client_id TEXT NOT NULL, status TEXT NOT NULL, data TEXT NOT NULL,
    PRIMARY KEY (symbol, order_id));
CREATE INDEX IF NOT EXISTS orders_account ON orders (account, status);
CREATE TABLE IF NOT EXISTS trades (account TEXT NOT NULL, symbol TEXT NOT NULL,
    trade_id INTEGER NOT NULL, is_buyer INTEGER NOT NULL, data TEXT NOT NULL,
    PRIMARY KEY (account, symbol, trade_id, is_buyer));
CREATE TABLE IF NOT EXISTS order_lists (account TEXT NOT NULL, list_id INTEGER NOT NULL,
    data TEXT NOT NULL, PRIMARY KEY (account, list_id));
"""

_ORDER_FIELDS = (
    "symbol",
    "order_id",
    "client_id",
    "account",
    "side",
    "type",
    "tif",
    "price",
    "orig_qty",
    "time",
    "executed",
    "cum_quote",
    "status",
    "update_time",
    "quote_order_qty",
    "locked_asset",
    "locked",
    "stop_price",
    "trailing_delta",
    "trailing_time",
    "track",
    "working_time",
    "order_list_id",
)


class Store:
    def __init__(self, data_dir: Path) -> None:
        data_dir.mkdir(parents=True, exist_ok=True)
        self.path = data_dir / "paper-exchange.sqlite3"
        self.db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")
        self.db.execute("PRAGMA busy_timeout=5000")
        self.db.executescript(SCHEMA)

    def close(self) -> None:
        self.db.close()

    # --- meta and accounts --------------------------------------------------------------
    def get_meta(self, key: str) -> str | None:
        row = self.db.execute("SELECT value FROM meta WHERE key=?", (key,)).fetchone()
        return row[0] if row else None

    def set_meta(self, key: str, value: str) -> None:
        self.db.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, value))

    def accounts(self) -> list[tuple[str, str, dict[str, Decimal], bool]]:
        rows = self.db.execute(
            "SELECT api_key, secret, starting, is_default FROM accounts "
            "ORDER BY is_default DESC, rowid"
        ).fetchall()
        return [
            (k, s, {a: Decimal(v) for a, v in json.loads(st).items()}, bool(d))
            for k, s, st, d in rows
        ]

    def add_account(
        self, key: str, secret: str, starting: dict[str, Decimal], is_default: bool
    ) -> None:
        self.db.execute(
            "INSERT OR REPLACE INTO accounts VALUES (?, ?, ?, ?)",
            (key, secret, json.dumps({a: str(v) for a, v in starting.items()}), int(is_default)),
        )

    def reset(self) -> None:
        """Starting balances again, no orders, no trades (``--reset``)."""
        self.db.execute("BEGIN IMMEDIATE")
        self.db.execute("DELETE FROM balances")
        self.db.execute("DELETE FROM orders")
        self.db.execute("DELETE FROM trades")
        self.db.execute("DELETE FROM order_lists")
        self.db.execute(
            "DELETE FROM meta WHERE key LIKE 'next_%' OR key LIKE 'mid_%' OR key LIKE 'futures_%'"
        )
        self.db.execute("COMMIT")

    # --- load ---------------------------------------------------------------------------
    def load_into(self, engine: Engine) -> None:
        for key, _secret, starting, _d in self.accounts():
            rows = self.db.execute(
                "SELECT asset, free, locked FROM balances WHERE api_key=?", (key,)
            ).fetchall()
            if rows:
                engine.add_account(key, {})
                for asset, free, locked in rows:
                    engine.ledger.set(key, asset, Decimal(free), Decimal(locked))
            else:
                engine.add_account(key, starting)
        for (data,) in self.db.execute("SELECT data FROM orders ORDER BY symbol, order_id"):
            d = json.loads(data)
            o = Order(
                **{
                    k: d[k]
                    for k in _ORDER_FIELDS
                    if k in d and k not in ("quote_order_qty", "locked")
                },
                quote_order_qty=Decimal(d["quote_order_qty"]),
                locked=Decimal(d["locked"]),
            )
            if o.account in engine.orders:
                engine.restore_order(o)
        for (data,) in self.db.execute("SELECT data FROM order_lists ORDER BY list_id"):
            d = json.loads(data)
            d["client_ids"] = [tuple(x) for x in d["client_ids"]]
            if d["account"] in engine.orders:
                engine.lists.restore(OrderList(**d))
        for (data,) in self.db.execute("SELECT data FROM trades ORDER BY rowid"):
            d = json.loads(data)
            d["commission"] = Decimal(d["commission"])
            t = UserTrade(**d)
            engine.trades.setdefault(t.account, []).append(t)
        for sym in engine.specs:
            v = self.get_meta(f"next_trade_{sym}")
            if v:
                engine.next_trade_id[sym] = max(engine.next_trade_id[sym], int(v))
            v = self.get_meta(f"next_order_{sym}")
            if v:
                engine.next_order_id[sym] = max(engine.next_order_id[sym], int(v))
        engine.ledger.dirty.clear()
        engine.lists.dirty.clear()
        engine.dirty_orders.clear()
        engine.new_trades.clear()

    # --- save ---------------------------------------------------------------------------
    def save(self, engine: Engine, mids: dict[str, int] | None = None) -> int:
        """Write what changed since the last save; returns the number of rows written."""
        led = engine.ledger
        dirty_accts = [a for a in led.dirty if a not in (MARKET, FEES)]
        orders = list(engine.dirty_orders.values())
        trades = engine.new_trades
        lists = list(engine.lists.dirty.values())
        if not (dirty_accts or orders or trades or mids or lists):
            return 0
        engine.lists.dirty = {}
        led.dirty.clear()
        engine.dirty_orders = {}
        engine.new_trades = []
        db = self.db
        db.execute("BEGIN IMMEDIATE")
        try:
            for acct in dirty_accts:
                db.executemany(
                    "INSERT OR REPLACE INTO balances VALUES (?, ?, ?, ?)",
                    [(acct, a, str(f), str(lk)) for a, (f, lk) in led.snapshot(acct).items()],
                )
            db.executemany(
                "INSERT OR REPLACE INTO orders VALUES (?, ?, ?, ?, ?, ?)",
                [
                    (
                        o.symbol,
                        o.order_id,
                        o.account,
                        o.client_id,
                        o.status,
                        json.dumps(
                            {
                                k: (
                                    str(getattr(o, k))
                                    if k in ("quote_order_qty", "locked")
                                    else getattr(o, k)
                                )
                                for k in _ORDER_FIELDS
                            }
                        ),
                    )
                    for o in orders
                ],
            )
            db.executemany(
                "INSERT OR REPLACE INTO trades VALUES (?, ?, ?, ?, ?)",
                [
                    (
                        t.account,
                        t.symbol,
                        t.trade_id,
                        int(t.is_buyer),
                        json.dumps(
                            {
                                "symbol": t.symbol,
                                "trade_id": t.trade_id,
                                "order_id": t.order_id,
                                "account": t.account,
                                "price": t.price,
                                "qty": t.qty,
                                "commission": str(t.commission),
                                "commission_asset": t.commission_asset,
                                "time": t.time,
                                "is_buyer": t.is_buyer,
                                "is_maker": t.is_maker,
                            }
                        ),
                    )
                    for t in trades
                ],
            )
            db.executemany(
                "INSERT OR REPLACE INTO order_lists VALUES (?, ?, ?)",
                [(x.account, x.list_id, json.dumps(x.record())) for x in lists],
            )
            for sym in engine.specs:
                db.execute(
                    "INSERT OR REPLACE INTO meta VALUES (?, ?)",
                    (f"next_trade_{sym}", str(engine.next_trade_id[sym])),
                )
                db.execute(
                    "INSERT OR REPLACE INTO meta VALUES (?, ?)",
                    (f"next_order_{sym}", str(engine.next_order_id[sym])),
                )
            for sym, mid in (mids or {}).items():
                db.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (f"mid_{sym}", str(mid)))
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
        return len(dirty_accts) + len(orders) + len(trades) + len(lists)
