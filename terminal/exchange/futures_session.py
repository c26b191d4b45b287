"""A perpetual-futures session of a venue: positions, leverage, margin and position mode,
funding, and futures order params, on top of `VenueSession`.

Spot and perpetual of one venue are two sessions (`SessionKey.market`): this one loads
only the linear perpetual markets and sends every order with the futures params
(`futures_params`): hedge mode is read at connect and after every switch, so an order
carries the venue's position side without the caller naming it.

Leverage, margin mode and position mode are settings, not orders: setting one twice is
harmless, so their calls go through `read` (transient failures retried); a refusal
(Binance -4028 invalid leverage, -4047/-4048 open orders or a position, ...) is one line
naming what was asked, followed by the venue's words and code.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Iterable, Mapping
from decimal import Decimal
from typing import Any, TypeVar

from terminal.core.errors import OrderRejectedError
from terminal.domain.ids import Symbol
from terminal.domain.order import Order, OrderStatus
from terminal.domain.position import (
    FundingInfo,
    IncomeEntry,
    LeverageTier,
    MarginAccount,
    MarginMode,
    MarginSettings,
    Position,
    PositionMode,
)
from terminal.domain.reports import OrderReport
from terminal.domain.session import MarketType

from .futures_mapping import (
    FuturesMappingError,
    account_from_ccxt,
    funding_from_ccxt,
    income_from_binance,
    margin_mode_from_ccxt,
    position_from_ccxt,
    position_mode_from_ccxt,
    tiers_from_ccxt,
)
from .futures_params import BINANCE_FAMILY, futures_params
from .mapping import report_from_ccxt
from .session import VenueSession

log = logging.getLogger(__name__)
T = TypeVar("T")
MAX_LEVERAGE = 200  # no venue offers more; anything above is a typo


class FuturesSession(VenueSession):
    """A connected perpetual-futures session (ExchangePort plus the futures calls)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs["market"] = MarketType.PERP
        super().__init__(*args, **kwargs)
        self.position_mode: PositionMode | None = None  # None: the venue cannot say

    async def connect(self) -> None:
        await super().connect()
        if (self.rest.has or {}).get("fetchPositionMode"):
            try:
                self.position_mode = await self.fetch_position_mode()
            except Exception as exc:
                log.info("%s: position mode not read: %s", self.key.label, exc)

    @property
    def hedged(self) -> bool:
        return self.position_mode is PositionMode.HEDGE

    def extra_order_params(self, order: Order) -> dict[str, Any]:
        return futures_params(order, self.info.ccxt_id, self.hedged, self.venue)

    async def _setting(
        self, what: str, fn: Callable[..., Awaitable[T]], *args: Any, **kwargs: Any
    ) -> T:
        try:
            return await self.read(fn, *args, **kwargs)
        except OrderRejectedError as err:
            raise OrderRejectedError(
                f"{what} refused by {self.venue}: {err}", venue=self.venue
            ) from None

    def _mapping_fault(self, exc: FuturesMappingError) -> OrderRejectedError:
        self.health.record_bad_data(str(exc))
        return OrderRejectedError(
            f"{self.venue} sent an unreadable answer: {exc}", venue=self.venue
        )

    # ---- orders: conditional ones live apart on Binance USDⓈ-M (algo orders) ----------------
    def _kind_params(self, symbol: Symbol | None) -> dict[str, Any]:
        # without a symbol ccxt's binance asks the spot API whatever its default type says
        # (the method passes 'spot' as its own default), so the type is named
        if symbol:
            return {}
        return {"type": "future" if self.info.ccxt_id in BINANCE_FAMILY else "swap"}

    async def fetch_open_orders(self, symbol: Symbol | None = None) -> list[OrderReport]:
        """Open orders of one symbol, or of every perpetual, the waiting conditional
        (algo) orders included on Binance USDⓈ-M: the emergency stop must see them."""
        if symbol:
            self.market(symbol)
        sym = str(symbol) if symbol else None
        params = self._kind_params(symbol)
        result = list(await self.read(self.rest.fetch_open_orders, sym, None, None, params) or ())
        if self.info.ccxt_id in BINANCE_FAMILY:
            trigger = {**params, "trigger": True}
            result += await self.read(self.rest.fetch_open_orders, sym, None, None, trigger) or ()
        return [report_from_ccxt(o, secrets=self.secrets, default_symbol=symbol) for o in result]

    async def cancel_all_orders(self, symbol: Symbol) -> list[OrderReport]:
        """Every open order of `symbol`, and on Binance USDⓈ-M its waiting conditional
        orders too (a separate cancel-all of the algo service)."""
        reports = await super().cancel_all_orders(symbol)
        if self.info.ccxt_id in BINANCE_FAMILY:
            await self._cancel_call(self.rest.cancel_all_orders, str(symbol), {"trigger": True})
        return reports

    async def cancel_order(self, order: Order) -> OrderReport | None:
        """A conditional order is cancelled on the algo service where it waits."""
        if not (order.type.is_conditional and self.info.ccxt_id in BINANCE_FAMILY):
            return await super().cancel_order(order)
        self.market(order.symbol)
        args: tuple[str | None, str, dict[str, Any]]
        if order.venue_order_id:
            args = (str(order.venue_order_id), str(order.symbol), {"trigger": True})
        else:
            args = (
                None,
                str(order.symbol),
                {"trigger": True, "clientAlgoId": str(order.client_order_id)},
            )
        result = await self._cancel_call(self.rest.cancel_order, *args)
        if not isinstance(result, Mapping) or not result:
            return None
        return report_from_ccxt(
            result,
            secrets=self.secrets,
            default_status=OrderStatus.CANCELED,
            default_symbol=order.symbol,
            client_order_id=order.client_order_id,
        )

    # ---- positions -----------------------------------------------------------------------
    async def fetch_positions(self, symbols: Iterable[str] | None = None) -> list[Position]:
        wanted = [str(self.market(s).symbol) for s in symbols] if symbols else None
        rows = await self.read(self.rest.fetch_positions, wanted)
        levers: dict[str, Decimal] = {}
        if any(r.get("leverage") is None for r in rows or ()) and (self.rest.has or {}).get(
            "fetchLeverages"
        ):
            for sym, lev in (await self.read(self.rest.fetch_leverages, wanted)).items():
                value = lev.get("longLeverage") or lev.get("shortLeverage")
                if value is not None:
                    levers[sym] = Decimal(str(value))
        out = []
        for row in rows or ():
            try:
                pos = position_from_ccxt(row, leverage=levers.get(str(row.get("symbol"))))
            except FuturesMappingError as exc:
                raise self._mapping_fault(exc) from None
            if pos is not None and pos.symbol in self.markets:
                out.append(pos)
        return out

    async def fetch_margin_account(self) -> MarginAccount:
        return account_from_ccxt(await self.read(self.rest.fetch_balance))

    # ---- settings ------------------------------------------------------------------------
    async def fetch_position_mode(self) -> PositionMode:
        raw = await self.read(self.rest.fetch_position_mode)
        self.position_mode = position_mode_from_ccxt(raw)
        return self.position_mode

    async def set_position_mode(self, mode: PositionMode) -> None:
        """Switch one-way/hedge for the whole account (the venue refuses while a position
        or an open order exists)."""
        if self.position_mode is mode:
            return
        await self._setting(
            f"position mode {mode.value}", self.rest.set_position_mode, mode is PositionMode.HEDGE
        )
        self.position_mode = mode

    async def fetch_margin_settings(self, symbol: str) -> MarginSettings:
        sym = self.market(symbol).symbol
        lev = await self.read(self.rest.fetch_leverage, str(sym))
        value = lev.get("longLeverage") or lev.get("shortLeverage")
        mode = margin_mode_from_ccxt(lev.get("marginMode"))
        if mode is None and (self.rest.has or {}).get("fetchMarginMode"):
            mode = margin_mode_from_ccxt(
                (await self.read(self.rest.fetch_margin_mode, str(sym))).get("marginMode")
            )
        return MarginSettings(sym, Decimal(str(value)) if value is not None else None, mode)

    async def set_leverage(self, symbol: str, leverage: int) -> None:
        sym = self.market(symbol).symbol
        if isinstance(leverage, bool) or not isinstance(leverage, int):
            raise OrderRejectedError(f"leverage must be a whole number, not {leverage!r}")
        if not 1 <= leverage <= MAX_LEVERAGE:
            raise OrderRejectedError(f"leverage {leverage}x is outside 1-{MAX_LEVERAGE}x")
        await self._setting(
            f"leverage {leverage}x for {sym}", self.rest.set_leverage, leverage, str(sym)
        )

    async def set_margin_mode(self, symbol: str, mode: MarginMode) -> None:
        sym = self.market(symbol).symbol
        current = await self.fetch_margin_settings(str(sym))
        if current.margin_mode is mode:
            return
        await self._setting(
            f"{mode.value} margin for {sym}", self.rest.set_margin_mode, mode.value, str(sym)
        )

    # ---- prices and brackets -----------------------------------------------------------------
    async def fetch_funding(self, symbol: str) -> FundingInfo:
        sym = self.market(symbol).symbol
        raw = await self.read(self.rest.fetch_funding_rate, str(sym))
        try:
            return funding_from_ccxt(raw, str(sym))
        except FuturesMappingError as exc:
            raise self._mapping_fault(exc) from None

    async def fetch_leverage_tiers(self, symbol: str) -> list[LeverageTier]:
        sym = self.market(symbol).symbol
        raw = await self.read(self.rest.fetch_leverage_tiers, [str(sym)])
        try:
            return tiers_from_ccxt(list(raw.get(str(sym)) or ()))
        except FuturesMappingError as exc:
            raise self._mapping_fault(exc) from None

    # ---- realised P&L ---------------------------------------------------------------------
    async def fetch_income(self, since_ms: int | None = None) -> list[IncomeEntry]:
        """Every movement of the futures wallet since `since_ms` (realised PnL, fees,
        funding, liquidation clearance, transfers), oldest first, up to 1000 per page."""
        if self.info.ccxt_id not in BINANCE_FAMILY:
            raise OrderRejectedError(
                f"{self.venue}: the income history is read on Binance USDⓈ-M only so far",
                venue=self.venue,
            )
        symbol_of = {m["id"]: m["symbol"] for m in (self.rest.markets or {}).values()}
        out: list[IncomeEntry] = []
        start = since_ms
        for _page in range(50):  # bounded: 50,000 rows
            params: dict[str, Any] = {"limit": 1000}
            if start is not None:
                params["startTime"] = start
            rows = await self.read(self.rest.fapiPrivateGetIncome, params)
            try:
                page = [income_from_binance(r, symbol_of) for r in rows or ()]
            except FuturesMappingError as exc:
                raise self._mapping_fault(exc) from None
            seen = {e.id for e in out}
            out.extend(e for e in page if e.id not in seen)
            if len(rows or ()) < 1000:
                break
            start = max(e.time_ms for e in page)
        return sorted(out, key=lambda e: (e.time_ms, e.id))

    # ---- dead-man's switch ------------------------------------------------------------------
    @property
    def has_cancel_all_after(self) -> bool:
        if self.info.ccxt_id in BINANCE_FAMILY:
            return True  # countdownCancelAll, ccxt's implicit method (not in `has`)
        return bool((self.rest.has or {}).get("cancelAllOrdersAfter"))

    async def cancel_all_orders_after(self, symbol: str, ms: int) -> None:
        """Start or renew the venue's countdown after which it cancels the open orders
        (0 switches it off). Binance USDⓈ-M counts per symbol; the others per account.
        A renewal is idempotent, so transient failures are retried like a read."""
        sym = self.market(symbol).symbol
        if ms < 0:
            raise OrderRejectedError(f"a countdown of {ms} ms is not a countdown")
        if self.info.ccxt_id in BINANCE_FAMILY:
            market_id = self.rest.market(str(sym))["id"]
            await self._setting(
                f"cancel-all-after for {sym}",
                self.rest.fapiPrivatePostCountdownCancelAll,
                {"symbol": market_id, "countdownTime": ms},
            )
        elif self.has_cancel_all_after:
            await self._setting("cancel-all-after", self.rest.cancel_all_orders_after, ms)
        else:
            raise OrderRejectedError(
                f"{self.venue} has no cancel-all-after: no dead-man's switch here",
                venue=self.venue,
            )

    def __repr__(self) -> str:
        return f"<FuturesSession {self.key.label} connected={self.connected}>"
