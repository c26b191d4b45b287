"""Timed work of the futures venue, run on every tick of the server's futures loop:
resting limit orders that the spot book traded through, conditional-order triggers,
liquidation, funding and the countdownCancelAll timers."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from . import algos
from .accounts import FuturesAccount, Position
from .forders import FOrder
from .risk import ZERO, funding_fee, q8

if TYPE_CHECKING:
    from .venue import FuturesVenue

MAX_FUNDING_PER_TICK = 100


def tick(v: FuturesVenue) -> None:
    fill_resting(v)
    algos.run_triggers(v)
    for a in list(v.accounts.values()):
        check_liquidation(v, a)
    run_funding(v)
    run_countdowns(v)


# --- resting limit orders -----------------------------------------------------------
def fill_resting(v: FuturesVenue) -> None:
    for key in list(v.orders):
        for o in v.open_orders(key):
            if o.type != "LIMIT":
                continue
            c, book = v.contracts[o.symbol], v.books[o.symbol]
            if book.crosses(o.is_buy, int(o.price.scaleb(c.price_decimals))):
                v.fill(o, o.remaining, o.price, maker=True)
                if o.remaining and v.reduces(o) and not v.reducible(o):
                    v.finish(o, "EXPIRED")  # nothing left to reduce


# --- liquidation --------------------------------------------------------------------
def check_liquidation(v: FuturesVenue, a: FuturesAccount) -> None:
    """Liquidate an isolated position whose margin balance (isolated wallet +
    unrealised PnL) is at or below its maintenance margin, and every cross position
    when the cross margin balance is at or below the cross maintenance margin."""
    views = v.margin.views(a)
    for x in views:
        if x.isolated and x.pos.isolated_wallet + x.upnl <= x.mm:
            liquidate(v, a, [x.pos], None)
    cross = [x for x in views if not x.isolated]
    if cross:
        up, _im, mm = v.margin.cross(cross)
        if a.cross_wallet + up <= mm:
            liquidate(v, a, [x.pos for x in cross], mm)


def liquidate(
    v: FuturesVenue, a: FuturesAccount, positions: list[Position], cross_mm: Decimal | None
) -> None:
    """Cancel the symbols' orders, close the positions with LIQUIDATION orders at the
    mark price (ORDER_TRADE_UPDATE with execution type CALCULATED), then settle the
    liquidation clearance (income INSURANCE_CLEAR): an isolated position loses its whole
    isolated wallet; a cross account loses what is left of the maintenance margin. A
    balance the closing left below zero is brought back to zero, as Binance's insurance
    fund does."""
    now = v.clock()
    for sym in {p.symbol for p in positions}:
        for o in v.open_orders(a.key, sym):
            v.finish(o, "CANCELED")
        for o in v.open_algos(a.key, sym):
            o.algo_status = "CANCELED"
            algos.emit_algo(v, o)
    isolated_before = sum((p.isolated_wallet for p in positions), ZERO)
    wallet_before = a.wallet
    for p in positions:
        if not p.amount:
            continue
        mark = v.mark_price(p.symbol)
        o = FOrder(
            v._next_order,
            f"autoclose-{now}{v._next_order}",
            a.key,
            p.symbol,
            "SELL" if p.amount > 0 else "BUY",
            p.side,
            "LIQUIDATION",
            "LIQUIDATION",
            "IOC",
            mark,
            abs(p.amount),
            now,
            reduce_only=p.side == "BOTH",
            update_time=now,
        )
        v._next_order += 1
        v.orders[a.key][o.order_id] = o
        v.fill(o, o.orig_qty, mark, maker=False)
    if cross_mm is None:  # isolated: what the isolated wallet still held after closing
        clearance = isolated_before + (a.wallet - wallet_before)
    else:
        clearance = min(cross_mm, a.cross_wallet)
    clearance = q8(clearance)
    if clearance:
        a.wallet -= clearance
        v.add_income(a, positions[0].symbol, "INSURANCE_CLEAR", -clearance)
        v.account_update(a.key, "INSURANCE_CLEAR", positions)


# --- funding ------------------------------------------------------------------------
def run_funding(v: FuturesVenue) -> None:
    now = v.clock()
    if not v._next_funding:
        v._next_funding = v.next_funding_time(now)
    for _ in range(MAX_FUNDING_PER_TICK):
        if now < v._next_funding:
            break
        settle_funding(v, v._next_funding)
        v._next_funding += v.funding_period_ms


def settle_funding(v: FuturesVenue, at: int) -> None:
    """Pay funding on every open position: fee = |amount| x mark x rate, longs pay
    shorts when the rate is positive (income FUNDING_FEE, ACCOUNT_UPDATE
    FUNDING_FEE). Isolated positions settle from their isolated wallet."""
    rates = {s: (v.funding_rate(s), v.mark_price(s)) for s in v.contracts}
    for s, (rate, mark) in rates.items():
        v.funding_history[s].append((at, rate, mark))
        del v.funding_history[s][:-1000]
    for a in list(v.accounts.values()):
        touched = []
        for p in a.open_positions():
            rate, mark = rates[p.symbol]
            fee = q8(funding_fee(p.amount, mark, rate))
            if not fee:
                continue
            a.wallet += fee
            if a.config(p.symbol).isolated:
                p.isolated_wallet += fee
            v.add_income(a, p.symbol, "FUNDING_FEE", fee, at=at)
            touched.append(p)
        if touched:
            v.account_update(a.key, "FUNDING_FEE", touched)


# --- countdownCancelAll -------------------------------------------------------------
def set_countdown(v: FuturesVenue, key: str, symbol: str, ms: int) -> None:
    a = v.account(key)
    if ms <= 0:
        a.countdowns.pop(symbol, None)
    else:
        a.countdowns[symbol] = (ms, v.clock() + ms)


def run_countdowns(v: FuturesVenue) -> None:
    now = v.clock()
    for a in list(v.accounts.values()):
        for sym, (_ms, deadline) in list(a.countdowns.items()):
            if now >= deadline:
                del a.countdowns[sym]
                for o in v.open_orders(a.key, sym):
                    v.finish(o, "CANCELED")
                for o in v.open_algos(a.key, sym):
                    o.algo_status = "CANCELED"
                    algos.emit_algo(v, o)
