"""Market streams: turn book diffs, trades, candles and 24h stats into published frames."""

from __future__ import annotations

import asyncio
import contextlib
import re
from collections.abc import Callable

import orjson

from .candles import TF_MS
from .engine import Engine
from .frames import text_frame
from .hub import Hub
from .marketdata import MarketData
from .orders import PublicTrade

_TOPIC = re.compile(
    r"^([a-z0-9]+)@(depth|depth@100ms|depth@1000ms|trade|aggTrade|ticker|"
    r"miniTicker|bookTicker|kline_(?:1m|5m|15m|1h|4h|1d))$"
)
ARRAY_TOPICS = ("!miniTicker@arr", "!ticker@arr")


class Feeds:
    """Publishes every public stream; depth is flushed by a timer or by the stress loop."""

    def __init__(self, engine: Engine, md: MarketData, hub: Hub, clock: Callable[[], int]) -> None:
        self.engine = engine
        self.md = md
        self.hub = hub
        self.clock = clock
        self.lower = {m.lower: m.symbol for m in engine.specs.values()}
        self._last_bbo: dict[str, tuple[int | None, int | None, int, int]] = {}
        self.gap_requests: set[str] = set()
        # every depth diff (symbol, U, u, bids, asks) also goes here (the futures streams)
        self.on_diff: list[
            Callable[[str, int, int, list[tuple[int, int]], list[tuple[int, int]]], None]
        ] = []
        engine.on_trade.append(self._on_trade)

    def valid_topic(self, topic: str) -> bool:
        if topic in ARRAY_TOPICS:
            return True
        mt = _TOPIC.fullmatch(topic)
        return bool(mt and mt.group(1) in self.lower)

    # --- depth ----------------------------------------------------------------------
    def flush_depth(self, symbol: str) -> None:
        book = self.engine.books[symbol]
        d = book.take_diff()
        if symbol in self.gap_requests:
            # fault: the diff just taken (if any) goes out; the next one starts one id later
            self.gap_requests.discard(symbol)
            book.skip_update_id()
        if d is None:
            return
        for cb in self.on_diff:
            cb(symbol, *d)
        m = self.engine.specs[symbol]
        lo = m.lower
        hub = self.hub
        t100, t1000 = lo + "@depth@100ms", lo + "@depth"
        if t100 in hub.topics or t1000 in hub.topics:
            U, u, bids, asks = d
            pc, qc = m._price_cache, m._qty_cache  # cached strings, formatted on a miss
            ps, qs = m.price_str, m.qty_str
            frame = text_frame(
                orjson.dumps(
                    {
                        "e": "depthUpdate",
                        "E": self.clock(),
                        "s": symbol,
                        "U": U,
                        "u": u,
                        "b": [[pc.get(t) or ps(t), qc.get(q) or qs(q)] for t, q in bids],
                        "a": [[pc.get(t) or ps(t), qc.get(q) or qs(q)] for t, q in asks],
                    }
                )
            )
            hub.publish(t100, frame)
            hub.publish(t1000, frame)
            hub.depth_diffs_sent += 1
        tb = lo + "@bookTicker"
        if tb in hub.topics:
            b, a = book.bids.best(), book.asks.best()
            bbo = (b, a, book.bids.qty(b) if b else 0, book.asks.qty(a) if a else 0)
            if self._last_bbo.get(symbol) != bbo:
                self._last_bbo[symbol] = bbo
                hub.publish(
                    tb,
                    text_frame(
                        orjson.dumps(
                            {
                                "u": book.update_id,
                                "s": symbol,
                                "b": m.price_str(bbo[0] or 0),
                                "B": m.qty_str(bbo[2]),
                                "a": m.price_str(bbo[1] or 0),
                                "A": m.qty_str(bbo[3]),
                            }
                        )
                    ),
                )

    def flush_all_depth(self) -> None:
        for s in self.engine.specs:
            self.flush_depth(s)

    def request_gap(self, symbol: str) -> None:
        self.gap_requests.add(symbol)
        self.flush_depth(symbol)

    # --- trades -----------------------------------------------------------------------
    def _on_trade(self, symbol: str, tr: PublicTrade) -> None:
        m = self.engine.specs[symbol]
        lo = m.lower
        hub = self.hub
        now = self.clock()
        if lo + "@trade" in hub.topics:
            hub.publish(
                lo + "@trade",
                text_frame(
                    orjson.dumps(
                        {
                            "e": "trade",
                            "E": now,
                            "s": symbol,
                            "t": tr.trade_id,
                            "p": m.price_str(tr.price),
                            "q": m.qty_str(tr.qty),
                            "T": tr.time,
                            "m": tr.buyer_is_maker,
                            "M": True,
                        }
                    )
                ),
            )
        if lo + "@aggTrade" in hub.topics:
            hub.publish(
                lo + "@aggTrade",
                text_frame(
                    orjson.dumps(
                        {
                            "e": "aggTrade",
                            "E": now,
                            "s": symbol,
                            "a": tr.trade_id,
                            "p": m.price_str(tr.price),
                            "q": m.qty_str(tr.qty),
                            "f": tr.trade_id,
                            "l": tr.trade_id,
                            "T": tr.time,
                            "m": tr.buyer_is_maker,
                            "M": True,
                        }
                    )
                ),
            )

    # --- klines and tickers -----------------------------------------------------------
    def flush_klines(self) -> None:
        hub = self.hub
        now = self.clock()
        closed, self.md.closed_klines = self.md.closed_klines, []
        for sym, tf, row in closed:
            topic = f"{self.engine.specs[sym].lower}@kline_{tf}"
            if topic in hub.topics:
                hub.publish(topic, self._kline(sym, tf, row, True, now))
        dirty, self.md.kline_dirty = self.md.kline_dirty, set()
        for sym, tf in dirty:
            topic = f"{self.engine.specs[sym].lower}@kline_{tf}"
            if topic in hub.topics:
                row = self.md.series[sym][tf].rows[-1]
                hub.publish(topic, self._kline(sym, tf, row, False, now))

    def _kline(self, sym: str, tf: str, row: list[int], closed: bool, now: int) -> bytes:
        from .candles import kline_event

        m = self.engine.specs[sym]
        return text_frame(orjson.dumps(kline_event(m, tf, row, TF_MS[tf], closed, now)))

    def flush_tickers(self) -> None:
        hub = self.hub
        minis, fulls = [], []
        want_mini_arr = "!miniTicker@arr" in hub.topics
        want_full_arr = "!ticker@arr" in hub.topics
        for sym, m in self.engine.specs.items():
            lo = m.lower
            if lo + "@ticker" in hub.topics or want_full_arr:
                ev = self.md.ticker_event(sym)
                fulls.append(ev)
                hub.publish(lo + "@ticker", text_frame(orjson.dumps(ev)))
            if lo + "@miniTicker" in hub.topics or want_mini_arr:
                ev = self.md.mini_ticker_event(sym)
                minis.append(ev)
                hub.publish(lo + "@miniTicker", text_frame(orjson.dumps(ev)))
        if want_mini_arr and minis:
            hub.publish("!miniTicker@arr", text_frame(orjson.dumps(minis)))
        if want_full_arr and fulls:
            hub.publish("!ticker@arr", text_frame(orjson.dumps(fulls)))

    async def run(
        self, depth_interval: float, stop: asyncio.Event, skip_depth: Callable[[str], bool]
    ) -> None:
        """Timer loop: depth every ``depth_interval``, klines 4/s, tickers 1/s."""
        loop = asyncio.get_running_loop()
        next_k = next_t = loop.time()
        while not stop.is_set():
            for s in self.engine.specs:
                if not skip_depth(s):
                    self.flush_depth(s)
            now = loop.time()
            if now >= next_k:
                self.flush_klines()
                next_k = now + 0.25
            if now >= next_t:
                self.flush_tickers()
                next_t = now + 1.0
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), depth_interval)
