"""ccxt's unified dicts -> domain values (reports, fills, balances, candles, trades, tickers).

ccxt parses numbers to float; each one becomes a Decimal through its shortest repr
(`decimal_from_float_repr`), which gives back exactly the text the venue sent. A value
that cannot be parsed makes the whole item fail loudly rather than guess. An order or fill
that cannot be read, or cannot be right (see `payload_checks`), is refused as a
`VenuePayloadError`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace
from decimal import Decimal
from typing import Any

from terminal.core.errors import VenuePayloadError
from terminal.domain.enums import OrderType, Side, TimeInForce
from terminal.domain.ids import ClientOrderId, IdError, Symbol, TradeId, VenueOrderId
from terminal.domain.marketdata import Balance, Balances, Candle, Ticker, Trade
from terminal.domain.money import ZERO, decimal_from_float_repr
from terminal.domain.order import OrderStatus
from terminal.domain.reports import FillReport, OrderReport

from .errors import scrub
from .payload_checks import fill_problem, refused, report_problem

RAW_KEYS_MAX = 40


def dec(value: Any) -> Decimal | None:
    if value is None or value == "":
        return None
    return decimal_from_float_repr(value)


def dec0(value: Any) -> Decimal:
    d = dec(value)
    return ZERO if d is None else d


def client_id_or_none(value: Any) -> ClientOrderId | None:
    if not value:
        return None
    try:
        return ClientOrderId(str(value))
    except IdError:
        return None


def _side(value: Any) -> Side | None:
    try:
        return Side(str(value).lower()) if value else None
    except ValueError:
        return None


def _type(value: Any) -> OrderType | None:
    text = str(value or "").lower()
    if text in ("limit", "limit_maker"):
        return OrderType.LIMIT
    if text == "market":
        return OrderType.MARKET
    return None


# Binance's own type names (REST `type`, stream `o`), which ccxt folds into market/limit.
_VENUE_TYPES = {
    "STOP_LOSS": OrderType.STOP_MARKET,
    "STOP_LOSS_LIMIT": OrderType.STOP_LIMIT,
    "TAKE_PROFIT": OrderType.TAKE_PROFIT_MARKET,
    "TAKE_PROFIT_LIMIT": OrderType.TAKE_PROFIT_LIMIT,
}


def _order_type(order: Mapping[str, Any], info: Mapping[str, Any]) -> OrderType | None:
    """The order's type, conditional ones included (ccxt reports a stop as market/limit
    with a `triggerPrice`; the venue's own type name says which)."""
    venue_type = str(info.get("type") or info.get("o") or "").upper()
    if venue_type in _VENUE_TYPES:
        return _VENUE_TYPES[venue_type]
    base = _type(order.get("type"))
    if dec(order.get("triggerPrice")) is None or base is None:
        return base
    if dec(order.get("takeProfitPrice")) is not None:
        return (
            OrderType.TAKE_PROFIT_LIMIT if base is OrderType.LIMIT else OrderType.TAKE_PROFIT_MARKET
        )
    return OrderType.STOP_LIMIT if base is OrderType.LIMIT else OrderType.STOP_MARKET


def _waiting_for_trigger(
    order: Mapping[str, Any], info: Mapping[str, Any], order_type: OrderType | None, filled: Decimal
) -> bool:
    """An open conditional order that has not triggered yet. Binance says so with
    `isWorking` (REST) or `w` (stream); elsewhere an unfilled order with a trigger price
    is taken as waiting."""
    if order_type is None or not order_type.is_conditional or filled > ZERO:
        return False
    for key in ("isWorking", "w"):
        if key in info and isinstance(info[key], bool):
            return not info[key]
    return True


def _list_id(info: Mapping[str, Any]) -> str | None:
    value = info.get("orderListId", info.get("g"))
    if value in (None, "", -1, "-1"):
        return None
    return str(value)


def _tif(value: Any) -> TimeInForce | None:
    text = str(value or "").upper()
    try:
        return TimeInForce(text) if text else None
    except ValueError:
        return None  # PO and venue-specific ones


def raw_excerpt(info: Any, secrets: Iterable[str] = ()) -> dict | None:
    """A small, secret-free copy of the venue payload for the journal."""
    if not isinstance(info, Mapping):
        return None
    out: dict[str, Any] = {}
    for key, value in list(info.items())[:RAW_KEYS_MAX]:
        if isinstance(value, (str, int, float, bool)) or value is None:
            out[str(key)] = scrub(value, secrets) if isinstance(value, str) else value
    return out


