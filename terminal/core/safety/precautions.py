"""Pre-trade precautions: the checks that stop a wrong order before it leaves the machine.

Each refusal names its rule and carries the numbers (`Refusal.values`), so the ticket can
say exactly what is wrong. Two rules may be overridden by an explicit confirmation
(`GateContext.confirmed`): the limit-price deviation and the market-order size
confirmation. Everything else (values, market rules, notional cap, balance) is a hard no.

Configuration comes from `PrecautionConfig`, built from the user's PrecautionSettings
(strings in the settings file) by `PrecautionConfig.from_settings`, without importing
terminal.settings (the core does not depend on it).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Protocol

from terminal.core.orders.conditional import conditional_refusals
from terminal.core.orders.conditional import value_price as conditional_value_price
from terminal.core.ports import GateContext, Refusal
from terminal.domain.enums import OrderType, Side
from terminal.domain.money import ZERO, MoneyError, format_decimal, parse_typed_number
from terminal.domain.order import OrderRequest
from terminal.domain.session import MarketType

log = logging.getLogger(__name__)

# Rule names (stable codes: the UI and the journal key on them).
INVALID_VALUE = "invalid_value"
MARKET_UNKNOWN = "market_unknown"
MAX_ORDER_NOTIONAL = "max_order_notional"
PRICE_DEVIATION = "price_deviation"
MARKET_ORDER_CONFIRM = "market_order_confirm"
REFERENCE_PRICE_MISSING = "reference_price_missing"
INSUFFICIENT_BALANCE = "insufficient_balance"
BALANCE_UNKNOWN = "balance_unknown"
SYMBOL_NOT_ALLOWED = "symbol_not_allowed"
MAX_LEVERAGE = "max_leverage"
MAX_POSITION_NOTIONAL = "max_position_notional"

OVERRIDABLE_RULES = frozenset({PRICE_DEVIATION, MARKET_ORDER_CONFIRM})

DEFAULT_FEE_RATE = Decimal("0.001")  # when the market does not say (0.1 %, Binance spot)
_HUNDRED = Decimal(100)


def _dec(value: Any, default: Decimal | None, what: str) -> Decimal | None:
    """A setting as Decimal, read as the ticket reads a typed number (plain digits: no
    '1e3', no '1,500'); '' / None / 0 disable it; anything else keeps the (safe) default
    with a warning that says why."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, float):
        value = repr(value)
    text = str(value).strip()
    if text.strip("0.") == "" and any(c == "0" for c in text):
        return None  # 0 switches the check off
    try:
        return parse_typed_number(text, what)
    except MoneyError as exc:
        log.warning(
            "precautions: %s; using %s",
            exc,
            "no limit" if default is None else format_decimal(default),
        )
        return default


class PrecautionSource(Protocol):
    """terminal.settings.PrecautionSettings as the core reads it (strings from the file)."""

    @property
    def max_notional(self) -> Mapping[str, str]: ...
    @property
    def max_price_deviation_pct(self) -> str: ...
    @property
    def confirm_market_above_notional(self) -> str: ...
    @property
    def check_balance(self) -> bool: ...
    @property
    def default_fee_rate(self) -> str: ...


