"""Conditional futures orders on Binance's algo-order service (POST /fapi/v1/algoOrder):
STOP, STOP_MARKET, TAKE_PROFIT, TAKE_PROFIT_MARKET and TRAILING_STOP_MARKET.

A conditional order waits with algo status NEW. When its working price (the mark price
for ``workingType=MARK_PRICE``, else the contract price, which on the paper exchange is
the spot book's mid) crosses the trigger, it places an ordinary LIMIT (STOP, TAKE_PROFIT)
or MARKET order in the matching engine (algo status TRIGGERED, the order's ``origType``
is the conditional type) and becomes FINISHED once that order has been worked. Trigger
directions as Binance documents them:

- STOP / STOP_MARKET: BUY when price >= stopPrice, SELL when price <= stopPrice;
- TAKE_PROFIT / TAKE_PROFIT_MARKET: BUY when price <= stopPrice, SELL when price >= it;
- TRAILING_STOP_MARKET: active once the price reaches activatePrice (at once without
  one); BUY when the price rises callbackRate % above the lowest price since, SELL when
  it falls callbackRate % below the highest.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import TYPE_CHECKING

from ..errors import ApiError
from .forders import FOrder

if TYPE_CHECKING:
    from .venue import FuturesVenue

IMMEDIATE = ApiError(-2021, "Order would immediately trigger.")


def working_price(v: FuturesVenue, o: FOrder) -> Decimal:
    if o.working_type == "MARK_PRICE":
        return v.mark_price(o.symbol)
    return v.index_price(o.symbol)


def fires(o: FOrder, price: Decimal) -> bool:
    """Whether a STOP/TAKE_PROFIT family order triggers at ``price``."""
    up = (o.orig_type.startswith("STOP") and o.is_buy) or (
        o.orig_type.startswith("TAKE_PROFIT") and not o.is_buy
    )
    return price >= o.stop_price if up else price <= o.stop_price


def trail(o: FOrder, price: Decimal) -> bool:
    """Track a trailing stop's extreme; True when it triggers."""
    if not o.activated:
        if o.activate_price and (
            price > o.activate_price if o.is_buy else price < o.activate_price
        ):
            return False
        o.activated, o.extreme = True, price
    if o.is_buy:
        o.extreme = min(o.extreme, price)
        return price >= o.extreme * (1 + o.callback_rate / 100)
    o.extreme = max(o.extreme, price)
    return price <= o.extreme * (1 - o.callback_rate / 100)


def place_algo(v: FuturesVenue, key: str, p: Mapping[str, str]) -> FOrder:
    o = v.parse_order(key, p, algo=True)
    if any(x.client_id == o.client_id and x.algo_status == "NEW" for x in v.algos[key].values()):
        raise ApiError(-4116, "clientOrderId is duplicated")
    if v.reduces(o) and not o.close_position and not v.reducible(o):
        raise ApiError(-2022, "ReduceOnly Order is rejected.")
    if len(v.open_algos(key, o.symbol)) >= 10:
        raise ApiError(-4045, "Reach max stop order limit.")
    price = working_price(v, o)
    if o.orig_type != "TRAILING_STOP_MARKET" and fires(o, price):
        raise IMMEDIATE
    o.algo_id, o.algo_status = v._next_algo, "NEW"
    v._next_algo += 1
    v.algos[key][o.algo_id] = o
    emit_algo(v, o)
    if o.orig_type == "TRAILING_STOP_MARKET":
        trail(o, price)  # activates at once without an activation price
    return o


def emit_algo(v: FuturesVenue, o: FOrder) -> None:
    o.update_time = v.clock()
    for cb in v.on_algo:
        cb(o.account, o)


def find_algo(v: FuturesVenue, key: str, p: Mapping[str, str]) -> FOrder:
    v.account(key)
    aid, cid = p.get("algoId"), p.get("clientAlgoId")
    algos = v.algos[key]
    if aid:
        try:
            o = algos.get(int(aid))
        except ValueError:
            raise ApiError(
                -1100,
                "Illegal characters found in parameter 'algoId'; legal range is '^[0-9]{1,20}$'.",
            ) from None
    elif cid:
        o = next(
            (x for x in sorted(algos.values(), key=lambda x: -x.algo_id) if x.client_id == cid),
            None,
        )
    else:
        raise ApiError(
            -1102, "Param 'clientAlgoId' or 'algoId' must be sent, but both were empty/null!"
        )
    if o is None:
        raise ApiError(-2013, "Order does not exist.")
    return o


def cancel_algo(v: FuturesVenue, key: str, p: Mapping[str, str]) -> FOrder:
    try:
        o = find_algo(v, key, p)
    except ApiError as e:
        raise ApiError(-2011, "Unknown order sent.") if e.code == -2013 else e from None
    if o.algo_status != "NEW":
        raise ApiError(-2011, "Unknown order sent.")
    o.algo_status = "CANCELED"
    emit_algo(v, o)
    return o


def cancel_all_algos(v: FuturesVenue, key: str, symbol: str | None) -> int:
    c = v.contract(symbol)
    victims = v.open_algos(key, c.symbol)
    for o in victims:
        o.algo_status = "CANCELED"
        emit_algo(v, o)
    return len(victims)


def run_triggers(v: FuturesVenue) -> None:
    for key in list(v.algos):
        for o in v.open_algos(key):
            price = working_price(v, o)
            hit = trail(o, price) if o.orig_type == "TRAILING_STOP_MARKET" else fires(o, price)
            if hit:
                trigger(v, o)


def trigger(v: FuturesVenue, algo: FOrder) -> None:
    now = v.clock()
    algo.trigger_time = now
    o = FOrder(
        v._next_order,
        algo.client_id,
        algo.account,
        algo.symbol,
        algo.side,
        algo.position_side,
        algo.type,
        algo.orig_type,
        algo.tif,
        algo.price,
        algo.orig_qty,
        now,
        reduce_only=algo.reduce_only,
        close_position=algo.close_position,
        stop_price=algo.stop_price,
        working_type=algo.working_type,
        activate_price=algo.activate_price,
        callback_rate=algo.callback_rate,
        price_protect=algo.price_protect,
        update_time=now,
    )
    if o.close_position:
        o.orig_qty = v.reducible(o)
    try:
        if o.close_position and not o.orig_qty:
            raise ApiError(-2022, "ReduceOnly Order is rejected.")
        v.admit(o)
    except ApiError:
        algo.algo_status = "REJECTED"
        emit_algo(v, algo)
        return
    v._next_order += 1
    v.orders[o.account][o.order_id] = o
    algo.actual_order_id = o.order_id
    algo.algo_status = "TRIGGERED"
    emit_algo(v, algo)
    v.emit(o, "NEW")
    v.work(o)
    algo.executed, algo.cum_quote = o.executed, o.cum_quote
    algo.algo_status = "FINISHED"
    emit_algo(v, algo)
