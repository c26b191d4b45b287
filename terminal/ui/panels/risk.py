"""Risk-based sizing and the legs a protective ticket sends, without Qt.

Sizing: the trader gives the entry (a limit price, else the current price), the stop
and what they are willing to lose (in quote, or in % of the account's value in this
market's two assets). The amount is that loss divided by the loss per unit at the stop
(the price distance plus the taker fee at entry and at the stop), truncated to the
market's step so the loss never exceeds what was given. The reward at the target and
the R multiple (reward / loss) follow.

`legs_preview` lists every order exactly as it will be sent (type, side, amount,
trigger, limit, time in force, who holds it), from the same leg builder the order
service uses.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import Decimal

from terminal.core.orders.bracket import BracketRequest
from terminal.core.orders.lists import leg_requests
from terminal.domain.capabilities import OrderCapabilities
from terminal.domain.enums import HeldBy, Side
from terminal.domain.market import MarketRules
from terminal.domain.marketdata import Balances
from terminal.domain.money import ZERO, format_decimal
from terminal.domain.order import OrderRequest
from terminal.domain.orderlist import ProtectionRequest

HUNDRED = Decimal(100)


@dataclass(frozen=True)
class RiskPlan:
    amount: Decimal  # base, on the step
    notional: Decimal  # amount x entry, quote
    loss_at_stop: Decimal  # quote, fees included
    reward_at_target: Decimal | None  # quote, fees included
    r_multiple: Decimal | None


def account_value(balances: Balances, rules: MarketRules, price: Decimal) -> Decimal:
    """Quote value of the account's holdings of this market's base and quote."""
    return balances.get(rules.quote).total + balances.get(rules.base).total * price


def risk_plan(
    rules: MarketRules,
    side: Side,
    entry: Decimal,
    stop: Decimal,
    risk: Decimal,
    target: Decimal | None = None,
    fee_rate: Decimal | None = None,
) -> RiskPlan | str:
    """The sizing for a position opened on `side`, or why there is none (one line)."""
    f = format_decimal
    if risk <= ZERO:
        return "the amount to risk must be positive"
    if (stop >= entry) if side is Side.BUY else (stop <= entry):
        return (
            f"a {side.value} needs its stop {'below' if side is Side.BUY else 'above'} "
            f"the entry {f(entry)}"
        )
    fee = fee_rate if fee_rate is not None else (rules.taker_fee or ZERO)
    per_unit = abs(entry - stop) + (entry + stop) * fee
    amount = rules.round_amount(risk / per_unit)
    if amount <= ZERO:
        return (
            f"risking {f(risk)} {rules.quote} buys less than one step "
            f"({f(rules.step_size or ZERO)} {rules.base})"
        )
    loss = amount * per_unit
    reward = r = None
    if target is not None:
        reward = amount * (abs(target - entry) - (entry + target) * fee)
        r = (reward / loss).quantize(Decimal("0.01"))
    return RiskPlan(
        amount=amount,
        notional=amount * entry,
        loss_at_stop=loss,
        reward_at_target=reward,
        r_multiple=r,
    )


@dataclass(frozen=True)
class LegRow:
    role: str
    type: str
    side: str
    amount: str
    trigger: str
    limit: str
    tif: str
    held_by: str

    def cells(self) -> tuple[str, ...]:
        return (
            self.role,
            self.type,
            self.side,
            self.amount,
            self.trigger,
            self.limit,
            self.tif,
            self.held_by,
        )


HELD_TEXT = {HeldBy.VENUE: "venue", HeldBy.TERMINAL: "this terminal: only while it runs"}


def _row(
    role: str, req: OrderRequest, rules: MarketRules, held: HeldBy | None, when: str = ""
) -> LegRow:
    limit = (
        "" if req.price is None or not req.type.has_limit_price else rules.format_price(req.price)
    )
    kind = req.type.label + (" post-only" if req.post_only else "")
    tif = req.time_in_force.value if req.type.has_limit_price and not req.post_only else ""
    return LegRow(
        role + when,
        kind,
        req.side.value.upper(),
        rules.format_amount(req.amount),
        "" if req.trigger_price is None else rules.format_price(req.trigger_price),
        limit,
        tif,
        HELD_TEXT[held or HeldBy.VENUE],
    )


def legs_preview(
    request: OrderRequest | ProtectionRequest | BracketRequest,
    rules: MarketRules,
    caps: OrderCapabilities,
) -> list[LegRow]:
    """Every order the ticket will send, as it will be sent."""
    if isinstance(request, OrderRequest):
        return [
            _row("order", request, rules, HeldBy.VENUE if request.type.is_conditional else None)
        ]
    if isinstance(request, BracketRequest) and request.native:
        entry = request.entry
        stop, target = leg_requests(request.protection(entry.amount), "-", HeldBy.VENUE, True)
        on_fill = "venue (placed by the venue when the entry has fully filled)"
        return [
            _row("entry", entry, rules, HeldBy.VENUE),
            replace(_row("stop", stop, rules, HeldBy.VENUE, " (on full fill)"), held_by=on_fill),
            replace(
                _row("target", target, rules, HeldBy.VENUE, " (on full fill)"), held_by=on_fill
            ),
        ]
    if isinstance(request, BracketRequest):
        entry = request.entry
        rows = [_row("entry", entry, rules, HeldBy.VENUE)]
        stop, target = leg_requests(
            request.protection(entry.amount),
            "-",
            HeldBy.VENUE if caps.native_oco else HeldBy.TERMINAL,
            caps.native_oco,
        )
        # placing the pair when the entry fills is this terminal's job, whoever holds it then
        rows.append(_row("stop", stop, rules, HeldBy.TERMINAL, " (on fill)"))
        rows.append(_row("target", target, rules, HeldBy.TERMINAL, " (on fill)"))
        pair = "venue" if caps.native_oco else "this terminal"
        return [
            replace(
                r,
                held_by=f"placed by this terminal on fill (only while it runs), "
                f"then held by {pair}",
            )
            if i
            else r
            for i, r in enumerate(rows)
        ]
    held = HeldBy.VENUE if caps.native_oco else HeldBy.TERMINAL
    stop, target = leg_requests(request, "-", held, caps.native_oco)
    return [_row("stop", stop, rules, held), _row("target", target, rules, held)]
