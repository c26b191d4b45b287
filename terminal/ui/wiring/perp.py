"""Perpetual sessions in the window: each connected one gets its futures state (polled on
the GUI's task owner); the Positions dock and the ticket's futures section show the
session the ticket sends to when that is a perpetual one, else the first perpetual
session connected. The section is shown above the ticket only while the ticket trades a
perpetual session; its reduce-only and close-position switches shape the ticket's order.

The chart shows the entry and liquidation price of each position of that session in the
pair it shows, as lines of its own price-line layer (not draggable).

The gate reads the mark, the leverage and the available margin of a perpetual order
through `gate_inputs` (no spot feed carries them; the root hands it to the services).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from terminal.core.futures.state import FuturesState, PerpGateInputs
from terminal.core.futures.symbols import spot_of
from terminal.core.orders.service import OrderService
from terminal.core.safety.precautions import MARKET_ORDER_CONFIRM
from terminal.core.supervision import TaskOwner
from terminal.domain.enums import Side
from terminal.domain.ids import Symbol
from terminal.domain.order import Order, OrderRequest
from terminal.domain.position import Position, PositionSide
from terminal.domain.session import MarketType, SessionKey
from terminal.ui.panels._style import dec_text
from terminal.ui.panels.ticket import EntryKind
from terminal.ui.wiring.futures import FuturesWiring
from terminal.ui.wiring.panels import Panels
from terminal.ui.wiring.trading import TradingWiring

if TYPE_CHECKING:  # pyqtgraph is imported with the chart, late
    from terminal.ui.widgets.price_lines import PriceLine

log = logging.getLogger(__name__)

BUY_LINE, SELL_LINE, LIQ_LINE = "#0ecb81", "#f6465d", "#f0b90b"
POSITIONS_EVERY_S = 1.0
FUNDING_EVERY_S = 15.0


class PerpWiring:
    def __init__(
        self, panels: Panels, orders: OrderService, tasks: TaskOwner, trading: TradingWiring
    ) -> None:
        self.panels = panels
        self.orders = orders
        self.tasks = tasks
        self.trading = trading
        self.states: dict[SessionKey, FuturesState] = {}
        self._polls: dict[SessionKey, asyncio.Task[Any]] = {}
        self.bound: FuturesWiring | None = None
        self._ticket_perp = False
        self.lines: Any = None  # the chart's PriceLineLayer of position lines
        self._lines_for: tuple[object, ...] = ()
        futures = self.panels.futures
        futures.reduceOnlyToggled.connect(self.panels.entry.set_reduce_only)
        futures.closePositionToggled.connect(self._close_position)

    # ---- sessions ------------------------------------------------------------------------
    def session_connected(self, session: Any) -> None:
        key = session.key
        if key.market is MarketType.SPOT or key in self.states:
            return
        state = FuturesState(
            session, positions_every_s=POSITIONS_EVERY_S, funding_every_s=FUNDING_EVERY_S
        )
        self.states[key] = state
        task = self.tasks.spawn(state.run(), f"futures-poll:{key.label}")
        if task is not None:
            self._polls[key] = task
        if self.bound is None:
            self._bind(key)
        ticket = self.trading.session
        if ticket is not None and ticket.venue == key.venue and self.trading.symbol is not None:
            self.trading.activate(key, self.trading.symbol)  # the ticket trades it now

    def session_disconnected(self, key: SessionKey) -> None:
        task = self._polls.pop(key, None)
        if task is not None:
            task.cancel()
        self.states.pop(key, None)
        if self.bound is not None and self.bound.state.key == key:
            self.bound.close()
            self.bound = None
            if self.states:
                self._bind(next(iter(self.states)))

    def _bind(self, key: SessionKey) -> None:
        if self.bound is not None:
            if self.bound.state.key == key:
                return
            self.bound.close()
        orders = self.orders

        async def submit(request: OrderRequest) -> Order:
            # a close from the panel reduces the position only: the click confirms it
            return await orders.submit(request, confirmed=frozenset({MARKET_ORDER_CONFIRM}))

        self.bound = FuturesWiring(
            self.states[key],
            self.panels.positions,
            self.panels.futures,
            submit,
            self.tasks,
        )

    def gate_inputs(self, key: SessionKey, symbol: Symbol) -> PerpGateInputs | None:
        state = self.states.get(key)
        return state.gate_inputs(symbol) if state is not None else None

    # ---- the ticket ----------------------------------------------------------------------
    def refresh(self) -> bool:
        """Per frame: follow the session and symbol the ticket trades."""
        key, symbol = self.trading.session, self.trading.symbol
        perp = key is not None and key.market is not MarketType.SPOT and key in self.states
        futures, entry = self.panels.futures, self.panels.entry
        if perp:
            assert key is not None and symbol is not None
            self._bind(key)
            state = self.states[key]
            state.watch(symbol)
            futures.set_market(entry.rules)
            inputs = state.gate_inputs(symbol)
            futures.set_ticket(entry.state.request, inputs.reference_price)
        self._show_lines()
        if perp != self._ticket_perp:
            self._ticket_perp = perp
            futures.setVisible(perp)
            if not perp:
                futures.close_position_box.setChecked(False)
                futures.reduce_only_box.setChecked(False)
        return False

    def _show_lines(self) -> None:
        """Entry and liquidation lines of the bound session's positions in the shown pair."""
        chart = self.panels.chart
        if chart is None:
            return
        if self.lines is None:
            self.lines = chart.line_layer(z=41.0)
        snap = self.bound.state.snapshot if self.bound is not None else None
        pair = spot_of(str(self.trading.symbol)) if self.trading.symbol is not None else None
        shown = (snap.key, snap.version, pair) if snap is not None else ()
        if shown == self._lines_for:
            return
        self._lines_for = shown
        self.lines.set(position_lines(snap.positions, pair) if snap is not None else [])

    def _close_position(self, on: bool) -> None:
        """Fill the ticket with the whole position of its symbol, opposite side, market,
        reduce-only; unticked, the ticket is left as it is (reduce-only stays ticked)."""
        if not on or self.bound is None:
            return
        entry = self.panels.entry
        symbol = self.trading.symbol
        held = [
            p for p in self.bound.state.snapshot.positions if p.symbol == symbol and p.size != 0
        ]
        if not held:
            self.panels.futures.say(f"no open position in {symbol} to close", error=True)
            self.panels.futures.close_position_box.setChecked(False)
            return
        position = held[0]
        long = position.side is PositionSide.LONG
        entry.set_side(Side.SELL if long else Side.BUY)
        entry.set_kind(EntryKind.MARKET)
        entry.set_amount_in_quote(False)
        entry.set_amount(str(position.base_size))
        entry.set_reduce_only(True)
        self.panels.futures.say("")

    def aclose(self) -> None:
        for key in list(self._polls):
            self.session_disconnected(key)


