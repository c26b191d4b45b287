"""A venue clock that jumps (or a local clock left behind by a suspend) makes every
signed request fail with -1021 until the difference is measured again. The session does
that by itself on the first refusal, for reads (then retried at once) and after a refused
order (the next one passes). Real ccxt against the paper exchange's clock-skew fault."""

from __future__ import annotations

import asyncio
from decimal import Decimal

import pytest

from terminal.core.errors import OrderRejectedError
from terminal.domain.enums import OrderType, Side, VenueMode
from terminal.domain.ids import Symbol
from terminal.exchange.catalogue import paper_info
from terminal.exchange.session import PaperEndpoint, VenueSession
from tests.exchange.conftest import FAST
from tests.exchange.test_session_paper import best, far_below, order
from tests.fixtures_paper import run_async

BTC = Symbol("BTC/USDT")


def test_reads_resync_the_clock_after_a_refused_timestamp(paper, endpoint: PaperEndpoint) -> None:
    async def go() -> None:
        s = VenueSession(paper_info(), VenueMode.PAPER, paper=endpoint, options=FAST)
        await s.connect()
        try:
            assert s.rest.options.get("timeDifference", 0) == 0
            await asyncio.to_thread(paper.control.clock_skew, 22_000)
            balances = await s.fetch_balances()  # refused once, re-measured, retried
            assert balances.get("USDT").total > 0
            assert s.clock_offset_ms == pytest.approx(22_000, abs=2_000)
            assert s.rest.options["timeDifference"] == pytest.approx(-22_000, abs=2_000)
            assert "-1021" in s.health.snapshot().last_error  # the refusal is on record
            # the venue clock comes back: the adjustment goes with it
            await asyncio.to_thread(paper.control.clock_skew, 0)
            assert (await s.fetch_open_orders(BTC)) is not None
            assert s.rest.options["timeDifference"] == 0
        finally:
            await s.close()

    run_async(go(), 60)


def test_a_refused_order_resyncs_so_the_next_one_passes(paper, endpoint: PaperEndpoint) -> None:
    async def go() -> None:
        s = VenueSession(paper_info(), VenueMode.PAPER, paper=endpoint, options=FAST)
        await s.connect()
        try:
            bid, _ = await best(s)
            await asyncio.to_thread(paper.control.clock_skew, -30_000)
            first = order(Side.BUY, OrderType.LIMIT, "0.001", far_below(s, bid))
            with pytest.raises(OrderRejectedError, match="clock"):
                await s.create_order(first)  # never sent again: refused, nothing happened
            deadline = asyncio.get_running_loop().time() + 10
            while s.rest.options.get("timeDifference", 0) == 0:
                assert asyncio.get_running_loop().time() < deadline, "no re-measure"
                await asyncio.sleep(0.05)
            second = order(Side.BUY, OrderType.LIMIT, "0.001", far_below(s, bid))
            report = await s.create_order(second)
            assert report.venue_order_id is not None
            assert report.price == Decimal(far_below(s, bid))
        finally:
            await asyncio.to_thread(paper.control.clock_skew, 0)
            await s.close()

    run_async(go(), 60)
