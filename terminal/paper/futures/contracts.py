"""USDⓈ-M perpetual contracts of the paper exchange: filters, leverage brackets, exchangeInfo.

Each contract is the perpetual of a spot market of the paper exchange with the same
symbol (BTCUSDT, ETHUSDT, SOLUSDT). It keeps the spot market's tick size, so the spot
book's prices are valid contract prices, and a coarser quantity step (whole spot steps).

Leverage brackets follow Binance's bracket table shape (GET /fapi/v1/leverageBracket):
each tier has a notional floor and cap, a maximum initial leverage and a maintenance
margin rate; the maintenance amount ``cum`` of a tier is derived the way Binance defines
it, so that the maintenance margin is continuous across tiers:
``cum[n] = cum[n-1] + floor[n] * (mmr[n] - mmr[n-1])``, ``cum[0] = 0``.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from ..errors import ApiError
from ..markets import MarketSpec

D = Decimal


@dataclass(frozen=True)
class Bracket:
    bracket: int
    initial_leverage: int
    floor: Decimal
    cap: Decimal
    mmr: Decimal
    cum: Decimal

    def json(self) -> dict[str, object]:
        return {
            "bracket": self.bracket,
            "initialLeverage": self.initial_leverage,
            "notionalCap": int(self.cap),
            "notionalFloor": int(self.floor),
            "maintMarginRatio": float(self.mmr),
            "cum": float(self.cum),
        }


def make_brackets(tiers: list[tuple[int, int, str]]) -> list[Bracket]:
    """Tiers as (notional cap, max leverage, maintenance margin rate), ascending."""
    out: list[Bracket] = []
    floor, prev_mmr, cum = D(0), D(0), D(0)
    for i, (cap, lev, mmr_s) in enumerate(tiers):
        mmr = D(mmr_s)
        cum = cum + floor * (mmr - prev_mmr)
        out.append(Bracket(i + 1, lev, floor, D(cap), mmr, cum))
        floor, prev_mmr = D(cap), mmr
    return out


# Binance's published USDⓈ-M bracket table for BTCUSDT (caps, leverage, MMR).
BTC_TIERS = [
    (50_000, 125, "0.004"),
    (600_000, 100, "0.005"),
    (3_000_000, 75, "0.0065"),
    (12_000_000, 50, "0.01"),
    (70_000_000, 25, "0.02"),
    (100_000_000, 20, "0.025"),
    (230_000_000, 10, "0.05"),
    (480_000_000, 5, "0.1"),
    (600_000_000, 4, "0.125"),
    (800_000_000, 3, "0.15"),
    (1_200_000_000, 2, "0.25"),
    (1_800_000_000, 1, "0.5"),
]
ETH_TIERS = [
    (50_000, 125, "0.004"),
    (600_000, 100, "0.005"),
    (3_000_000, 75, "0.0065"),
    (12_000_000, 50, "0.01"),
    (50_000_000, 25, "0.02"),
    (65_000_000, 20, "0.025"),
    (150_000_000, 10, "0.05"),
    (320_000_000, 5, "0.1"),
    (400_000_000, 4, "0.125"),
    (530_000_000, 3, "0.15"),
    (800_000_000, 2, "0.25"),
    (1_200_000_000, 1, "0.5"),
]
SOL_TIERS = [
    (5_000, 75, "0.005"),
    (50_000, 50, "0.01"),
    (250_000, 25, "0.02"),
    (1_000_000, 20, "0.025"),
    (5_000_000, 10, "0.05"),
    (10_000_000, 5, "0.1"),
    (12_500_000, 4, "0.125"),
    (25_000_000, 3, "0.15"),
    (50_000_000, 2, "0.25"),
    (100_000_000, 1, "0.5"),
]


@dataclass(frozen=True)
class Contract:
    """One perpetual contract; prices in the spot market's ticks, sizes in ``step``."""

    spot: MarketSpec
    qty_decimals: int
    min_notional: Decimal
    brackets: tuple[Bracket, ...]
    max_qty: Decimal = Decimal(1000)
    max_market_qty: Decimal = Decimal(120)

    @property
    def symbol(self) -> str:
        return self.spot.symbol

    @property
    def base(self) -> str:
        return self.spot.base

    @property
    def quote(self) -> str:
        return self.spot.quote

    @property
    def price_decimals(self) -> int:
        return self.spot.price_decimals

    @property
    def tick(self) -> Decimal:
        return self.spot.tick

    @property
    def step(self) -> Decimal:
        return D(1).scaleb(-self.qty_decimals)

    @property
    def spot_factor(self) -> int:
        """Spot quantity steps per contract step."""
        return 10 ** (self.spot.qty_decimals - self.qty_decimals)

    @property
    def max_leverage(self) -> int:
        return self.brackets[0].initial_leverage

    def bracket_for(self, notional: Decimal) -> Bracket:
        n = abs(notional)
        for b in self.brackets:
            if n < b.cap:
                return b
        return self.brackets[-1]

    def max_notional_at(self, leverage: int) -> Decimal:
        """The largest position notional a leverage allows (cap of the last bracket whose
        initial leverage is at least ``leverage``)."""
        cap = D(0)
        for b in self.brackets:
            if b.initial_leverage >= leverage:
                cap = b.cap
        return cap

    # --- parsing ------------------------------------------------------------------------
    def parse_qty(self, text: str | None) -> Decimal:
        q = _dec(text, "quantity")
        if q <= 0:
            raise ApiError(-4003, "Quantity less than zero.")
        if q != q.quantize(self.step, rounding="ROUND_DOWN"):
            raise ApiError(-1111, "Precision is over the maximum defined for this asset.")
        if q > self.max_qty:
            raise ApiError(-4005, "Quantity greater than max quantity.")
        return q

    def parse_price(self, text: str | None, name: str = "price") -> Decimal:
        p = _dec(text, name)
        if p <= 0:
            raise ApiError(-4001, "Price less than 0.")
        if p != p.quantize(self.tick, rounding="ROUND_DOWN"):
            raise ApiError(-4014, "Price not increased by tick size.")
        return p

    # --- exchangeInfo -------------------------------------------------------------------
    def exchange_info(self) -> dict[str, object]:
        tick, step = f"{self.tick:f}", f"{self.step:f}"
        return {
            "symbol": self.symbol,
            "pair": self.symbol,
            "contractType": "PERPETUAL",
            "deliveryDate": 4133404800000,
            "onboardDate": 1569398400000,
            "status": "TRADING",
            "maintMarginPercent": "2.5000",
            "requiredMarginPercent": "5.0000",
            "baseAsset": self.base,
            "quoteAsset": self.quote,
            "marginAsset": self.quote,
            "pricePrecision": self.price_decimals,
            "quantityPrecision": self.qty_decimals,
            "baseAssetPrecision": 8,
            "quotePrecision": 8,
            "underlyingType": "COIN",
            "underlyingSubType": [],
            "triggerProtect": "0.0500",
            "liquidationFee": "0.012500",
            "marketTakeBound": "0.05",
            "maxMoveOrderLimit": 10000,
            "filters": [
                {
                    "filterType": "PRICE_FILTER",
                    "minPrice": tick,
                    "maxPrice": "4529764",
                    "tickSize": tick,
                },
                {
                    "filterType": "LOT_SIZE",
                    "minQty": step,
                    "maxQty": f"{self.max_qty:f}",
                    "stepSize": step,
                },
                {
                    "filterType": "MARKET_LOT_SIZE",
                    "minQty": step,
                    "maxQty": f"{self.max_market_qty:f}",
                    "stepSize": step,
                },
                {"filterType": "MAX_NUM_ORDERS", "limit": 200},
                {"filterType": "MAX_NUM_ALGO_ORDERS", "limit": 10},
                {"filterType": "MIN_NOTIONAL", "notional": f"{self.min_notional:f}"},
                {
                    "filterType": "PERCENT_PRICE",
                    "multiplierUp": "1.0500",
                    "multiplierDown": "0.9500",
                    "multiplierDecimal": "4",
                },
            ],
            "orderTypes": [
                "LIMIT",
                "MARKET",
                "STOP",
                "STOP_MARKET",
                "TAKE_PROFIT",
                "TAKE_PROFIT_MARKET",
                "TRAILING_STOP_MARKET",
            ],
            "timeInForce": ["GTC", "IOC", "FOK", "GTX"],
            "permissionSets": ["GRID", "COPY"],
        }


