"""Back-filled candles have the volume the live market builds: history and the minute
being built are on one scale, and the REST klines and the kline stream give the same
figures for the same minute."""

from __future__ import annotations

import asyncio
import random
import statistics
from decimal import Decimal

from terminal.paper.calibrate import minute_volumes
from terminal.paper.candles import backfill_segments
from terminal.paper.engine import Engine, FeeSchedule
from terminal.paper.generator import Generator, Rates
from terminal.paper.markets import default_markets
from tests.fixtures_paper import paper_pro, paper_rest, run_async

NOW = 1_796_459_100_000


def live_minute_volumes(rate: str, minutes: float = 3.0) -> dict[str, float]:
    """What the live simulator trades per minute (its own seed, bursts and all), measured
    by running it against a scratch engine for a few virtual minutes."""
    markets = default_markets()
    start = {m.symbol: int(m.start_price.scaleb(m.price_decimals)) for m in markets}
    engine = Engine(markets, lambda: 0, FeeSchedule(Decimal(0), Decimal(0)))
    traded = dict.fromkeys(engine.specs, 0)
    engine.on_trade.append(lambda s, tr: traded.__setitem__(s, traded[s] + tr.qty))
    rates = Rates.preset(rate)
    generator = Generator(engine, 7, rates, start)
    generator.seed_books()
    for _ in range(int(minutes * 60 / rates.step_s)):
        generator.step_all(rates.step_s)
    return {s: q / minutes for s, q in traded.items()}


def test_backfilled_minutes_trade_what_the_live_market_trades() -> None:
    markets = default_markets()
    start = {m.symbol: int(m.start_price.scaleb(m.price_decimals)) for m in markets}
    for rate in ("calm", "normal"):
        live = live_minute_volumes(rate)
        calibrated = minute_volumes(markets, Rates.preset(rate), 7, start)
        for m in markets:
            segments = backfill_segments(
                m,
                random.Random(f"7:{m.symbol}:backfill"),
                NOW,
                start[m.symbol],
                300,
                calibrated[m.symbol],
            )
            minutes = [seg[5] for seg in segments if seg[10] == 60_000]
            history = statistics.mean(minutes)
            ratio = history / live[m.symbol]
            # same scale: a random walk's sweeps vary from minute to minute, a factor of
            # two either way is the same market; before, history was a hundredth of it
            assert 0.5 < ratio < 2.0, (rate, m.symbol, history, live[m.symbol])
            hours = [seg[5] for seg in segments if seg[10] == 3_600_000]
            assert 0.5 < statistics.mean(hours) / (60 * live[m.symbol]) < 2.0, (rate, m.symbol)


def test_rest_klines_and_the_kline_stream_agree_on_the_same_minute(paper_module) -> None:  # type: ignore[no-untyped-def]
    async def main() -> None:
        async with paper_pro(paper_module) as pro, paper_rest(paper_module) as rest:
            await rest.load_markets()
            history = await rest.fetch_ohlcv("BTC/USDT", "1m", limit=30)
            await asyncio.wait_for(pro.watch_ohlcv("BTC/USDT", "1m"), 20)
            for _ in range(20):  # a few live updates of the minute being built
                await asyncio.wait_for(pro.watch_ohlcv("BTC/USDT", "1m"), 20)
            await asyncio.to_thread(paper_module.control.pause)
            try:
                await asyncio.sleep(1.0)  # the stream flushes klines four times a second
                streamed = {row[0]: row for row in pro.ohlcvs["BTC/USDT"]["1m"]}
                fetched = {row[0]: row for row in await rest.fetch_ohlcv("BTC/USDT", "1m", limit=5)}
            finally:
                await asyncio.to_thread(paper_module.control.resume)
            minute = max(streamed)
            assert fetched[minute][5] == streamed[minute][5] > 0
            assert fetched[minute][1:5] == streamed[minute][1:5]
            # and the minute being built is on the scale of the back-filled ones
            closed = [row[5] for row in history[:-1]]
            assert streamed[minute][5] < 5 * max(closed)

    run_async(main(), 60)
