"""The emergency stop cancels order lists held by the venue and pairs held by this
terminal, and says how many of each (real ccxt, real paper exchange, real journal)."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

from terminal.core.safety import StopScope, order_service_sink
from terminal.domain.enums import HeldBy, Side
from terminal.domain.ids import AccountLabel, Symbol, VenueId
from terminal.domain.order import OrderStatus
from terminal.domain.orderlist import ProtectionRequest
from tests.fixtures_paper import run_async
from tests.integration.test_emergency_stop import Terminal, venue_open_orders


def test_stop_cancels_native_lists_and_terminal_held_legs_and_counts_them(paper_exchange, tmp_path):
    async def scenario() -> None:
        term = await Terminal(paper_exchange, tmp_path / "journal.sqlite").open()
        try:
            market = term.session.markets[Symbol("BTC/USDT")]
            mid = term.prices["BTC/USDT"]

            def pair() -> ProtectionRequest:
                return ProtectionRequest(
                    venue=VenueId("paper"),
                    symbol=Symbol("BTC/USDT"),
                    side=Side.SELL,
                    amount=Decimal("0.00200"),
                    stop_trigger=market.round_price(mid * Decimal("0.97")),
                    target=market.round_price(mid * Decimal("1.03")),
                    account=AccountLabel("main"),
                )

            native, _ = await term.service.place_oco(pair())
            assert native.held_by is HeldBy.VENUE
            real = term.session.capabilities
            term.session.capabilities = lambda s: replace(real(s), native_oco=False)
            held, legs = await term.service.place_oco(pair())
            assert held.held_by is HeldBy.TERMINAL
            assert {o.status for o in legs} == {OrderStatus.PENDING_TRIGGER, OrderStatus.OPEN}
            assert len(await venue_open_orders(paper_exchange)) == 4

            term.safety.stop.engage(StopScope.ALL, "drill with order lists")
            result = await term.safety.stop.sweep(
                [term.session], report_sink=order_service_sink(term.service), settle_timeout=10
            )
            v = result.venues[0]
            assert result.ok, result.lines()
            assert v.remaining_open == 0 and await venue_open_orders(paper_exchange) == []
            assert len(v.order_lists) == 1, v.line()
            assert v.terminal_held == {str(o.client_order_id) for o in legs}, v.line()
            assert "1 order list(s) held by the venue, 2 terminal-held leg(s)" in v.line()
        finally:
            await term.close()

    run_async(scenario(), timeout=120)
