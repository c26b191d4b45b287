"""The ExchangePort calls of a venue session: place, cancel, amend and query orders, read
balances and fills, and the public reads the feeds use (ccxt structures, mapped by the
caller). Every call goes through the session's call wrappers (`venuecalls`).
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from terminal.core.errors import OrderRejectedError
from terminal.domain.capabilities import OrderCapabilities
from terminal.domain.enums import OrderType
from terminal.domain.ids import ClientOrderId, Symbol
from terminal.domain.marketdata import Balances
from terminal.domain.order import Order, OrderStatus
from terminal.domain.reports import FillReport, OrderReport

from .capabilities import order_capabilities
from .mapping import balances_from_ccxt, fill_from_ccxt, report_from_ccxt
from .orderlists import list_reports
from .orderparams import order_params
from .venuecalls import VenueCalls

# Binance spot's names of the conditional types, for a cancel-replace of one of them.
_BINANCE_CONDITIONAL = {
    OrderType.STOP_MARKET: "STOP_LOSS",
    OrderType.STOP_LIMIT: "STOP_LOSS_LIMIT",
    OrderType.TAKE_PROFIT_MARKET: "TAKE_PROFIT",
    OrderType.TAKE_PROFIT_LIMIT: "TAKE_PROFIT_LIMIT",
}


class OrderPortCalls(VenueCalls):
    """`terminal.core.ports.ExchangePort`'s calls (mixed into `VenueSession`, which gives
    the connected REST client, the market check and the venue's facts)."""

    rest: Any
    market: Any

    @property
    def has_cancel_all(self) -> bool:
        return self.info.has_cancel_all

    @property
    def has_edit_order(self) -> bool:
        return self.info.has_edit_order

    def capabilities(self, symbol: str) -> OrderCapabilities:
        """What this venue takes for `symbol` (ccxt's `has` and the market's info)."""
        raw = (self._rest.markets or {}).get(symbol) if self._rest is not None else None
        return order_capabilities(
            self._rest.has if self._rest is not None else {}, raw, self._rest, self.info.name
        )

    def extra_order_params(self, order: Order) -> dict[str, Any]:
        """Params a market type adds to every order (perpetuals: position side, reduce-only)."""
        if order.reduce_only or order.close_position:
            raise OrderRejectedError(
                "reduce-only and close-position are for perpetual futures, not spot",
                venue=self.venue,
            )
        return {}

    async def create_order(self, order: Order) -> OrderReport:
        self.market(order.symbol)
        ccxt_type, price, params = order_params(order, self.venue)
        params.update(self.extra_order_params(order))
        if order.type.is_conditional and not self.capabilities(order.symbol).supports(order.type):
            why = self.capabilities(order.symbol).why_not(order.type.value)
            raise OrderRejectedError(why or f"{order.type.label} is not offered", venue=self.venue)
        result = await self._order_call(
            self.rest.create_order,
            str(order.symbol),
            ccxt_type,
            order.side.value,
            str(order.amount),
            price,
            params,
        )
        return report_from_ccxt(
            result,
            secrets=self._secrets,
            default_status=OrderStatus.OPEN,
            default_symbol=order.symbol,
            client_order_id=order.client_order_id,
            placement=True,
        )

    async def cancel_order(self, order: Order) -> OrderReport | None:
        self.market(order.symbol)
        args: tuple[str | None, str, dict[str, str]]
        if order.venue_order_id:
            args = (str(order.venue_order_id), str(order.symbol), {})
        else:
            args = (None, str(order.symbol), {"clientOrderId": str(order.client_order_id)})
        result = await self._cancel_call(self.rest.cancel_order, *args)
        if not isinstance(result, Mapping) or not result:
            return None
        return report_from_ccxt(
            result,
            secrets=self._secrets,
            default_status=OrderStatus.CANCELED,
            default_symbol=order.symbol,
            client_order_id=order.client_order_id,
        )

    async def cancel_all_orders(self, symbol: Symbol) -> list[OrderReport]:
        self.market(symbol)
        if not self.has_cancel_all:
            reports = []
            args: tuple[str | None, str, dict[str, str]]
            for report in await self.fetch_open_orders(symbol):
                if report.venue_order_id:
                    args = (str(report.venue_order_id), str(symbol), {})
                elif report.client_order_id:
                    args = (None, str(symbol), {"clientOrderId": str(report.client_order_id)})
                else:
                    continue
                result = await self._cancel_call(self.rest.cancel_order, *args)
                if isinstance(result, Mapping) and result:
                    reports.append(
                        report_from_ccxt(
                            result,
                            secrets=self._secrets,
                            default_status=OrderStatus.CANCELED,
                            default_symbol=symbol,
                        )
                    )
            return reports
        result = await self._cancel_call(self.rest.cancel_all_orders, str(symbol))
        out = []
        for item in result or ():
            if not isinstance(item, Mapping):
                continue
            info = item.get("info")
            if item.get("id") is None and isinstance(info, Mapping) and "orderReports" in info:
                # a cancelled order list: ccxt parses it as one order without an id; its
                # orders are in the list's orderReports
                out.extend(
                    list_reports(self.rest, info, str(symbol), self._secrets, OrderStatus.CANCELED)
                )
                continue
            out.append(
                report_from_ccxt(
                    item,
                    secrets=self._secrets,
                    default_status=OrderStatus.CANCELED,
                    default_symbol=symbol,
                )
            )
        return out

    async def edit_order(
        self,
        order: Order,
        amount: Decimal,
        price: Decimal | None,
        new_client_order_id: ClientOrderId | None = None,
        trigger: Decimal | None = None,
    ) -> OrderReport:
        """Amend through ccxt's edit_order. On Binance spot that is a cancel-replace
        (POST /api/v3/order/cancelReplace, STOP_ON_FAILURE): `new_client_order_id`, which
        the caller journaled first, becomes the replacement's newClientOrderId so an
        unknown outcome can be settled by querying it. A waiting stop or take-profit is
        replaced with its Binance type and `stopPrice` = `trigger` (ccxt's spot edit
        passes both through). Never retried."""
        if not self.has_edit_order:
            raise OrderRejectedError(
                f"{self.venue} cannot edit orders; cancel and place anew", venue=self.venue
            )
        params: dict[str, Any] = {}
        kind = order.type.value
        if order.type.is_conditional:
            binance_type = _BINANCE_CONDITIONAL.get(order.type)
            if self.info.ccxt_id != "binance" or binance_type is None or trigger is None:
                raise OrderRejectedError(
                    f"{self.venue} cannot amend a {order.type.label} order here; "
                    "cancel it and place a new one",
                    venue=self.venue,
                )
            kind = binance_type
            params["stopPrice"] = str(trigger)
        if new_client_order_id is not None:
            params["newClientOrderId"] = str(new_client_order_id)
        if order.venue_order_id:
            order_id: str | None = str(order.venue_order_id)
        elif self.info.ccxt_id == "binance":
            order_id = None  # Binance cancels by the original client id just as well
            params["cancelOrigClientOrderId"] = str(order.client_order_id)
        else:
            raise OrderRejectedError("the order has no venue id yet", venue=self.venue)
        result = await self._order_call(
            self.rest.edit_order,
            order_id,
            str(order.symbol),
            kind,
            order.side.value,
            str(amount),
            None if price is None else str(price),
            params,
        )
        # the client id is read from the reply: a venue may ignore the one we chose
        return report_from_ccxt(
            result,
            secrets=self._secrets,
            default_status=OrderStatus.OPEN,
            default_symbol=order.symbol,
            placement=True,
        )

    async def fetch_order(self, client_order_id: ClientOrderId, symbol: Symbol) -> OrderReport:
        self.market(symbol)
        result = await self.read(
            self.rest.fetch_order, None, str(symbol), {"clientOrderId": str(client_order_id)}
        )
        return report_from_ccxt(
            result, secrets=self._secrets, default_symbol=symbol, client_order_id=None
        )

    async def fetch_open_orders(self, symbol: Symbol | None = None) -> list[OrderReport]:
        if symbol:
            self.market(symbol)
        result = await self.read(self.rest.fetch_open_orders, str(symbol) if symbol else None)
        return [
            report_from_ccxt(o, secrets=self._secrets, default_symbol=symbol) for o in result or ()
        ]

    async def fetch_my_trades(
        self, symbol: Symbol, since_ms: int | None = None
    ) -> list[FillReport]:
        self.market(symbol)
        result = await self.read(self.rest.fetch_my_trades, str(symbol), since_ms)
        fills = []
        for t in result or ():
            f = fill_from_ccxt(t, default_symbol=symbol)
            if f is not None:
                fills.append(f)
        return fills

    async def fetch_balances(self) -> Balances:
        result = await self.read(self.rest.fetch_balance)
        return balances_from_ccxt(result)

    # ---- public reads used by feeds (ccxt structures; mapped by the caller) -------------------
    async def fetch_order_book_raw(self, symbol: str, limit: int | None = None) -> dict:
        self.market(symbol)
        return await self.read(self.rest.fetch_order_book, symbol, limit)

    async def fetch_ohlcv_raw(
        self, symbol: str, timeframe: str, since: int | None = None, limit: int | None = None
    ) -> list:
        self.market(symbol)
        return await self.read(self.rest.fetch_ohlcv, symbol, timeframe, since, limit)

    async def fetch_trades_raw(self, symbol: str, limit: int | None = None) -> list:
        self.market(symbol)
        return await self.read(self.rest.fetch_trades, symbol, None, limit)

    async def fetch_ticker_raw(self, symbol: str) -> dict:
        self.market(symbol)
        return await self.read(self.rest.fetch_ticker, symbol)