@dataclass(frozen=True)
class PrecautionConfig:
    """What the precautions enforce. None / empty switches a check off."""

    # Keys: "venue:QUOTE", "*:QUOTE", "venue", "*" (most specific wins); quote currency.
    max_notional: Mapping[str, Decimal] = field(default_factory=lambda: {"*": Decimal("50000")})
    max_price_deviation_pct: Decimal | None = Decimal("5")
    confirm_market_above_notional: Decimal | None = Decimal("1000")
    check_balance: bool = True
    default_fee_rate: Decimal = DEFAULT_FEE_RATE
    # perpetuals; keys "venue:SYMBOL", "venue", "*" (most specific wins)
    max_leverage: Mapping[str, Decimal] = field(default_factory=lambda: {"*": Decimal("20")})
    max_position_notional: Mapping[str, Decimal] = field(
        default_factory=lambda: {"*": Decimal("100000")}
    )
    allowed_symbols: Mapping[str, frozenset[str]] = field(default_factory=dict)

    @classmethod
    def from_settings(cls, settings: PrecautionSource) -> PrecautionConfig:
        """Build from a terminal.settings.PrecautionSettings: its defaults are the only
        ones; a value that is not a number falls back to this config's safe default."""
        base = cls()
        raw_caps = settings.max_notional
        caps: dict[str, Decimal] = {}
        if isinstance(raw_caps, Mapping):
            for key, value in raw_caps.items():
                cap = _dec(value, base.max_notional.get("*"), f"max_notional[{key}]")
                if cap is not None:
                    caps[str(key).strip()] = cap
        else:
            caps = dict(base.max_notional)
        return cls(
            max_leverage=_caps(getattr(settings, "max_leverage", None), base.max_leverage),
            max_position_notional=_caps(
                getattr(settings, "max_position_notional", None), base.max_position_notional
            ),
            allowed_symbols=_allowed(getattr(settings, "allowed_symbols", None)),
            max_notional=caps,
            max_price_deviation_pct=_dec(
                settings.max_price_deviation_pct,
                base.max_price_deviation_pct,
                "max_price_deviation_pct",
            ),
            confirm_market_above_notional=_dec(
                settings.confirm_market_above_notional,
                base.confirm_market_above_notional,
                "confirm_market_above_notional",
            ),
            check_balance=bool(settings.check_balance),
            default_fee_rate=_dec(settings.default_fee_rate, DEFAULT_FEE_RATE, "default_fee_rate")
            or ZERO,
        )

    @staticmethod
    def symbol_limit(
        limits: Mapping[str, Decimal], venue: str, symbol: str
    ) -> tuple[str, Decimal] | None:
        for key in (f"{venue}:{symbol}", venue, "*"):
            if key in limits:
                return key, limits[key]
        return None

    def notional_cap(self, venue: str, quote: str) -> tuple[str, Decimal] | None:
        for key in (f"{venue}:{quote}", f"*:{quote}", venue, "*"):
            if key in self.max_notional:
                return key, self.max_notional[key]
        return None


def _caps(raw: Any, default: Mapping[str, Decimal]) -> dict[str, Decimal]:
    """A "key -> number" setting; a value that is not a number keeps the default's "*"
    (with a warning), 0 or "" switches that key's check off."""
    if not isinstance(raw, Mapping):
        return dict(default)
    out: dict[str, Decimal] = {}
    for key, value in raw.items():
        cap = _dec(value, default.get("*"), f"[{key}]")
        if cap is not None:
            out[str(key).strip()] = cap
    return out


def _allowed(raw: Any) -> dict[str, frozenset[str]]:
    if not isinstance(raw, Mapping):
        return {}
    return {
        str(venue).strip(): frozenset(str(s).strip() for s in symbols)
        for venue, symbols in raw.items()
        if isinstance(symbols, (list, tuple))
    }


def _fmt(value: Any) -> str:
    """A number as the user reads it everywhere (plain digits); anything else as text."""
    return format_decimal(value) if isinstance(value, Decimal) else str(value)