def position_lines(positions: Iterable[Position], pair: str | None) -> list[PriceLine]:
    """An entry line (solid) and a liquidation line (dashed) per position in `pair`."""
    from terminal.ui.widgets.price_lines import LineStyle, PriceLine

    out: list[PriceLine] = []
    for p in positions:
        if pair is None or spot_of(str(p.symbol)) != pair or p.size == 0:
            continue
        long = p.side is PositionSide.LONG
        side = "LONG" if long else "SHORT"
        colour = BUY_LINE if long else SELL_LINE
        key = f"position:{p.symbol}:{p.side.value}"
        out.append(
            PriceLine(
                f"{key}:entry",
                p.entry_price,
                f"{side} {dec_text(p.size)} entry {dec_text(p.entry_price)}",
                colour,
                LineStyle.SOLID,
                tooltip=f"{p.symbol} {side.lower()} position: average entry price",
                short=f"{side} entry",
            )
        )
        if p.liquidation_price is not None:
            out.append(
                PriceLine(
                    f"{key}:liq",
                    p.liquidation_price,
                    f"LIQ {side} {dec_text(p.liquidation_price)}",
                    LIQ_LINE,
                    LineStyle.DASHED,
                    tooltip=f"{p.symbol} {side.lower()} position: estimated liquidation price",
                    short="LIQ",
                )
            )
    return out
