"""The futures venue's state as one JSON document in the store's meta table: wallets,
settings, positions, income, countdowns, orders, conditional orders, trades, funding
history and id counters. Written when it changed (every save pass and on stop), read at
start, so the restart fault and a restart keep the futures account as the spot one."""

from __future__ import annotations

import dataclasses
import json
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from .accounts import FuturesAccount, Income, Position, SymbolConfig
from .forders import FOrder

if TYPE_CHECKING:
    from .venue import FuturesVenue

META_KEY = "futures_state"
_DECIMAL_FIELDS = {f.name for f in dataclasses.fields(FOrder) if f.type == "Decimal"}


def _order(o: FOrder) -> dict[str, Any]:
    return {k: (str(v) if k in _DECIMAL_FIELDS else v) for k, v in dataclasses.asdict(o).items()}


def _unorder(d: dict[str, Any]) -> FOrder:
    kw: dict[str, Any] = {k: (Decimal(v) if k in _DECIMAL_FIELDS else v) for k, v in d.items()}
    return FOrder(**kw)


def dump(v: FuturesVenue) -> str:
    accounts = {}
    for key, a in v.accounts.items():
        accounts[key] = {
            "wallet": str(a.wallet),
            "dual": a.dual_side,
            "update_time": a.update_time,
            "configs": {s: [c.leverage, c.isolated] for s, c in a.configs.items()},
            "positions": [
                [
                    p.symbol,
                    p.side,
                    str(p.amount),
                    str(p.entry),
                    str(p.isolated_wallet),
                    p.update_time,
                    str(p.realized_cum),
                ]
                for p in a.positions.values()
                if p.amount
            ],
            "income": [
                [i.tran_id, i.symbol, i.income_type, str(i.income), i.time, i.trade_id]
                for i in a.income
            ],
            "countdowns": {s: list(c) for s, c in a.countdowns.items()},
        }
    return json.dumps(
        {
            "accounts": accounts,
            "orders": {k: [_order(o) for o in os.values()] for k, os in v.orders.items()},
            "algos": {k: [_order(o) for o in os.values()] for k, os in v.algos.items()},
            "trades": v.trades,
            "premium": {s: str(p) for s, p in v.premium.items()},
            "funding": {
                s: [[t, str(r), str(m)] for t, r, m in rows]
                for s, rows in v.funding_history.items()
            },
            "next": [v._next_order, v._next_algo, v._next_trade, v._next_tran],
            "next_funding": v._next_funding,
            "listen_keys": v.listen_keys,
        }
    )


def load(v: FuturesVenue, text: str) -> None:
    d = json.loads(text)
    for key, a in d["accounts"].items():
        acct = FuturesAccount(key, Decimal(a["wallet"]), a["dual"], update_time=a["update_time"])
        acct.configs = {s: SymbolConfig(lev, iso) for s, (lev, iso) in a["configs"].items()}
        for sym, side, amt, entry, iw, ut, rc in a["positions"]:
            if sym in v.contracts:
                acct.positions[(sym, side)] = Position(
                    sym, side, Decimal(amt), Decimal(entry), Decimal(iw), ut, Decimal(rc)
                )
        acct.income = [Income(t, s, k, Decimal(x), tm, tid) for t, s, k, x, tm, tid in a["income"]]
        acct.countdowns = {s: (c[0], c[1]) for s, c in a["countdowns"].items()}
        v.accounts[key] = acct
        v.orders[key], v.algos[key], v.trades[key] = {}, {}, []
    for key, rows in d["orders"].items():
        v.orders.setdefault(key, {}).update({r["order_id"]: _unorder(r) for r in rows})
    for key, rows in d["algos"].items():
        v.algos.setdefault(key, {}).update({r["algo_id"]: _unorder(r) for r in rows})
    for key, rows in d["trades"].items():
        v.trades[key] = rows
    for s, p in d["premium"].items():
        if s in v.premium:
            v.premium[s] = Decimal(p)
    for s, rows in d["funding"].items():
        if s in v.funding_history:
            v.funding_history[s] = [(t, Decimal(r), Decimal(m)) for t, r, m in rows]
    v._next_order, v._next_algo, v._next_trade, v._next_tran = d["next"]
    # fundings that fell due while the exchange was down are not paid afterwards
    v._next_funding = d["next_funding"] if d["next_funding"] > v.clock() else 0
    v.listen_keys.update(d.get("listen_keys", {}))