class Precautions:
    """The pure checks; `check` returns every refusal (overrides are the gate's job)."""

    def __init__(self, config: PrecautionConfig | None = None) -> None:
        self.config = config or PrecautionConfig()

    def check(self, request: OrderRequest, ctx: GateContext) -> list[Refusal]:
        bad = self._values(request)
        if bad:
            return bad
        allowed = self.config.allowed_symbols.get(str(request.venue))
        if allowed is not None and str(request.symbol) not in allowed:
            return [
                Refusal(
                    SYMBOL_NOT_ALLOWED,
                    f"{request.symbol} is not among the symbols allowed on {request.venue} "
                    f"(setting allowed_symbols[{request.venue}])",
                    values={"symbol": str(request.symbol), "venue": str(request.venue)},
                )
            ]
        market = ctx.market
        if market is None:
            return [
                Refusal(
                    MARKET_UNKNOWN,
                    f"{request.symbol} is not a known market on {request.venue}; "
                    "its rules cannot be checked",
                    values={"symbol": str(request.symbol), "venue": str(request.venue)},
                )
            ]
        out: list[Refusal] = []
        ref = (
            ctx.reference_price
            if (
                isinstance(ctx.reference_price, Decimal)
                and ctx.reference_price.is_finite()
                and ctx.reference_price > ZERO
            )
            else None
        )
        is_limit = request.type.has_limit_price
        out.extend(conditional_refusals(request, market, ref))
        value_price = conditional_value_price(request, ref)
        for v in market.validate(
            request.side,
            request.type,
            request.amount,
            request.price if is_limit else None,
            value_price,
        ):
            values = {
                k: _fmt(x) for k, x in (("value", v.value), ("limit", v.limit)) if x is not None
            }
            out.append(Refusal(v.rule, v.message, values=values))

        if value_price is None:  # only a market order without a reference price gets here
            out.append(
                Refusal(
                    REFERENCE_PRICE_MISSING,
                    f"no current price for {request.symbol}: a market order cannot be valued "
                    "(order size, balance) without one; wait for market data or use a limit order",
                    values={"symbol": str(request.symbol)},
                )
            )
            return out
        notional = request.amount * value_price
        quote = market.quote

        cap = self.config.notional_cap(str(request.venue), quote)
        if cap is not None and notional > cap[1]:
            out.append(
                Refusal(
                    MAX_ORDER_NOTIONAL,
                    f"order value {_fmt(notional)} {quote} is above the precaution limit "
                    f"{_fmt(cap[1])} {quote} for {request.venue} (setting max_notional[{cap[0]}])",
                    values={
                        "notional": _fmt(notional),
                        "limit": _fmt(cap[1]),
                        "quote": quote,
                        "key": cap[0],
                    },
                )
            )

        if request.market is not MarketType.SPOT:
            out.extend(self._perp_limits(request, ctx, value_price, quote))

        pct = self.config.max_price_deviation_pct
        if is_limit and pct is not None:
            assert request.price is not None
            if ref is None:
                out.append(
                    Refusal(
                        PRICE_DEVIATION,
                        f"no current mid or last price for {request.symbol} to compare the limit "
                        f"price {_fmt(request.price)} with; confirm to send it unchecked",
                        overridable=True,
                        values={"price": _fmt(request.price), "limit_pct": _fmt(pct)},
                    )
                )
            else:
                deviation = abs(request.price - ref) / ref * _HUNDRED
                if deviation > pct:
                    out.append(
                        Refusal(
                            PRICE_DEVIATION,
                            f"limit price {_fmt(request.price)} is {deviation:.2f}% away "
                            f"from the current price {_fmt(ref)} (limit {_fmt(pct)}%); "
                            "confirm to send anyway",
                            overridable=True,
                            values={
                                "price": _fmt(request.price),
                                "reference": _fmt(ref),
                                "deviation_pct": f"{deviation:.4f}",
                                "limit_pct": _fmt(pct),
                            },
                        )
                    )

        confirm_above = self.config.confirm_market_above_notional
        if (
            request.type is OrderType.MARKET
            and confirm_above is not None
            and notional > confirm_above
        ):
            out.append(
                Refusal(
                    MARKET_ORDER_CONFIRM,
                    f"market order worth about {_fmt(notional)} {quote} (above "
                    f"{_fmt(confirm_above)} {quote}); confirm to send it",
                    overridable=True,
                    values={
                        "notional": _fmt(notional),
                        "limit": _fmt(confirm_above),
                        "quote": quote,
                    },
                )
            )

        if self.config.check_balance:
            out.extend(
                self._balance(
                    request,
                    ctx,
                    notional,
                    quote,
                    market.base,
                    market.maker_fee if request.post_only else market.taker_fee,
                )
            )
        return out

    # ---- pieces --------------------------------------------------------------------
    @staticmethod
    def _values(request: OrderRequest) -> list[Refusal]:
        out: list[Refusal] = []
        amount = request.amount
        if not isinstance(amount, Decimal) or not amount.is_finite() or amount <= ZERO:
            out.append(
                Refusal(
                    INVALID_VALUE,
                    f"amount must be a positive, finite number, got {_fmt(amount)}",
                    values={"amount": _fmt(amount)},
                )
            )
        if request.type.has_limit_price:
            price = request.price
            if price is None:
                out.append(
                    Refusal(INVALID_VALUE, "a limit order needs a price", values={"price": "None"})
                )
            elif not isinstance(price, Decimal) or not price.is_finite() or price <= ZERO:
                out.append(
                    Refusal(
                        INVALID_VALUE,
                        f"price must be a positive, finite number, got {_fmt(price)}",
                        values={"price": _fmt(price)},
                    )
                )
        elif request.price is not None and (
            not isinstance(request.price, Decimal) or not request.price.is_finite()
        ):
            out.append(
                Refusal(
                    INVALID_VALUE,
                    f"price must be a finite number, got {_fmt(request.price)}",
                    values={"price": _fmt(request.price)},
                )
            )
        return out

    def _balance(
        self,
        request: OrderRequest,
        ctx: GateContext,
        notional: Decimal,
        quote: str,
        base: str,
        fee_rate: Decimal | None,
    ) -> list[Refusal]:
        if request.market is not MarketType.SPOT and (
            request.reduce_only or request.close_position
        ):
            return []  # may only shrink a position: it takes no margin
        if ctx.balances is None:
            return [
                Refusal(
                    BALANCE_UNKNOWN,
                    f"balances of {request.venue} are not loaded yet; the order "
                    "cannot be checked against free funds",
                    values={"venue": str(request.venue)},
                )
            ]
        if request.market is not MarketType.SPOT:
            return self._margin(request, ctx, notional, quote, fee_rate)
        if request.side is Side.BUY:
            rate = fee_rate if fee_rate is not None else self.config.default_fee_rate
            need, asset = notional * (Decimal(1) + rate), quote
        else:
            rate, need, asset = None, request.amount, base
        free = ctx.balances.free(asset)
        if free >= need:
            return []
        fee_note = f" incl. estimated fee {_fmt(rate * 100)}%" if rate else ""
        return [
            Refusal(
                INSUFFICIENT_BALANCE,
                f"insufficient {asset}: the order needs {_fmt(need)} {asset}{fee_note}, "
                f"free is {_fmt(free)} {asset}",
                values={"asset": asset, "needed": _fmt(need), "free": _fmt(free)},
            )
        ]

    def _margin(
        self,
        request: OrderRequest,
        ctx: GateContext,
        notional: Decimal,
        quote: str,
        fee_rate: Decimal | None,
    ) -> list[Refusal]:
        """A perpetual order needs its initial margin (notional over the symbol's
        leverage) and the fee free in the settlement currency, on either side; one that
        may only shrink a position needs nothing."""
        assert ctx.balances is not None
        leverage = ctx.leverage
        if leverage is None or leverage <= ZERO:
            return [
                Refusal(
                    BALANCE_UNKNOWN,
                    f"the leverage of {request.symbol} is not read yet; the order's margin "
                    "cannot be checked against free funds",
                    values={"symbol": str(request.symbol)},
                )
            ]
        rate = fee_rate if fee_rate is not None else self.config.default_fee_rate
        need = (notional / leverage + notional * rate).quantize(Decimal("0.01"))
        free = ctx.balances.free(quote)
        if free >= need:
            return []
        return [
            Refusal(
                INSUFFICIENT_BALANCE,
                f"insufficient {quote} margin: the order needs {_fmt(need)} "
                f"{quote} at {_fmt(leverage)}x incl. estimated fee, free is {_fmt(free)} {quote}",
                values={"asset": quote, "needed": _fmt(need), "free": _fmt(free)},
            )
        ]

    def _perp_limits(
        self, request: OrderRequest, ctx: GateContext, price: Decimal, quote: str
    ) -> list[Refusal]:
        """The symbol's leverage and the position the order leaves, against their caps;
        an order that may only shrink a position passes both."""
        if request.reduce_only or request.close_position:
            return []
        out: list[Refusal] = []
        venue, symbol = str(request.venue), str(request.symbol)
        cap = self.config.symbol_limit(self.config.max_leverage, venue, symbol)
        if cap is not None and ctx.leverage is not None and ctx.leverage > cap[1]:
            out.append(
                Refusal(
                    MAX_LEVERAGE,
                    f"leverage {_fmt(ctx.leverage)}x of {symbol} is above the precaution "
                    f"limit {_fmt(cap[1])}x (setting max_leverage[{cap[0]}])",
                    values={"leverage": _fmt(ctx.leverage), "limit": _fmt(cap[1]), "key": cap[0]},
                )
            )
        cap = self.config.symbol_limit(self.config.max_position_notional, venue, symbol)
        if cap is not None:
            held = ctx.position_size or ZERO
            after = held + (request.amount if request.side is Side.BUY else -request.amount)
            value = abs(after) * price
            if abs(after) > abs(held) and value > cap[1]:
                out.append(
                    Refusal(
                        MAX_POSITION_NOTIONAL,
                        f"the position after this order, {_fmt(value.quantize(Decimal('0.01')))} "
                        f"{quote}, is above the precaution limit {_fmt(cap[1])} {quote} "
                        f"(setting max_position_notional[{cap[0]}])",
                        values={"notional": _fmt(value), "limit": _fmt(cap[1]), "key": cap[0]},
                    )
                )
        return out
