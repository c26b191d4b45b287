"""A perpetual session's futures state to the positions panel and the ticket's futures
section, and their actions back: closes and reverses become reduce-only orders sent
through the order service (`submit`), leverage and margin-mode changes go to the session
and the state is re-read at once.

The state polls on its own task (owned by `tasks`); every snapshot reaches the views by
`set_snapshot`, and they repaint on their frame timers. Whatever an action cannot do is
one line on the panel it came from (a refusal, the venue's words), never a traceback.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from decimal import Decimal

from terminal.core.errors import VenueError
from terminal.core.futures.actions import PositionActionError, close_requests, reverse_requests
from terminal.core.futures.state import FuturesSnapshot, FuturesState
from terminal.core.orders.errors import OrderServiceError
from terminal.core.supervision import TaskOwner
from terminal.domain.order import Order, OrderRequest, OrderStatus
from terminal.domain.position import MarginMode, Position
from terminal.ui.panels.futures_ticket import FuturesTicketSection
from terminal.ui.panels.positions import PositionsPanel

log = logging.getLogger(__name__)
Submit = Callable[[OrderRequest], Awaitable[Order]]


class FuturesWiring:
    def __init__(
        self,
        state: FuturesState,
        positions: PositionsPanel,
        ticket: FuturesTicketSection | None,
        submit: Submit,
        tasks: TaskOwner,
    ) -> None:
        self.state = state
        self.positions = positions
        self.ticket = ticket
        self._submit = submit
        self._tasks = tasks
        self._remove = state.changed.add(self._on_snapshot)
        positions.closeRequested.connect(self._on_close)
        positions.reverseRequested.connect(self._on_reverse)
        if ticket is not None:
            ticket.leverageChangeRequested.connect(self._on_leverage)
            ticket.marginModeChangeRequested.connect(self._on_margin_mode)
        self._on_snapshot(state.snapshot)

    def start(self) -> None:
        self._tasks.spawn(self.state.run(), f"futures-poll:{self.state.key.label}")

    def close(self) -> None:
        """Stop showing this session: the views may be bound to another one next."""
        self._remove()
        self.positions.closeRequested.disconnect(self._on_close)
        self.positions.reverseRequested.disconnect(self._on_reverse)
        if self.ticket is not None:
            self.ticket.leverageChangeRequested.disconnect(self._on_leverage)
            self.ticket.marginModeChangeRequested.disconnect(self._on_margin_mode)

    def _ticks(self) -> dict[str, Decimal]:
        markets = self.state.port.markets.items()
        return {str(s): r.tick_size for s, r in markets if r.tick_size is not None}

    def _on_snapshot(self, snap: FuturesSnapshot) -> None:
        self.positions.set_snapshot(snap, self._ticks())
        if self.ticket is not None:
            self.ticket.set_snapshot(snap)

    def _step(self, position: Position) -> Decimal | None:
        rules = self.state.port.markets.get(position.symbol)
        return rules.step_size if rules is not None else None

    # ---- positions panel -------------------------------------------------------------------
    def _on_close(self, position: Position, fraction: Decimal, price: Decimal | None) -> None:
        try:
            requests = close_requests(
                self.state.key, position, fraction=fraction, price=price, step=self._step(position)
            )
        except PositionActionError as exc:
            self.positions.say(str(exc), error=True)
            return
        what = "close" if fraction == 1 else "close half"
        self._tasks.spawn(self._send(what, requests), f"futures-{what}")

    def _on_reverse(self, position: Position) -> None:
        self._tasks.spawn(
            self._send("reverse", reverse_requests(self.state.key, position)), "futures-reverse"
        )

    async def _send(self, what: str, requests: list[OrderRequest]) -> None:
        """The orders one after another: a hedge-mode reverse opens the other side only
        once the close went through."""
        for request in requests:
            try:
                order = await self._submit(request)
            except (OrderServiceError, VenueError) as exc:
                self.positions.say(f"{what} refused: {exc}", error=True)
                return
            if order.status is OrderStatus.REJECTED:
                self.positions.say(f"{what} rejected: {order.reason}", error=True)
                return
        self.positions.say(f"{what} sent")
        await self.state.refresh_positions()

    # ---- ticket --------------------------------------------------------------------------------
    def _on_leverage(self, symbol: str, leverage: int) -> None:
        self._tasks.spawn(self._setting(self.state.set_leverage(symbol, leverage)), "leverage")

    def _on_margin_mode(self, symbol: str, mode: MarginMode) -> None:
        self._tasks.spawn(self._setting(self.state.set_margin_mode(symbol, mode)), "margin-mode")

    async def _setting(self, call: Awaitable[None]) -> None:
        assert self.ticket is not None
        try:
            await call
        except VenueError as exc:
            self.ticket.say(str(exc), error=True)
            return
        self.ticket.say("")
