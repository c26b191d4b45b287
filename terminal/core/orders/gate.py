"""A basic SubmitGate: market rules and positive amounts.

Used when no safety gate is wired (tests, tools). The real gate with the testnet lock,
the emergency stop and the precautions is terminal.core.safety.SafetyGate. `block()` /
`unblock()` give the same "no order at all" switch the emergency stop provides.
"""

from __future__ import annotations

from collections.abc import Sequence

from terminal.core.orders.conditional import conditional_refusals, value_price
from terminal.core.ports import GateContext, Refusal
from terminal.domain.ids import Symbol
from terminal.domain.money import ZERO, format_decimal
from terminal.domain.order import OrderRequest
from terminal.domain.session import SessionKey


class BasicGate:
    def __init__(self) -> None:
        self._blocked: str | None = None

    def block(self, reason: str) -> None:
        self._blocked = reason

    def unblock(self) -> None:
        self._blocked = None

    def submissions_blocked(
        self, session: SessionKey | None = None, symbol: Symbol | str | None = None
    ) -> str | None:
        return self._blocked

    def check(self, request: OrderRequest, ctx: GateContext) -> Sequence[Refusal]:
        out: list[Refusal] = []
        if not request.amount.is_finite() or request.amount <= ZERO:
            out.append(
                Refusal(
                    "amount_positive",
                    f"amount must be positive, got {format_decimal(request.amount)}",
                )
            )
            return out
        if request.type.has_limit_price and (request.price is None or request.price <= ZERO):
            out.append(Refusal("price_positive", "a limit order needs a positive price"))
            return out
        if ctx.market is None:
            out.append(
                Refusal("unknown_market", f"{request.symbol} is not a market of {request.venue}")
            )
            return out
        out.extend(conditional_refusals(request, ctx.market, ctx.reference_price))
        for v in ctx.market.validate(
            request.side,
            request.type,
            request.amount,
            request.price,
            value_price(request, ctx.reference_price),
        ):
            out.append(
                Refusal(
                    v.rule,
                    v.message,
                    values={
                        k: format_decimal(x)
                        for k, x in (("value", v.value), ("limit", v.limit))
                        if x is not None
                    },
                )
            )
        return out
