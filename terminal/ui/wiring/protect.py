"""The protective ticket (Order entry dock, tab *Stop / OCO / Bracket*) to the order
service.

The ticket gets the active session, the market's rules and what the venue takes there
(`capabilities`: ccxt's `has` and the market info), the balances and the last price.
Review asks the order service's own checks first (`precheck`: the gate, precautions,
the venue's types, trigger side and tick, an OCO's prices), so a request it would
refuse never reaches the confirmation. Send places a single stop or take-profit with
`submit`, an OCO with `place_oco`, a bracket with `place_bracket`.
"""

from __future__ import annotations

import logging
from decimal import Decimal
from typing import Any

from terminal.core.marketstate import FeedKind
from terminal.core.orders.bracket import BracketRequest
from terminal.core.orders.errors import SentNotJournaled, SubmitRefused
from terminal.core.orders.lists import leg_requests, price_refusals
from terminal.domain.enums import HeldBy
from terminal.domain.order import OrderRequest
from terminal.domain.orderlist import ProtectionRequest
from terminal.domain.session import SessionKey

log = logging.getLogger(__name__)


class ProtectWiring:
    def __init__(self, trading: Any, panel: Any) -> None:
        self.trading = trading
        self.panel = panel
        self.orders = trading.orders
        self.last_result: Any = None
        self.last_message = ""
        self._balances_version: Any = None
        panel.set_precheck(self.precheck)
        panel.protectRequested.connect(self.send)

    # ---- inputs ---------------------------------------------------------------------------
    def activate(self, session: SessionKey, rules: Any) -> None:
        port = self.orders.session(session)
        caps = port.capabilities(str(rules.symbol)) if port and rules else None
        self.panel.set_account(session.venue, session.mode, session.account)
        self.panel.set_market(rules, caps)
        self._balances_version = None

    def refresh(self) -> None:
        """Per frame: the last price and the balances, when they changed."""
        t = self.trading
        active = t.market.active
        if active is not None:
            ticker = t.state.ticker(active.key(FeedKind.TICKER))
            last = ticker.last if ticker is not None else None
            if last is None:
                view = t.state.book_view(active.key(FeedKind.BOOK), 1)
                last = view.mid if view is not None else None
            self.panel.set_last_price(last)
        session = t.session
        if session is not None:
            version = t.state.balances_version(session)
            if version != self._balances_version:
                self._balances_version = version
                self.panel.set_balances(t.state.balances(session))

    # ---- checks ---------------------------------------------------------------------------
    def _reference(self, request: OrderRequest) -> Decimal | None:
        return self.orders.context_for(request).reference_price

    def precheck(self, request: Any) -> list[str]:
        """What the order service would refuse of this request now (nothing is sent)."""
        reason = self.trading.entry_block_reason()
        if reason:
            return [f"order entry disabled: {reason}"]
        checks: list[OrderRequest]
        out: list[str] = []
        if isinstance(request, OrderRequest):
            checks = [request]
        elif isinstance(request, BracketRequest):
            checks = [request.entry]
            reference = request.entry.price or self._reference(request.entry)
            protection = request.protection(request.entry.amount)
            out += [r.message for r in price_refusals(protection, reference)]
        elif isinstance(request, ProtectionRequest):
            stop, target = leg_requests(request, "-", HeldBy.VENUE, False)
            checks = [stop, target]
            out += [r.message for r in price_refusals(request, self._reference(stop))]
        else:
            return ["nothing to send"]
        for req in checks:
            out += [r.message for r in self.orders.check(req) if r.message not in out]
        return out

    # ---- sending --------------------------------------------------------------------------
    def send(self, request: Any, overrides: Any) -> None:
        self.trading.tasks.spawn(self._send(request, frozenset(overrides or ())), "protect")

    def _say(self, text: str, error: bool) -> None:
        self.last_message = text
        self.panel.show_result(text, error)
        if error:
            self.trading._notify("warning", f"Protective order: {text}")
        else:
            self.trading.window.show_status(text)

    async def _send(self, request: Any, confirmed: frozenset[str]) -> None:
        orders = self.orders
        try:
            if isinstance(request, BracketRequest):
                result = await orders.place_bracket(request, confirmed=confirmed)
                order_list, entry = result
                text = f"Bracket {order_list.list_id}: entry {entry.status.value}"
            elif isinstance(request, ProtectionRequest):
                result = await orders.place_oco(request, confirmed=confirmed)
                order_list, legs = result
                text = f"{order_list.label}: {len(legs)} legs placed"
            else:
                result = await orders.submit(request, confirmed=confirmed)
                text = f"{result.type.label} {result.side.value}: {result.status.value}"
                if result.reason:
                    text += f" ({result.reason})"
        except SubmitRefused as exc:
            self._say("Not sent: " + "; ".join(r.message for r in exc.refusals), True)
            return
        except SentNotJournaled as exc:  # the venue has it: never shown as "not sent"
            self._say(str(exc), True)
            return
        except Exception as exc:  # a venue refusal, a journal failure: visible, never silent
            log.warning("protective order %s failed: %s", type(request).__name__, exc)
            self._say(f"Not sent: {exc}", True)
            return
        finally:
            self.trading.orders_version += 1
        self.last_result = result
        self._say(text, False)
