"""The paper-on-live session: a venue session whose public data is live and whose orders,
balances and fills are local (implements terminal.core.ports.ExchangePort).

It is a `VenueSession` for everything public (markets, clock, book, trades and candles
through the same ccxt.pro path as a live session, and the feed hub's loops on it) with
public-only ccxt clients (`guard`), and a `LocalVenue` for everything private. Its
private streams (orders, own trades, balances) are served by the session itself: the
feed hub asks `local_private` instead of subscribing to the venue.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping
from decimal import Decimal
from pathlib import Path
from typing import Any

from terminal.core.errors import OrderRejectedError, VenueUnavailableError
from terminal.core.health import VenueHealthTracker
from terminal.core.marketstate import FeedKey, FeedKind
from terminal.core.policy import SystemClock
from terminal.core.supervision import TaskOwner
from terminal.domain.capabilities import OrderCapabilities
from terminal.domain.enums import OrderType, VenueMode
from terminal.domain.ids import AccountLabel, ClientOrderId, Symbol, VenueId
from terminal.domain.marketdata import Balances, Trade
from terminal.domain.order import Order
from terminal.domain.reports import FillReport, OrderReport
from terminal.domain.session import MarketType, SessionKey
from terminal.exchange.catalogue import VenueInfo
from terminal.exchange.clients import PaperEndpoint, build_client
from terminal.exchange.feeds import FeedHub, Subscription
from terminal.exchange.frameguard import guard_frames
from terminal.exchange.session import VenueSession

from .guard import make_public_only
from .venue import LocalVenue

# the balances of a paper-on-live account that was never given any
DEFAULT_BALANCES: Mapping[str, Decimal] = {"USDT": Decimal(10_000)}
PRIVATE_QUEUE = 10_000  # events kept for a private stream that is slow to read them
NO_LIST = "paper on live keeps linked orders in the terminal (no venue-held lists)"
CAPABILITIES = OrderCapabilities(
    order_types=(
        OrderType.MARKET,
        OrderType.LIMIT,
        OrderType.STOP_MARKET,
        OrderType.STOP_LIMIT,
        OrderType.TAKE_PROFIT_MARKET,
        OrderType.TAKE_PROFIT_LIMIT,
    ),
    missing={
        "trailing": "paper on live has no trailing stops",
        "oco": NO_LIST,
        "bracket": NO_LIST,
        "reduce_only": "reduce-only is for perpetual futures",
    },
)


def data_mode_of(info: VenueInfo) -> VenueMode:
    """Where a paper-on-live session of `info` takes its public data: the live venue, or
    the paper exchange for a venue that points at it."""
    if VenueMode.LIVE in info.modes:
        return VenueMode.LIVE
    if info.points_at_paper:
        return VenueMode.PAPER
    raise ValueError(f"{info.id} has no live market data to paper-trade on")


class LivePaperSession(VenueSession):
    """Paper trading on `info`'s live data, in its own session (mode PAPER_LIVE)."""

    serves_private_locally = True

    def __init__(
        self,
        info: VenueInfo,
        mode: VenueMode = VenueMode.PAPER_LIVE,
        account: AccountLabel | str = "default",
        *,
        hub: FeedHub | None = None,
        balances: Mapping[str, Decimal] | None = None,
        reset: bool = False,
        data_dir: Path | None = None,
        credentials: Mapping[str, str] | None = None,
        paper: PaperEndpoint | None = None,
        clock: Any = None,
        policy: Any = None,
        health: VenueHealthTracker | None = None,
        options: Any = None,
        market: MarketType = MarketType.SPOT,
    ) -> None:
        if mode is not VenueMode.PAPER_LIVE:
            raise ValueError(f"a paper-on-live session has mode paper-live, not {mode.value}")
        if market is not MarketType.SPOT:
            raise ValueError(f"{info.id}: paper on live trades spot markets only")
        if credentials and any(credentials.values()):
            raise ValueError(f"{info.id}: paper on live takes no API keys")
        data_mode = data_mode_of(info)
        key = SessionKey(VenueId(info.id), VenueMode.PAPER_LIVE, AccountLabel(account))
        clock = clock or SystemClock()
        super().__init__(
            info,
            data_mode,
            account,
            credentials={"apiKey": ""},  # not the paper exchange's account keys either
            paper=paper,
            clock=clock,
            policy=policy,
            health=health or VenueHealthTracker(key, clock),
            options=options,
        )
        self.data_mode = data_mode
        self.mode = VenueMode.PAPER_LIVE
        self.key = key
        self._credentials = {}
        self._secrets = ()
        self._owner = TaskOwner(f"session:{key.label}")
        self._hub = hub
        self._start_balances = dict(DEFAULT_BALANCES if balances is None else balances)
        self._reset = reset
        self._data_dir = data_dir
        self._local: LocalVenue | None = None
        self._watching: dict[Symbol, list[Subscription]] = {}
        self._watch_start_ms: dict[Symbol, int] = {}
        self._queues: dict[FeedKind, asyncio.Queue[Any]] = {}
        self._listening = False

    # ---- public-only clients -----------------------------------------------------------
    def _new_instance(self, pro: bool) -> Any:
        inst = build_client(
            self.info,
            self.data_mode,
            self._config(),
            paper=self._paper,
            pro=pro,
            market=self.market_type,
        )
        make_public_only(inst, self.venue)  # before anything wraps its methods
        if self._rest is not None and "timeDifference" in self._rest.options:
            inst.options["timeDifference"] = self._rest.options["timeDifference"]
        self._time_http(inst)
        if pro:
            guard_frames(inst, self.health.record_bad_data, lambda text: text)
        return inst

    @property
    def has_credentials(self) -> bool:
        return False

    # ---- lifecycle ---------------------------------------------------------------------
    async def connect(self) -> None:
        if self.connected:
            return
        await super().connect()
        if self._local is None:
            self._local = await asyncio.to_thread(self._open_local)
            self._local.on_order.append(lambda r: self._push(FeedKind.ORDERS, r))
            self._local.on_fill.append(lambda f: self._push(FeedKind.MY_TRADES, f))
            self._local.on_balances.append(lambda b: self._push(FeedKind.BALANCE, b))

    def _open_local(self) -> LocalVenue:
        return LocalVenue(
            self.venue,
            self._markets,
            self._venue_ms,
            balances=self._start_balances,
            reset=self._reset,
            data_dir=self._data_dir,
        )

    async def close(self) -> None:
        for subs in self._watching.values():
            for sub in subs:
                sub.close()
        self._watching.clear()
        if self._hub is not None and self._listening:
            self._hub.state.updated.remove(self._book_updated)
            self._hub.state.trades_added.remove(self._trades_added)
            self._listening = False
        await super().close()
        if self._local is not None:
            self._local.close()

    @property
    def local(self) -> LocalVenue:
        if self._local is None:
            raise VenueUnavailableError(f"{self.key.label} is not connected", venue=self.venue)
        return self._local

    def _venue_ms(self) -> int:
        return int(time.time() * 1000 + (self.clock_offset_ms or 0.0))

    # ---- live market data into the local venue -----------------------------------------
    async def watch(self, symbol: str) -> None:
        """Feed `symbol`'s live book and trades to the local venue; waits (bounded) for
        the first book, without which no order could be matched."""
        sym = Symbol(symbol)
        hub = self._hub
        if hub is None:
            raise VenueUnavailableError(
                f"{self.key.label}: no live market data attached", venue=self.venue
            )
        if not self._listening:
            hub.state.updated.add(self._book_updated)
            hub.state.trades_added.add(self._trades_added)
            self._listening = True
        if sym not in self._watching:
            self._watch_start_ms[sym] = self._venue_ms()
            self._watching[sym] = [
                hub.subscribe(FeedKey(self.venue, self.mode, FeedKind.TRADES, sym)),
                hub.subscribe(FeedKey(self.venue, self.mode, FeedKind.BOOK, sym)),
            ]
        book_key = FeedKey(self.venue, self.mode, FeedKind.BOOK, sym)
        deadline = time.monotonic() + self.options.timeout_ms / 1000
        while hub.state.book_view(book_key, 1) is None:
            if time.monotonic() > deadline:
                raise OrderRejectedError(
                    f"{self.venue} paper on live: no live order book of {symbol} yet; "
                    "nothing was placed",
                    venue=self.venue,
                )
            await asyncio.sleep(0.05)
        view = hub.state.book_view(book_key, 10_000)
        if view is not None:
            self.local.sync_book(sym, view.bids, view.asks)

    def _book_updated(self, key: FeedKey) -> None:
        if (
            key.kind is FeedKind.BOOK
            and key.mode is self.mode
            and key.venue == self.venue
            and key.symbol in self._watching
            and self._hub is not None
            and self._local is not None
        ):
            view = self._hub.state.book_view(key, 10_000)
            if view is not None:
                self._local.sync_book(key.need_symbol(), view.bids, view.asks)

    def _trades_added(self, item: tuple[FeedKey, list[Trade]]) -> None:
        key, trades = item
        if (
            key.kind is FeedKind.TRADES
            and key.mode is self.mode
            and key.venue == self.venue
            and key.symbol in self._watching
            and self._local is not None
        ):
            since = self._watch_start_ms[key.need_symbol()]
            fresh = [t for t in trades if t.timestamp_ms >= since]  # no back-filled trades
            if fresh:
                self._local.live_trades(key.need_symbol(), fresh)

    # ---- private streams, served here ----------------------------------------------------
    def _push(self, kind: FeedKind, item: Any) -> None:
        queue = self._queues.get(kind)
        if queue is None:
            return  # nobody listens: the reconciliation snapshot covers it
        if queue.full():
            queue.get_nowait()
        queue.put_nowait(item)

    async def local_private(self, kind: FeedKind) -> list[Any]:
        """The next private events of `kind` (order reports, fills, or balances)."""
        queue = self._queues.setdefault(kind, asyncio.Queue(PRIVATE_QUEUE))
        items = [await queue.get()]
        while not queue.empty():
            items.append(queue.get_nowait())
        return items

    # ---- ExchangePort, local -------------------------------------------------------------
    @property
    def has_cancel_all(self) -> bool:
        return True

    @property
    def has_edit_order(self) -> bool:
        return False

    def capabilities(self, symbol: str) -> OrderCapabilities:
        return CAPABILITIES

    async def create_order(self, order: Order) -> OrderReport:
        self.market(order.symbol)
        await self.watch(order.symbol)
        return self.local.place(order)

    async def cancel_order(self, order: Order) -> OrderReport | None:
        self.market(order.symbol)
        return self.local.cancel(order.client_order_id, order.symbol)

    async def cancel_all_orders(self, symbol: Symbol) -> list[OrderReport]:
        self.market(symbol)
        return self.local.cancel_all(symbol)

    async def edit_order(
        self,
        order: Order,
        amount: Decimal,
        price: Decimal | None,
        new_client_order_id: ClientOrderId | None = None,
        trigger: Decimal | None = None,
    ) -> OrderReport:
        raise OrderRejectedError(
            f"{self.venue} paper on live cannot edit orders; cancel and place anew",
            venue=self.venue,
        )

    async def fetch_order(self, client_order_id: ClientOrderId, symbol: Symbol) -> OrderReport:
        self.market(symbol)
        return self.local.query(client_order_id, symbol)

    async def fetch_open_orders(self, symbol: Symbol | None = None) -> list[OrderReport]:
        if symbol:
            self.market(symbol)
        return self.local.open_orders(symbol)

    async def fetch_my_trades(
        self, symbol: Symbol, since_ms: int | None = None
    ) -> list[FillReport]:
        self.market(symbol)
        return self.local.fills(symbol, since_ms)

    async def fetch_balances(self) -> Balances:
        return self.local.balances()

    async def cancel_order_list(
        self, symbol: Symbol, venue_list_id: str | None, list_client_id: str | None = None
    ) -> list[OrderReport]:
        raise OrderRejectedError(NO_LIST, venue=self.venue)

    def __repr__(self) -> str:
        return f"<LivePaperSession {self.key.label} connected={self.connected}>"
