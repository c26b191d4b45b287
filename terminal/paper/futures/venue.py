"""The USDⓈ-M futures venue of the paper exchange: settings, order entry and fills.

Contracts trade against the liquidity of the spot book of the same symbol, which doubles
as the index: a taker order walks the spot book's levels (each level offers its quantity
rounded UP to whole contract steps) without consuming them, and a resting limit order
fills in full at its own price once the spot book trades through it. Futures orders never
change the spot book or the spot balances. Positions, margins and PnL follow Binance's
formulas (see ``risk``); conditional orders are in ``algos`` and timed work (triggers,
funding, liquidation, countdowns) in ``lifecycle``, which drive this venue (it knows
neither).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from decimal import Decimal

from ..book import Book
from ..errors import ApiError
from .accounts import FuturesAccount, Income, Position
from .contracts import Contract
from .entry import OrderEntry
from .forders import FOrder
from .margin import Margin
from .risk import ZERO, funding_rate, q8

Clock = Callable[[], int]
FUNDING_HOURS = 8
UNKNOWN_ORDER = ApiError(-2011, "Unknown order sent.")
NO_ORDER = ApiError(-2013, "Order does not exist.")


class FuturesVenue(OrderEntry):
    def __init__(
        self,
        contracts: list[Contract],
        books: dict[str, Book],
        clock: Clock,
        starting_wallet: Decimal,
        maker_fee: Decimal = Decimal("0.0002"),
        taker_fee: Decimal = Decimal("0.0005"),
        funding_speed: float = 1.0,
    ) -> None:
        self.contracts = {c.symbol: c for c in contracts}
        self.books = books
        self.clock = clock
        self.starting_wallet = starting_wallet
        self.maker_fee, self.taker_fee = maker_fee, taker_fee
        self.accounts: dict[str, FuturesAccount] = {}
        self.orders: dict[str, dict[int, FOrder]] = {}  # account -> order id -> order
        self.algos: dict[str, dict[int, FOrder]] = {}  # account -> algo id -> order
        self.trades: dict[str, list[dict[str, object]]] = {}
        self.premium: dict[str, Decimal] = {s: ZERO for s in self.contracts}
        self._next_order = 1
        self._next_algo = 1
        self._next_trade = 1
        self._next_tran = 1
        self.margin = Margin(self)
        # funding every 8 hours of simulated time; the simulated clock runs funding_speed
        # times faster than the exchange clock (1 = Binance's 00:00/08:00/16:00 UTC)
        self.funding_period_ms = max(1, int(FUNDING_HOURS * 3_600_000 / funding_speed))
        self._next_funding = 0
        self.listen_keys: dict[str, str] = {}  # account -> user-data stream listenKey
        self.funding_history: dict[str, list[tuple[int, Decimal, Decimal]]] = {
            s: [] for s in self.contracts
        }
        # listeners: ORDER_TRADE_UPDATE payloads, ALGO_UPDATE payloads, ACCOUNT_UPDATEs
        self.on_order: list[Callable[[str, dict[str, object]], None]] = []
        self.on_algo: list[Callable[[str, FOrder], None]] = []
        self.on_account: list[Callable[[str, str, list[Position]], None]] = []

    # --- lookups ------------------------------------------------------------------------
    def account(self, key: str) -> FuturesAccount:
        a = self.accounts.get(key)
        if a is None:
            a = self.accounts[key] = FuturesAccount(key, self.starting_wallet)
            self.add_income(a, "", "TRANSFER", self.starting_wallet)
            self.orders[key], self.algos[key], self.trades[key] = {}, {}, []
        return a

    def contract(self, symbol: str | None) -> Contract:
        if not symbol:
            raise ApiError(
                -1102, "Mandatory parameter 'symbol' was not sent, was empty/null, or malformed."
            )
        c = self.contracts.get(symbol)
        if c is None:
            raise ApiError(-1121, "Invalid symbol.")
        return c

    def index_price(self, symbol: str) -> Decimal:
        """The spot book's mid (best bid + best ask) / 2."""
        c, book = self.contracts[symbol], self.books[symbol]
        b, a = book.bids.best(), book.asks.best()
        ticks = Decimal(b + a) / 2 if b and a else Decimal(b or a or 0)
        return ticks.scaleb(-c.price_decimals)

    def mark_price(self, symbol: str) -> Decimal:
        """Index x (1 + premium); the premium is 0 unless set over the control API."""
        return q8(self.index_price(symbol) * (1 + self.premium[symbol]))

    def next_funding_time(self, now: int | None = None) -> int:
        now = self.clock() if now is None else now
        return (now // self.funding_period_ms + 1) * self.funding_period_ms

    def funding_rate(self, symbol: str) -> Decimal:
        return funding_rate(self.mark_price(symbol), self.index_price(symbol))

    def add_income(
        self,
        a: FuturesAccount,
        symbol: str,
        kind: str,
        amount: Decimal,
        trade_id: str = "",
        at: int | None = None,
    ) -> None:
        a.income.append(
            Income(
                self._next_tran, symbol, kind, amount, self.clock() if at is None else at, trade_id
            )
        )
        self._next_tran += 1

    def open_orders(self, key: str, symbol: str | None = None) -> list[FOrder]:
        return [
            o
            for o in self.orders.get(key, {}).values()
            if o.is_open and (symbol is None or o.symbol == symbol)
        ]

    def open_algos(self, key: str, symbol: str | None = None) -> list[FOrder]:
        return [
            o
            for o in self.algos.get(key, {}).values()
            if o.algo_status == "NEW" and (symbol is None or o.symbol == symbol)
        ]

    # --- settings -----------------------------------------------------------------------
    def set_leverage(self, key: str, symbol: str | None, text: str | None) -> dict[str, object]:
        a, c = self.account(key), self.contract(symbol)
        try:
            lev = int(text or "")
        except ValueError:
            raise ApiError(
                -1102, "Mandatory parameter 'leverage' was not sent, was empty/null, or malformed."
            ) from None
        if lev < 1 or lev > c.max_leverage:
            raise ApiError(-4028, f"Leverage {lev} is not valid")
        notional = sum(
            (abs(p.amount) * self.mark_price(c.symbol) for p in a.open_positions(c.symbol)), ZERO
        )
        if notional > c.max_notional_at(lev):
            raise ApiError(-2027, "Exceeded the maximum allowable position at current leverage.")
        a.config(c.symbol).leverage = lev
        return {
            "leverage": lev,
            "maxNotionalValue": str(int(c.max_notional_at(lev))),
            "symbol": c.symbol,
        }

    def set_margin_type(self, key: str, symbol: str | None, text: str | None) -> None:
        a, c = self.account(key), self.contract(symbol)
        mt = (text or "").upper()
        if mt not in ("ISOLATED", "CROSSED"):
            raise ApiError(-1130, "Data sent for parameter 'marginType' is not valid.")
        cfg = a.config(c.symbol)
        if cfg.isolated == (mt == "ISOLATED"):
            raise ApiError(-4046, "No need to change margin type.")
        if self.open_orders(key, c.symbol) or self.open_algos(key, c.symbol):
            raise ApiError(-4047, "Margin type cannot be changed if there exists open orders.")
        if a.open_positions(c.symbol):
            raise ApiError(-4048, "Margin type cannot be changed if there exists position.")
        cfg.isolated = mt == "ISOLATED"

    def set_dual(self, key: str, text: str | None) -> None:
        a = self.account(key)
        v = (text or "").lower()
        if v not in ("true", "false"):
            raise ApiError(
                -1102,
                "Mandatory parameter 'dualSidePosition' was not sent, was "
                "empty/null, or malformed.",
            )
        if a.dual_side == (v == "true"):
            raise ApiError(-4059, "No need to change position side.")
        if self.open_orders(key) or self.open_algos(key):
            raise ApiError(-4067, "Position side cannot be changed if there exists open orders.")
        if a.open_positions():
            raise ApiError(-4068, "Position side cannot be changed if there exists position.")
        a.dual_side = v == "true"

    # --- order entry (the checks are in ``entry``) -----------------------------------------
    def place(self, key: str, p: Mapping[str, str]) -> FOrder:
        """POST /fapi/v1/order: LIMIT or MARKET."""
        o = self.parse_order(key, p, algo=False)
        self._check_unique(key, o.client_id)
        self.admit(o)
        o.order_id = self._next_order
        self._next_order += 1
        self.orders[key][o.order_id] = o
        self.emit(o, "NEW")
        self.work(o)
        return o

    def _check_unique(self, key: str, cid: str) -> None:
        if any(x.client_id == cid and x.is_open for x in self.orders.get(key, {}).values()):
            raise ApiError(-4116, "clientOrderId is duplicated")

    def work(self, o: FOrder) -> None:
        """Execute a working order: take what the book offers, then rest (GTC/GTX) or
        expire the rest."""
        if o.close_position:
            o.orig_qty = self.reducible(o)
        if self.reduces(o):
            o.orig_qty = min(o.orig_qty, self.reducible(o)) if o.executed == 0 else o.orig_qty
        limit = o.price if o.type == "LIMIT" else None
        if o.type == "LIMIT" and o.tif == "FOK":
            got = sum((q for _, q in self.levels(o, o.remaining, limit)), ZERO)
            if got < o.remaining:
                self.finish(o, "EXPIRED")
                return
        for price, qty in self.levels(o, o.remaining, limit):
            self.fill(o, qty, price, maker=False)
        if o.remaining and (o.type != "LIMIT" or o.tif in ("IOC", "FOK")):
            self.finish(o, "EXPIRED")

    def fill(self, o: FOrder, qty: Decimal, price: Decimal, maker: bool) -> None:
        a = self.account(o.account)
        cfg = a.config(o.symbol)
        if self.reduces(o):
            qty = min(qty, self.reducible(o))
            if not qty:
                return
        pos = self.position_of(o)
        now = self.clock()
        realized, _ = pos.apply_fill(qty if o.is_buy else -qty, price, cfg.leverage, cfg.isolated)
        pos.update_time = now
        fee = q8(qty * price * (self.maker_fee if maker else self.taker_fee))
        a.wallet += realized - fee
        tid = self._next_trade
        self._next_trade += 1
        if realized:
            self.add_income(a, o.symbol, "REALIZED_PNL", realized, str(tid))
        self.add_income(a, o.symbol, "COMMISSION", -fee, str(tid))
        o.executed += qty
        o.cum_quote += qty * price
        o.status = "FILLED" if o.executed >= o.orig_qty else "PARTIALLY_FILLED"
        o.update_time = now
        self.trades[o.account].append(
            {
                "symbol": o.symbol,
                "id": tid,
                "orderId": o.order_id,
                "side": o.side,
                "price": f"{price:f}",
                "qty": f"{qty:f}",
                "realizedPnl": f"{q8(realized):f}",
                "quoteQty": f"{q8(qty * price):f}",
                "commission": f"{fee:f}",
                "commissionAsset": "USDT",
                "time": now,
                "positionSide": o.position_side,
                "buyer": o.is_buy,
                "maker": maker,
            }
        )
        payload = o.trade_update(
            "CALCULATED" if o.type == "LIQUIDATION" else "TRADE",
            qty,
            price,
            fee,
            tid,
            maker,
            realized,
            now,
        )
        for cb in self.on_order:
            cb(o.account, payload)
        self.account_update(o.account, "ORDER", [pos])

    def finish(self, o: FOrder, status: str) -> None:
        o.status = status
        o.update_time = self.clock()
        self.emit(o, status)

    def emit(self, o: FOrder, exec_type: str) -> None:
        payload = o.trade_update(exec_type, now=o.update_time or self.clock())
        for cb in self.on_order:
            cb(o.account, payload)

    def account_update(self, key: str, reason: str, positions: list[Position]) -> None:
        for cb in self.on_account:
            cb(key, reason, positions)

    # --- cancel -------------------------------------------------------------------------
    def find(self, key: str, p: Mapping[str, str]) -> FOrder:
        c = self.contract(p.get("symbol"))
        self.account(key)
        orders = self.orders[key]
        oid, cid = p.get("orderId"), p.get("origClientOrderId")
        if oid:
            try:
                o = orders.get(int(oid))
            except ValueError:
                raise ApiError(
                    -1100,
                    "Illegal characters found in parameter 'orderId'; "
                    "legal range is '^[0-9]{1,20}$'.",
                ) from None
        elif cid:
            o = next(
                (
                    x
                    for x in sorted(orders.values(), key=lambda x: -x.order_id)
                    if x.client_id == cid
                ),
                None,
            )
        else:
            raise ApiError(
                -1102,
                "Param 'origClientOrderId' or 'orderId' must be sent, but both were empty/null!",
            )
        if o is None or o.symbol != c.symbol:
            raise NO_ORDER
        return o

    def cancel(self, key: str, p: Mapping[str, str]) -> FOrder:
        try:
            o = self.find(key, p)
        except ApiError as e:
            raise UNKNOWN_ORDER if e.code == -2013 else e from None
        if not o.is_open:
            raise UNKNOWN_ORDER
        self.finish(o, "CANCELED")
        return o

    def cancel_all(self, key: str, symbol: str | None) -> int:
        c = self.contract(symbol)
        victims = self.open_orders(key, c.symbol)
        for o in victims:
            self.finish(o, "CANCELED")
        return len(victims)
