"""Public market data derived from the engine: candles per timeframe and 24h statistics."""

from __future__ import annotations

import random
from collections.abc import Callable
from decimal import Decimal

from .candles import TF_MS, TF_ORDER, CandleSeries, backfill_segments
from .engine import Engine
from .markets import MarketSpec, format_decimal
from .orders import PublicTrade

DAY_MS = 86_400_000


class MarketData:
    """Candles and 24h stats for every symbol, kept current from the engine's trades."""

    def __init__(
        self,
        engine: Engine,
        seed: int,
        clock: Callable[[], int],
        start_prices: dict[str, int],
        backfill: int = 1000,
        minute_volumes: dict[str, int] | None = None,
    ) -> None:
        """`minute_volumes`: the live market's traded quantity per minute per symbol
        (calibrate.minute_volumes), the scale of the back-filled candles' volume."""
        self.engine = engine
        self.clock = clock
        self.series: dict[str, dict[str, CandleSeries]] = {}
        self.kline_dirty: set[tuple[str, str]] = set()
        self.closed_klines: list[tuple[str, str, list[int]]] = []
        now = clock()
        for sym, m in engine.specs.items():
            rng = random.Random(f"{seed}:{sym}:backfill")
            segs = backfill_segments(
                m, rng, now, start_prices[sym], backfill, (minute_volumes or {}).get(sym)
            )
            per_tf = {}
            for tf in TF_ORDER:
                s = CandleSeries(tf)
                s.load(segs)
                per_tf[tf] = s
            self.series[sym] = per_tf
            if segs:
                engine.last_price.setdefault(sym, segs[-1][4])
        engine.on_trade.append(self._on_trade)
        self._stats_cache: dict[str, tuple[int, dict[str, object]]] = {}

    def _on_trade(self, symbol: str, tr: PublicTrade) -> None:
        taker_buy = not tr.buyer_is_maker
        for tf, s in self.series[symbol].items():
            closed = s.add_trade(tr.time, tr.price, tr.qty, taker_buy)
            if closed is not None:
                self.closed_klines.append((symbol, tf, list(closed)))
            self.kline_dirty.add((symbol, tf))

    # --- 24h statistics -----------------------------------------------------------------
    def stats(self, symbol: str) -> dict[str, object]:
        """REST ``ticker/24hr`` FULL shape, recomputed at most every 250 ms."""
        now = self.clock()
        cached = self._stats_cache.get(symbol)
        if cached is not None and now - cached[0] < 250:
            return cached[1]
        m = self.engine.specs[symbol]
        rows = self.series[symbol]["15m"].rows
        start = now - DAY_MS
        window = [r for r in rows[-100:] if r[0] >= start - start % TF_MS["15m"]]
        last = self.engine.last_price.get(symbol) or (rows[-1][4] if rows else 0)
        if not window:
            window = [[now, last, last, last, last, 0, 0, 0, 0, 0]]
        open_ = window[0][1]
        high = max(r[2] for r in window)
        low = min(r[3] for r in window)
        vol = sum(r[5] for r in window)
        qv = sum(r[6] for r in window)
        count = sum(r[7] for r in window)
        book = self.engine.books[symbol]
        b, a = book.bids.best(), book.asks.best()
        tape = self.engine.tape[symbol]
        last_qty = tape[-1].qty if tape else 0
        last_id = tape[-1].trade_id if tape else 0
        change = last - open_
        pct = (Decimal(change) * 100 / Decimal(open_)).quantize(Decimal("0.001")) if open_ else 0
        wavg = (m.notional_dec(qv) / m.qty_dec(vol)) if vol else m.price_dec(last)
        out = {
            "symbol": symbol,
            "priceChange": m.price_str(change) if change >= 0 else "-" + m.price_str(-change),
            "priceChangePercent": f"{pct:f}",
            "weightedAvgPrice": format_decimal(wavg.quantize(m.tick)),
            "prevClosePrice": m.price_str(open_),
            "lastPrice": m.price_str(last),
            "lastQty": m.qty_str(last_qty),
            "bidPrice": m.price_str(b or 0),
            "bidQty": m.qty_str(book.bids.qty(b) if b else 0),
            "askPrice": m.price_str(a or 0),
            "askQty": m.qty_str(book.asks.qty(a) if a else 0),
            "openPrice": m.price_str(open_),
            "highPrice": m.price_str(high),
            "lowPrice": m.price_str(low),
            "volume": m.qty_str(vol),
            "quoteVolume": m.notional_str(qv),
            "openTime": now - DAY_MS,
            "closeTime": now,
            "firstId": max(0, last_id - count + 1),
            "lastId": last_id,
            "count": count,
        }
        self._stats_cache[symbol] = (now, out)
        return out

    def ticker_event(self, symbol: str) -> dict[str, object]:
        s = self.stats(symbol)
        return {
            "e": "24hrTicker",
            "E": self.clock(),
            "s": symbol,
            "p": s["priceChange"],
            "P": s["priceChangePercent"],
            "w": s["weightedAvgPrice"],
            "x": s["prevClosePrice"],
            "c": s["lastPrice"],
            "Q": s["lastQty"],
            "b": s["bidPrice"],
            "B": s["bidQty"],
            "a": s["askPrice"],
            "A": s["askQty"],
            "o": s["openPrice"],
            "h": s["highPrice"],
            "l": s["lowPrice"],
            "v": s["volume"],
            "q": s["quoteVolume"],
            "O": s["openTime"],
            "C": s["closeTime"],
            "F": s["firstId"],
            "L": s["lastId"],
            "n": s["count"],
        }

    def mini_ticker_event(self, symbol: str) -> dict[str, object]:
        s = self.stats(symbol)
        return {
            "e": "24hrMiniTicker",
            "E": self.clock(),
            "s": symbol,
            "c": s["lastPrice"],
            "o": s["openPrice"],
            "h": s["highPrice"],
            "l": s["lowPrice"],
            "v": s["volume"],
            "q": s["quoteVolume"],
        }

    def spec(self, symbol: str) -> MarketSpec:
        return self.engine.specs[symbol]