def _dec(text: str | None, name: str) -> Decimal:
    if text is None or text == "":
        raise ApiError(
            -1102, f"Mandatory parameter '{name}' was not sent, was empty/null, or malformed."
        )
    try:
        d = D(text)
    except InvalidOperation:
        raise ApiError(
            -1100,
            f"Illegal characters found in parameter '{name}'; legal range "
            "is '^([0-9]{1,20})(\\.[0-9]{1,20})?$'.",
        ) from None
    if not d.is_finite() or len(text) > 42:
        raise ApiError(
            -1100,
            f"Illegal characters found in parameter '{name}'; legal range "
            "is '^([0-9]{1,20})(\\.[0-9]{1,20})?$'.",
        )
    return d


def default_contracts(spot: dict[str, MarketSpec]) -> list[Contract]:
    """The perpetuals of the spot markets that have one (USDT-quoted)."""
    plan = {
        "BTCUSDT": (3, D(100), BTC_TIERS),
        "ETHUSDT": (3, D(20), ETH_TIERS),
        "SOLUSDT": (2, D(5), SOL_TIERS),
    }
    out = []
    for sym, (qd, mn, tiers) in plan.items():
        m = spot.get(sym)
        if m is not None and m.qty_decimals >= qd:
            out.append(Contract(m, qd, mn, tuple(make_brackets(tiers))))
    return out
