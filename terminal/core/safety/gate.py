"""The safety gate: emergency stop, testnet lock and precautions behind one SubmitGate.

The order service calls `submissions_blocked()` and `check()` synchronously, before any
await, for every ticket; headless commands call `entry_refusal()` (or
`require_entry_allowed()`) before they open any network connection. A confirmation in
`GateContext.confirmed` lifts only the overridable precautions, never the stop, the lock,
market rules or the balance check; a used override is journaled.
"""

from __future__ import annotations

from collections.abc import Sequence

from terminal.core.ports import GateContext, Refusal
from terminal.core.safety.events import PRECAUTION_OVERRIDE, SafetyJournalWriter
from terminal.core.safety.lock import TestnetLock, effective_mode
from terminal.core.safety.precautions import OVERRIDABLE_RULES, Precautions
from terminal.core.safety.stop import EmergencyStop
from terminal.domain.enums import VenueMode
from terminal.domain.ids import AccountLabel, Symbol, VenueId
from terminal.domain.order import OrderRequest
from terminal.domain.session import SessionKey

EMERGENCY_STOP = "emergency_stop"
TESTNET_LOCK = "testnet_lock"


ORDER_RATE_BUDGET = "order_rate_budget"


def rate_budget_refusal(ctx: GateContext) -> Refusal | None:
    """The refusal when the session's order-rate budget has no room for one more order
    now (the venue call would be refused before it is sent), else None."""
    if ctx.order_rate is None:
        return None
    limit, window_s, wait_s = ctx.order_rate
    if wait_s <= 0:
        return None
    return Refusal(
        ORDER_RATE_BUDGET,
        f"order-rate budget used up ({limit} orders per {window_s:g} s); "
        f"the next order fits in {wait_s:.1f} s",
        values={"limit": str(limit), "window_s": f"{window_s:g}", "wait_s": f"{wait_s:.1f}"},
    )


class OrderBlocked(Exception):
    """Raised by `require_entry_allowed`: the stop or the lock refuses this venue."""

    def __init__(self, refusal: Refusal) -> None:
        super().__init__(refusal.message)
        self.refusal = refusal


class SafetyGate:
    """Implements terminal.core.ports.SubmitGate."""

    def __init__(
        self,
        lock: TestnetLock,
        stop: EmergencyStop,
        precautions: Precautions | None = None,
        writer: SafetyJournalWriter | None = None,
    ) -> None:
        self.lock = lock
        self.stop = stop
        self.precautions = precautions or Precautions()
        self._writer = writer or SafetyJournalWriter(None)

    # ---- SubmitGate ------------------------------------------------------------------
    def submissions_blocked(
        self, session: SessionKey | None = None, symbol: Symbol | str | None = None
    ) -> str | None:
        """The stop's refusal for an order of `session` on `symbol` (any stop when the
        session is not given)."""
        return self.stop.submissions_blocked(session, symbol)

    def check(self, request: OrderRequest, ctx: GateContext) -> Sequence[Refusal]:
        """Every reason not to send `request`; empty means it may go."""
        mode = effective_mode(request.mode, ctx.mode)
        hard: list[Refusal] = []
        entry = self.entry_refusal(request.venue, mode, request.account, request.symbol)
        if entry is not None:
            hard.append(entry)
        budget = rate_budget_refusal(ctx)
        if budget is not None:
            hard.append(budget)
        found = self.precautions.check(request, ctx)
        confirmed = frozenset(ctx.confirmed) & OVERRIDABLE_RULES
        kept = [r for r in found if not (r.overridable and r.rule in confirmed)]
        refusals = hard + kept
        if not refusals:
            used = [r for r in found if r.overridable and r.rule in confirmed]
            if used:
                self._writer.record(
                    PRECAUTION_OVERRIDE,
                    {
                        "venue": request.venue,
                        "account": request.account,
                        "mode": mode,
                        "symbol": request.symbol,
                        "side": request.side,
                        "type": request.type,
                        "amount": request.amount,
                        "price": request.price,
                        "rules": [r.rule for r in used],
                        "values": {r.rule: dict(r.values) for r in used},
                    },
                )
        return refusals

    # ---- for headless commands and the UI ------------------------------------------------
    def entry_refusal(
        self,
        venue: str,
        mode: VenueMode | str | None,
        account: str,
        symbol: Symbol | str | None = None,
    ) -> Refusal | None:
        """Stop or lock refusal for this session (and symbol), checked without any
        market data. Only a stop whose target covers the session refuses; the testnet
        lock is global."""
        session = SessionKey(VenueId(venue), effective_mode(mode), AccountLabel(account))
        blocked = self.stop.submissions_blocked(session, symbol)
        if blocked:
            return Refusal(EMERGENCY_STOP, blocked)
        reason = self.lock.entry_block_reason(venue, effective_mode(mode), account)
        if reason:
            return Refusal(
                TESTNET_LOCK,
                reason,
                values={
                    "venue": str(venue),
                    "account": str(account),
                    "mode": effective_mode(mode).value,
                },
            )
        return None

    def require_entry_allowed(self, venue: str, mode: VenueMode | str | None, account: str) -> None:
        """Raise OrderBlocked when the stop or the lock refuses; call before connecting."""
        refusal = self.entry_refusal(venue, mode, account)
        if refusal is not None:
            raise OrderBlocked(refusal)
