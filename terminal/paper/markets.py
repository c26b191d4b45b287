"""The listed markets, their filters, and exact conversion between strings and integer units.

Prices live in the engine as integer ticks and quantities as integer steps (ticks and steps
are powers of ten), so the matching path never touches float. Parsing goes through Decimal
from the request's string; formatting uses Binance's fixed 8-decimal style.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from .errors import PRECISION, ApiError, filter_failure, illegal_param

WIRE_DECIMALS = 8  # Binance prints prices and quantities with 8 decimals.
# TRAILING_DELTA filter, in BIPS (the values Binance lists for its large spot symbols)
MIN_TRAILING_DELTA = 10
MAX_TRAILING_DELTA = 2000
# MAX_NUM_ALGO_ORDERS filter: open conditional orders per account and symbol
MAX_ALGO_ORDERS = 5


@dataclass(frozen=True)
class MarketSpec:
    """One spot market and the parameters the generator uses for it."""

    symbol: str
    base: str
    quote: str
    price_decimals: int  # tick = 10 ** -price_decimals
    qty_decimals: int  # step = 10 ** -qty_decimals
    min_notional: Decimal
    start_price: Decimal
    grid_ticks: int  # spacing of simulated levels, in ticks
    levels: int  # simulated levels per side
    level_qty: Decimal  # typical resting size at the touch
    annual_vol: float
    min_qty_steps: int = 1
    max_qty: Decimal = Decimal(9000)
    _price_cache: dict[int, str] = field(default_factory=dict, compare=False, repr=False)
    _qty_cache: dict[int, str] = field(default_factory=dict, compare=False, repr=False)

    @property
    def tick(self) -> Decimal:
        return Decimal(1).scaleb(-self.price_decimals)

    @property
    def step(self) -> Decimal:
        return Decimal(1).scaleb(-self.qty_decimals)

    @property
    def lower(self) -> str:
        return self.symbol.lower()

    @property
    def unified(self) -> str:
        return f"{self.base}/{self.quote}"

    # --- formatting (fast paths for the stream encoder) ---------------------------------
    def price_str(self, ticks: int) -> str:
        s = self._price_cache.get(ticks)
        if s is None:
            s = _fmt(ticks, self.price_decimals)
            if len(self._price_cache) < 200_000:
                self._price_cache[ticks] = s
        return s

    def qty_str(self, steps: int) -> str:
        s = self._qty_cache.get(steps)
        if s is None:
            s = _fmt(steps, self.qty_decimals)
            if len(self._qty_cache) < 200_000:
                self._qty_cache[steps] = s
        return s

    def notional_str(self, units: int) -> str:
        """Quote amount given in units of tick*step."""
        return format_decimal(self.notional_dec(units))

    def notional_dec(self, units: int) -> Decimal:
        return Decimal(units).scaleb(-(self.price_decimals + self.qty_decimals))

    def price_dec(self, ticks: int) -> Decimal:
        return Decimal(ticks).scaleb(-self.price_decimals)

    def qty_dec(self, steps: int) -> Decimal:
        return Decimal(steps).scaleb(-self.qty_decimals)

    # --- parsing with Binance's rejections ----------------------------------------------
    def parse_price(self, text: str, name: str = "price") -> int:
        d = parse_decimal(text, name)
        if d <= 0:
            raise filter_failure("PRICE_FILTER")
        ticks = d.scaleb(self.price_decimals)
        if ticks != ticks.to_integral_value():
            raise filter_failure("PRICE_FILTER")
        return int(ticks)

    def parse_qty(self, text: str, name: str = "quantity", market: bool = False) -> int:
        d = parse_decimal(text, name)
        steps = d.scaleb(self.qty_decimals)
        if steps != steps.to_integral_value() or steps < self.min_qty_steps or d > self.max_qty:
            raise filter_failure(
                "MARKET_LOT_SIZE" if market and steps == steps.to_integral_value() else "LOT_SIZE"
            )
        return int(steps)

    def check_notional(self, notional_units: int) -> None:
        if self.notional_dec(notional_units) < self.min_notional:
            raise filter_failure("NOTIONAL")

    # --- exchangeInfo -------------------------------------------------------------------
    def exchange_info(self) -> dict[str, object]:
        return {
            "symbol": self.symbol,
            "status": "TRADING",
            "baseAsset": self.base,
            "baseAssetPrecision": 8,
            "quoteAsset": self.quote,
            "quotePrecision": 8,
            "quoteAssetPrecision": 8,
            "baseCommissionPrecision": 8,
            "quoteCommissionPrecision": 8,
            "orderTypes": [
                "LIMIT",
                "LIMIT_MAKER",
                "MARKET",
                "STOP_LOSS",
                "STOP_LOSS_LIMIT",
                "TAKE_PROFIT",
                "TAKE_PROFIT_LIMIT",
            ],
            "icebergAllowed": False,
            "ocoAllowed": True,
            "otoAllowed": True,
            "quoteOrderQtyMarketAllowed": True,
            "allowTrailingStop": True,
            "cancelReplaceAllowed": True,
            "amendAllowed": False,
            "isSpotTradingAllowed": True,
            "isMarginTradingAllowed": False,
            "filters": [
                {
                    "filterType": "PRICE_FILTER",
                    "minPrice": wire(self.tick),
                    "maxPrice": wire(Decimal(1000000)),
                    "tickSize": wire(self.tick),
                },
                {
                    "filterType": "LOT_SIZE",
                    "minQty": wire(self.step * self.min_qty_steps),
                    "maxQty": wire(self.max_qty),
                    "stepSize": wire(self.step),
                },
                {
                    "filterType": "MARKET_LOT_SIZE",
                    "minQty": wire(Decimal(0)),
                    "maxQty": wire(self.max_qty),
                    "stepSize": wire(Decimal(0)),
                },
                {
                    "filterType": "NOTIONAL",
                    "minNotional": wire(self.min_notional),
                    "applyMinToMarket": True,
                    "maxNotional": wire(Decimal(9000000)),
                    "applyMaxToMarket": False,
                    "avgPriceMins": 5,
                },
                {"filterType": "MAX_NUM_ORDERS", "maxNumOrders": 200},
                {"filterType": "MAX_NUM_ALGO_ORDERS", "maxNumAlgoOrders": MAX_ALGO_ORDERS},
                {
                    "filterType": "TRAILING_DELTA",
                    "minTrailingAboveDelta": MIN_TRAILING_DELTA,
                    "maxTrailingAboveDelta": MAX_TRAILING_DELTA,
                    "minTrailingBelowDelta": MIN_TRAILING_DELTA,
                    "maxTrailingBelowDelta": MAX_TRAILING_DELTA,
                },
            ],
            "permissions": [],
            "permissionSets": [["SPOT"]],
            "defaultSelfTradePreventionMode": "NONE",
            "allowedSelfTradePreventionModes": ["NONE"],
        }


def _fmt(units: int, decimals: int) -> str:
    neg = units < 0
    a, b = divmod(-units if neg else units, 10**decimals)
    frac = (
        f"{b:0{decimals}d}" + "0" * (WIRE_DECIMALS - decimals) if decimals else "0" * WIRE_DECIMALS
    )
    return f"{'-' if neg else ''}{a}.{frac}"


def format_decimal(d: Decimal) -> str:
    """Binance-style string: at least 8 decimals, never exponent notation."""
    exponent = d.as_tuple().exponent  # 'n', 'N' or 'F' for NaN and infinity
    q = (
        d.quantize(Decimal(1).scaleb(-WIRE_DECIMALS))
        if isinstance(exponent, int) and exponent >= -WIRE_DECIMALS
        else d
    )
    return f"{q:f}"


def wire(d: Decimal) -> str:
    return format_decimal(d)


def parse_decimal(text: object, name: str) -> Decimal:
    if not isinstance(text, str) or not text or len(text) > 42:
        raise illegal_param(name)
    try:
        d = Decimal(text)
    except InvalidOperation:
        raise illegal_param(name) from None
    if not d.is_finite() or d < 0:
        raise illegal_param(name)
    exponent = d.as_tuple().exponent
    if not isinstance(exponent, int):  # not reached: d is finite
        raise illegal_param(name)
    if -exponent > WIRE_DECIMALS and d != d.quantize(Decimal("1e-8")):
        raise ApiError(-1111, PRECISION)
    return d


def default_markets() -> list[MarketSpec]:
    """BTC/USDT, ETH/USDT, SOL/USDT and ETH/BTC with Binance-like filters."""
    return [
        MarketSpec(
            "BTCUSDT",
            "BTC",
            "USDT",
            2,
            5,
            Decimal(5),
            Decimal(60000),
            grid_ticks=50,
            levels=400,
            level_qty=Decimal("0.08"),
            annual_vol=0.55,
        ),
        MarketSpec(
            "ETHUSDT",
            "ETH",
            "USDT",
            2,
            4,
            Decimal(5),
            Decimal(3000),
            grid_ticks=5,
            levels=400,
            level_qty=Decimal("1.5"),
            annual_vol=0.7,
        ),
        MarketSpec(
            "SOLUSDT",
            "SOL",
            "USDT",
            2,
            3,
            Decimal(5),
            Decimal(150),
            grid_ticks=1,
            levels=300,
            level_qty=Decimal(30),
            annual_vol=0.9,
        ),
        MarketSpec(
            "ETHBTC",
            "ETH",
            "BTC",
            5,
            4,
            Decimal("0.0001"),
            Decimal("0.05"),
            grid_ticks=1,
            levels=300,
            level_qty=Decimal(2),
            annual_vol=0.4,
        ),
    ]


def synthetic_markets(n: int) -> list[MarketSpec]:
    """X01/USDT ... Xnn/USDT: more symbols than the four real-looking ones, each with its
    own price and generator, so that a consumer can subscribe tens of books."""
    return [
        MarketSpec(
            f"X{i:02d}USDT",
            f"X{i:02d}",
            "USDT",
            2,
            3,
            Decimal(5),
            Decimal(20 + 7 * i),
            grid_ticks=1,
            levels=100,
            level_qty=Decimal(40),
            annual_vol=0.8,
        )
        for i in range(1, n + 1)
    ]


def assets_of(markets: list[MarketSpec]) -> list[str]:
    seen: dict[str, None] = {}
    for m in markets:
        seen[m.base] = None
        seen[m.quote] = None
    return list(seen)