def order_status(order: Mapping[str, Any], filled: Decimal) -> OrderStatus:
    status = str(order.get("status") or "").lower()
    if status == "open":
        return OrderStatus.PARTIALLY_FILLED if filled > ZERO else OrderStatus.OPEN
    if status == "closed":
        return OrderStatus.FILLED
    if status in ("canceled", "cancelled"):
        return OrderStatus.CANCELED
    if status == "expired":
        return OrderStatus.EXPIRED
    if status == "rejected":
        return OrderStatus.REJECTED
    if status == "pending_new":  # Binance: an order of a list waiting for its working order
        return OrderStatus.PENDING_TRIGGER
    raise ValueError(f"order status {order.get('status')!r} is not known")


# What reading a malformed payload raises (MoneyError and IdError are ValueErrors).
_UNREADABLE = (ValueError, KeyError, TypeError, ArithmeticError, AttributeError)


def fill_from_ccxt(
    trade: Mapping[str, Any],
    *,
    client_order_id: ClientOrderId | None = None,
    default_symbol: str | None = None,
    secrets: Iterable[str] = (),
) -> FillReport | None:
    """A fill (own trade). None when the venue gives no trade id (it cannot be
    de-duplicated; the order service fetches trades for the missing amount).
    VenuePayloadError when it cannot be read or cannot be a real trade."""
    try:
        fill = _fill(trade, client_order_id, default_symbol)
    except _UNREADABLE as exc:
        raise refused(trade, f"unreadable: {exc}", secrets, "trade") from exc
    problem = fill_problem(fill) if fill is not None else None
    if problem:
        raise refused(trade, problem, secrets, "trade")
    return fill


def _fill(
    trade: Mapping[str, Any],
    client_order_id: ClientOrderId | None,
    default_symbol: str | None,
) -> FillReport | None:
    tid = trade.get("id")
    if tid in (None, ""):
        return None
    fee = trade.get("fee") or {}
    info = trade.get("info") or {}
    coid = (
        client_order_id
        or client_id_or_none(trade.get("clientOrderId"))
        or (client_id_or_none(info.get("c")) if isinstance(info, Mapping) else None)
    )
    taker_or_maker = trade.get("takerOrMaker")
    order_id = trade.get("order")
    return FillReport(
        trade_id=TradeId(tid),
        symbol=Symbol(str(trade.get("symbol") or default_symbol)),
        price=dec0(trade.get("price")),
        amount=dec0(trade.get("amount")),
        fee=dec0(fee.get("cost")) if isinstance(fee, Mapping) else ZERO,
        fee_currency=(fee.get("currency") if isinstance(fee, Mapping) else None) or None,
        is_maker=None if taker_or_maker is None else taker_or_maker == "maker",
        timestamp_ms=trade.get("timestamp"),
        venue_order_id=VenueOrderId(order_id) if order_id not in (None, "") else None,
        client_order_id=coid,
        side=_side(trade.get("side")),
    )


def report_from_ccxt(
    order: Mapping[str, Any],
    *,
    secrets: Iterable[str] = (),
    default_status: OrderStatus | None = None,
    default_symbol: str | None = None,
    client_order_id: ClientOrderId | None = None,
    placement: bool = False,
) -> OrderReport:
    """The venue's view of one order.

    On Binance a cancel reply's `clientOrderId` is the id of the cancel request and the
    order's own id is `origClientOrderId`, so that one wins when present.

    `placement`: the reply to placing (or replacing) the order. Fills listed there
    happened as the order arrived, so it took liquidity: a fill that does not say
    maker or taker is a taker fill (Binance's full reply lists them without isMaker).

    VenuePayloadError when the payload cannot be read (an unknown status without a
    default included) or cannot describe a real order.
    """
    try:
        report = _report(order, secrets, default_status, default_symbol, client_order_id, placement)
        remaining = dec(order.get("remaining"))
    except VenuePayloadError:
        raise
    except _UNREADABLE as exc:
        raise refused(order, f"unreadable: {exc}", secrets) from exc
    problem = report_problem(report, remaining)
    if problem:
        raise refused(order, problem, secrets)
    return report


