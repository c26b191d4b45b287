"""`trading-terminal --self-test`: the whole app, checked end to end in one run.

The normal GUI start (`terminal.app.run_gui`) builds the main window, the embedded paper
exchange and the services; this module then drives the window the way a user does:

1. waits for a live order book of the active market, painted in the ladder;
2. waits for order entry to open (reconciliation done);
3. fills the ticket (limit buy, 3 % under the best bid, the smallest amount the market
   takes), asks for the confirmation and clicks its Send button once it arms: the path
   of a click on *Buy*;
4. waits until the order is open on the exchange and listed in *Open orders*, selects
   it there and cancels it as the Delete key does;
5. reads the journal: the order must be canceled there, with its intent, the venue's
   acknowledgement and the cancel recorded as events;
6. raises an error in a Qt callback on purpose: the crash handler must show it as a
   non-modal notice naming the log file;
7. reports whether an OS keychain is usable (with the message the Connect dialog
   shows when none is), which tells whether the keyring backends made it into a bundle.

It prints one line per step with the time since start and exits 0; on the first step
that fails or times out it prints `self-test: FAILED: <reason>` and exits 1.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from decimal import ROUND_UP, Decimal
from typing import Any

log = logging.getLogger(__name__)

STEP_TIMEOUT_S = 60.0  # per step; a loaded 2-core machine still starts within this
# far enough under the bid not to fill at once, inside the 5 % price-deviation precaution
PRICE_OFFSET = Decimal("0.97")
MIN_ORDER_VALUE = Decimal(20)  # quote units, above every paper market's minimum


class SelfTestFailed(Exception):
    """One step did not reach its goal; the message is the one-line reason."""


def one_line(text: str, limit: int = 300) -> str:
    """A multi-line error (numpy's ImportError has twenty lines) as one line: its first
    and last non-empty lines, which name the error and its cause."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if not lines:
        return "no reason given"
    short = lines[0] if len(lines) == 1 else f"{lines[0]} ... {lines[-1]}"
    return short if len(short) <= limit else short[: limit - 3] + "..."


class SelfTest:
    """Runs inside the GUI's loop once the controller exists; keeps the outcome."""

    def __init__(
        self,
        started: float | None = None,
        *,
        step_timeout: float = STEP_TIMEOUT_S,
        out: Callable[[str], None] = print,
    ) -> None:
        self.started = time.monotonic() if started is None else started
        self.step_timeout = step_timeout
        self.out = out
        self.timings: dict[str, float] = {}
        self.failure: str | None = None
        self.done = False
        self._task: asyncio.Task[None] | None = None

    @property
    def exit_code(self) -> int:
        return 0 if self.done and self.failure is None else 1

    def attach(self, controller: Any, finish: Callable[[int], None]) -> None:
        """Start checking `controller` (a started TerminalController); `finish(code)`
        closes the window and ends the GUI when the check is over."""
        self._task = asyncio.ensure_future(self._run(controller, finish))

    def _step(self, name: str) -> None:
        self.timings[name] = elapsed = time.monotonic() - self.started
        self.out(f"self-test: {name:<28} {elapsed:6.2f} s")

    async def _until(self, what: str, check: Callable[[], Any], controller: Any) -> Any:
        deadline = time.monotonic() + self.step_timeout
        while True:
            if controller.error:
                raise SelfTestFailed(f"the terminal could not start: {controller.error}")
            value = check()
            if value:
                return value
            if time.monotonic() > deadline:
                raise SelfTestFailed(f"no {what} within {self.step_timeout:.0f} s")
            await asyncio.sleep(0.05)

    async def _run(self, controller: Any, finish: Callable[[int], None]) -> None:
        try:
            await self._check(controller)
        except asyncio.CancelledError:
            self.failure = self.failure or "the app was closed before the self-test ended"
            raise
        except SelfTestFailed as exc:
            self.failure = str(exc)
        except Exception as exc:
            log.exception("self-test error")
            self.failure = f"{type(exc).__name__}: {exc}"
        self.done = True
        total = time.monotonic() - self.started
        if self.failure is None:
            self.out(f"self-test: OK in {total:.2f} s")
        else:
            self.failure = one_line(self.failure)
            self.out(f"self-test: FAILED: {self.failure}")
        finish(self.exit_code)

    async def _check(self, c: Any) -> None:
        from terminal.core.marketstate import FeedKind, FeedStatus
        from terminal.domain.enums import Side
        from terminal.domain.order import OrderStatus
        from terminal.ui.panels.ticket import EntryKind

        self._step("window shown")
        await self._until("start of the services", lambda: c.ready, c)
        self._step("services up, paper connected")

        def book_key() -> Any:
            return c.market.active.key(FeedKind.BOOK) if c.market.active else None

        await self._until(
            "live order book",
            lambda: book_key() is not None and c.state.feed_status(book_key()) is FeedStatus.LIVE,
            c,
        )
        ladder = c.panels.book.ladder
        await self._until(
            "painted order book",
            lambda: not ladder.ladder().is_empty and ladder.frames.total > 0,
            c,
        )
        self._step("live book painted")
        entry = c.panels.entry
        await self._until("open order entry", lambda: entry.blocked_reason is None, c)
        self._step("order entry open")

        symbol = c.market.active.symbol
        rules = c.services.sessions[c.venue].markets[symbol]
        view = await self._until(
            "best bid", lambda: (v := c.state.book_view(book_key(), 1)) and v.best_bid and v, c
        )
        price = rules.round_price(view.best_bid.price * PRICE_OFFSET)
        step = rules.step_size or Decimal("0.00000001")
        amount = (MIN_ORDER_VALUE / price / step).to_integral_value(ROUND_UP) * step
        if rules.min_amount is not None:
            amount = max(amount, rules.min_amount)
        before = c.trading.last_submit
        entry.set_kind(EntryKind.LIMIT)
        entry.set_side(Side.BUY)
        entry.set_price(rules.format_price(price))
        entry.set_amount(rules.format_amount(amount))
        await self._until("complete ticket", entry.can_submit, c)
        entry.request_submit()
        dialog = await self._until("confirmation dialog", lambda: entry.confirmation, c)
        await self._until("armed Send button", lambda: dialog.armed, c)
        dialog.send_button.click()
        await self._until(
            "answer to the order", lambda: not entry.pending and entry.confirmation is None, c
        )
        order = c.trading.last_submit
        if order is before:
            raise SelfTestFailed(
                f"the ticket did not send the order: "
                f"{entry.status_label.text() or 'no reason shown'}"
            )
        if order.status is not OrderStatus.OPEN:
            raise SelfTestFailed(
                f"the order is {order.status.value}, not open "
                f"({order.reason or entry.status_label.text()})"
            )
        coid = str(order.client_order_id)
        self._step("order placed (open)")

        table = c.panels.open_orders
        # the row may show the order a frame before its open state reaches the table, and
        # the table sends a cancel only for an order it holds as cancellable
        await self._until(
            "cancel sent from Open orders",
            lambda: table.select(coid) and table.cancel_selected() == 1,
            c,
        )
        await self._until(
            "cancel confirmed",
            lambda: all(str(o.client_order_id) != coid for o in c.services.orders.open_orders()),
            c,
        )
        self._step("order cancelled")

        journal = c.services.journal
        stored = await journal.get_order(order.client_order_id)
        if stored is None:
            raise SelfTestFailed(f"order {coid} is not in the journal")
        if stored.status is not OrderStatus.CANCELED:
            raise SelfTestFailed(f"the journal has order {coid} as {stored.status.value}")
        events = await journal.events(coid)
        statuses = [e.status_after for e in events]
        if not any(s == OrderStatus.OPEN.value for s in statuses) or statuses[-1:] != [
            OrderStatus.CANCELED.value
        ]:
            raise SelfTestFailed(
                f"journal events of {coid} miss the open or the cancel: {statuses}"
            )
        self._step("journal has both")

        # an uncaught error in a Qt callback must reach the user as a non-modal notice
        # naming the log file (the crash handler, as frozen into a bundle)
        from PySide6.QtCore import QTimer

        marker = f"deliberate self-test error {coid}"

        def fail_on_purpose() -> None:
            raise RuntimeError(marker)

        QTimer.singleShot(0, fail_on_purpose)
        bar = c.window.notice_bar
        await self._until("crash notice", lambda: bar.isVisible() and marker in bar.label.text(), c)
        if "terminal.log" not in bar.label.text():
            raise SelfTestFailed(f"the crash notice names no log file: {bar.label.text()}")
        self._step("crash notice shown")

        # not a step that can fail: a bare Linux box has no keychain, and says so
        from terminal.secrets import CredentialStore

        status = await asyncio.to_thread(CredentialStore().status)
        self.out(
            f"self-test: keychain {'available' if status.available else 'none'}: {status.message}"
        )
