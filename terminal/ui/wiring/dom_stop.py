"""A stop-market order from the price ladder (a Shift+click while armed).

The ticket has no stop type, so the ladder builds the request itself from the ticket's
amount and the clicked row's price as the trigger: a sell stop below the last price, a
buy stop above it. It then takes the path every order takes: the order service's check
(gate, precautions, the venue's order types, the trigger's side and tick, double
submit), the confirmation dialog (unless the user chose to skip it for this arming),
and the order service's submit, which journals before sending.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from terminal.core.orders.errors import (
    EntryNotReady,
    NotConnected,
    SentNotJournaled,
    SubmitRefused,
)
from terminal.core.orders.service import OrderService
from terminal.domain.enums import OrderType, Side
from terminal.domain.order import Order, OrderRequest, OrderStatus
from terminal.ui.panels.order_confirm import DEFAULT_ARM_MS, OrderConfirmDialog, confirmation_fields

log = logging.getLogger(__name__)

Say = Callable[[str, bool], None]


def stop_side(trigger: Decimal, last: Decimal) -> Side | None:
    """Below the last price a stop sells, above it buys; at it, it would fire at once."""
    if trigger < last:
        return Side.SELL
    if trigger > last:
        return Side.BUY
    return None


class LadderStops:
    def __init__(
        self,
        orders: OrderService,
        trading: Any,
        say: Say,
        parent: Any,
        confirm_arm_ms: int = DEFAULT_ARM_MS,
    ) -> None:
        self.orders = orders
        self.trading = trading
        self.say = say
        self.parent = parent
        self.confirm_arm_ms = confirm_arm_ms
        self.confirmation: OrderConfirmDialog | None = None
        self.last_order: Order | None = None
        self.sending = False

    def request(
        self, trigger: Decimal, last: Decimal | None, amount: Decimal | None, rules: Any
    ) -> OrderRequest | None:
        """The stop to send, or None after saying why there is none."""
        session = self.trading.session
        if session is None or rules is None:
            self.say("Not sent: no market", True)
            return None
        if amount is None:
            self.say("Not sent: enter an amount in the ticket", True)
            return None
        if last is None:
            self.say("Not sent: no last price yet to place a stop against", True)
            return None
        side = stop_side(trigger, last)
        if side is None:
            self.say(
                "Not sent: a stop at the last price would trigger at once; pick a row "
                "above (buy stop) or below (sell stop)",
                True,
            )
            return None
        return OrderRequest(
            venue=session.venue,
            symbol=rules.symbol,
            side=side,
            type=OrderType.STOP_MARKET,
            amount=amount,
            trigger_price=trigger,
            mode=session.mode,
            account=session.account,
        )

    def place(self, request: OrderRequest, rules: Any, skip_confirm: bool) -> None:
        refusals = self.orders.check(request)
        if refusals:
            self.say("Not sent: " + "; ".join(r.message for r in refusals), True)
            return
        what = (
            f"{request.side.value} stop {rules.format_amount(request.amount)} "
            f"@ {rules.format_price(request.trigger_price)}"
        )
        if skip_confirm:
            self._send(request)
            self.say(f"Sending {what}…", False)
            return
        if self.confirmation is not None:
            self.confirmation.reject()
        cost = request.amount * request.trigger_price if request.trigger_price else None
        fields = confirmation_fields(request, rules, cost, None)
        dialog = OrderConfirmDialog(
            request, frozenset(), fields, [], parent=self.parent, arm_ms=self.confirm_arm_ms
        )
        dialog.confirmed.connect(lambda req, _overrides: self._send(req))
        dialog.finished.connect(lambda _r, d=dialog: self._closed(d))
        self.confirmation = dialog
        self.say(f"Confirm {what} in the dialog", False)
        dialog.open()

    def _closed(self, dialog: OrderConfirmDialog) -> None:
        if self.confirmation is dialog:
            self.confirmation = None
            dialog.deleteLater()

    def _send(self, request: OrderRequest) -> None:
        self.sending = True
        self.trading.tasks.spawn(self._submit(request), "ladder-stop")

    async def _submit(self, request: OrderRequest) -> None:
        try:
            order = await self.orders.submit(request)
        except SubmitRefused as exc:
            self.say("Not sent: " + "; ".join(r.message for r in exc.refusals), True)
            return
        except (EntryNotReady, NotConnected) as exc:
            self.say(f"Not sent: {exc}", True)
            return
        except SentNotJournaled as exc:  # the venue has it: never shown as "not sent"
            self.last_order = exc.order
            self.say(str(exc), True)
            return
        except Exception as exc:  # a journal failure and the like: visible, never silent
            log.exception("Ladder stop %s failed", request)
            self.say(f"Not sent: {exc}", True)
            return
        finally:
            self.sending = False
            self.trading.orders_version += 1
        self.last_order = order
        self.trading.last_submit = order
        bad = order.status in (OrderStatus.REJECTED, OrderStatus.UNKNOWN)
        self.say(
            f"{order.side.value.capitalize()} stop {order.amount} @ "
            f"{order.trigger_price}: {order.status.value}"
            + (f" ({order.reason})" if order.reason else ""),
            bad,
        )