def _report(
    order: Mapping[str, Any],
    secrets: Iterable[str],
    default_status: OrderStatus | None,
    default_symbol: str | None,
    client_order_id: ClientOrderId | None,
    placement: bool,
) -> OrderReport:
    info = order.get("info") or {}
    coid = client_order_id
    if coid is None and isinstance(info, Mapping):
        coid = client_id_or_none(info.get("origClientOrderId"))
    if coid is None:
        coid = client_id_or_none(order.get("clientOrderId"))
    filled = dec0(order.get("filled"))
    try:
        status = order_status(order, filled)
    except ValueError:
        if default_status is None:
            raise
        status = default_status
    vid = order.get("id")
    fills = []
    for t in order.get("trades") or ():
        f = _fill(t, coid, order.get("symbol") or default_symbol)  # checked with the report
        if f is not None:
            if f.venue_order_id is None and vid:
                f = replace(f, venue_order_id=VenueOrderId(vid))
            if placement and f.is_maker is None:
                f = replace(f, is_maker=False)
            fills.append(f)
    post_only = bool(order.get("postOnly")) or str(order.get("type") or "").lower() == "limit_maker"
    info_map = info if isinstance(info, Mapping) else {}
    order_type = _order_type(order, info_map)
    if status is OrderStatus.OPEN and _waiting_for_trigger(order, info_map, order_type, filled):
        status = OrderStatus.PENDING_TRIGGER
    return OrderReport(
        symbol=Symbol(str(order.get("symbol") or default_symbol)),
        status=status,
        client_order_id=coid,
        venue_order_id=VenueOrderId(vid) if vid not in (None, "") else None,
        side=_side(order.get("side")),
        type=order_type,
        amount=dec(order.get("amount")),
        price=dec(order.get("price")) or None,
        filled=filled,
        average_price=dec(order.get("average")) or None,
        time_in_force=_tif(order.get("timeInForce")),
        post_only=post_only,
        fills=tuple(fills),
        timestamp_ms=order.get("lastUpdateTimestamp")
        or order.get("lastTradeTimestamp")
        or order.get("timestamp"),
        reason="",
        raw=raw_excerpt(info, secrets),
        trigger_price=dec(order.get("triggerPrice")) or None,
        list_id=_list_id(info_map),
    )


def balances_from_ccxt(balance: Mapping[str, Any]) -> Balances:
    free = balance.get("free") or {}
    used = balance.get("used") or {}
    total = balance.get("total") or {}
    assets = set(free) | set(used) | set(total)
    out: dict[str, Balance] = {}
    for asset in sorted(assets):
        f = dec(free.get(asset))
        u = dec(used.get(asset))
        t = dec(total.get(asset))
        if f is None and u is None and t is None:
            continue
        if f is None:
            f = (t or ZERO) - (u or ZERO)
        if u is None:
            u = (t - f) if t is not None else ZERO
        out[asset] = Balance(asset, f, u)
    return Balances(out, balance.get("timestamp"))


def candle_from_ccxt(row: Any) -> Candle:
    t, o, h, low, c, v = row[:6]
    return Candle(int(t), dec0(o), dec0(h), dec0(low), dec0(c), dec0(v))


def trade_from_ccxt(trade: Mapping[str, Any], default_symbol: str | None = None) -> Trade:
    tid = trade.get("id")
    return Trade(
        symbol=Symbol(str(trade.get("symbol") or default_symbol)),
        trade_id=TradeId(tid) if tid not in (None, "") else None,
        timestamp_ms=int(trade.get("timestamp") or 0),
        price=dec0(trade.get("price")),
        amount=dec0(trade.get("amount")),
        side=_side(trade.get("side")),
    )


def ticker_from_ccxt(ticker: Mapping[str, Any], default_symbol: str | None = None) -> Ticker:
    return Ticker(
        symbol=Symbol(str(ticker.get("symbol") or default_symbol)),
        last=dec(ticker.get("last")),
        bid=dec(ticker.get("bid")),
        ask=dec(ticker.get("ask")),
        open=dec(ticker.get("open")),
        high=dec(ticker.get("high")),
        low=dec(ticker.get("low")),
        change_percent=dec(ticker.get("percentage")),
        base_volume=dec(ticker.get("baseVolume")),
        quote_volume=dec(ticker.get("quoteVolume")),
        timestamp_ms=ticker.get("timestamp"),
        mark=dec(ticker.get("markPrice")),
    )
