"""FuturesSession (the terminal's perpetual-futures adapter) with the real ccxt client
against the paper exchange's USDⓈ-M futures: long and short at leverage 1, 5 and 20 in
one-way and in hedge mode, cross and isolated; every Position figure the terminal maps
is checked against Binance's published formulas (written out independently in
tests/paper/futures/formulas.py) to the cent; refusals are one line with the venue's code.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from decimal import Decimal

import pytest

from terminal.core.errors import OrderRejectedError
from terminal.domain.enums import OrderType, Side, VenueMode
from terminal.domain.ids import Symbol, VenueId
from terminal.domain.order import Order, OrderRequest, OrderStatus
from terminal.domain.position import (
    MarginMode,
    Position,
    PositionMode,
    PositionSide,
    cross_margin_ratio_percent,
)
from terminal.domain.session import MarketType
from terminal.exchange.catalogue import paper_info
from terminal.exchange.futures_session import FuturesSession
from terminal.exchange.session import PaperEndpoint
from terminal.paper.control_client import PaperControl
from terminal.paper.embedded import PaperExchangeHandle, start_paper_exchange
from tests.exchange.conftest import FAST
from tests.fixtures_paper import run_async
from tests.paper.futures import formulas as f

BTC, ETH, SOL = Symbol("BTC/USDT:USDT"), Symbol("ETH/USDT:USDT"), Symbol("SOL/USDT:USDT")
D = Decimal
KEYS = [(f"perp-key-{i}", f"perp-secret-{i}") for i in range(1, 6)]


@pytest.fixture(scope="module")
def perp_paper(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PaperExchangeHandle]:
    h = start_paper_exchange(tmp_path_factory.mktemp("perp-session"), faults=True, accounts=KEYS)
    try:
        yield h
    finally:
        h.stop()


def session(h: PaperExchangeHandle, account: str) -> FuturesSession:
    endpoint = PaperEndpoint(h.url, tuple(h.accounts))
    return FuturesSession(paper_info(), VenueMode.PAPER, account, paper=endpoint, options=FAST)


def order(
    symbol: Symbol,
    side: Side,
    amount: str,
    *,
    type_: OrderType = OrderType.MARKET,
    reduce_only: bool = False,
    close_position: bool = False,
    trigger: str | None = None,
) -> Order:
    return Order.from_request(
        OrderRequest(
            VenueId("paper"),
            symbol,
            side,
            type_,
            D(amount),
            reduce_only=reduce_only,
            close_position=close_position,
            trigger_price=D(trigger) if trigger else None,
        )
    )


def tiers_as_rows(tiers) -> list[dict]:
    return [{"notionalCap": t.notional_cap, "maintMarginRatio": t.mmr, "cum": t.cum} for t in tiers]


def check_against_formulas(positions: list[Position], cross_wallet: D, brackets: dict) -> None:
    """Each Position the terminal holds agrees with Binance's formulas to the cent."""
    rows = [
        {
            "symbol": p.symbol,
            "side": ("LONG" if p.side is PositionSide.LONG else "SHORT") if p.hedged else "BOTH",
            "amount": p.signed_size,
            "entry": p.entry_price,
            "mark": p.mark_price,
            "pos": p,
        }
        for p in positions
    ]
    for r in rows:
        p: Position = r["pos"]
        br = brackets[p.symbol]
        assert abs(p.unrealized_pnl - f.upnl(r["amount"], p.entry_price, p.mark_price)) < f.CENT
        assert p.leverage is not None
        assert abs(p.initial_margin - p.size * p.mark_price / p.leverage) < f.CENT
        assert abs(p.maintenance_margin - f.maint(r["amount"], p.mark_price, br)) < f.CENT
        assert abs(p.notional - p.size * p.mark_price) < f.CENT
        roe = p.roe_percent
        assert roe is not None
        assert abs(roe - p.unrealized_pnl / (p.size * p.mark_price / p.leverage) * 100) < D("0.01")
        if p.margin_mode is MarginMode.ISOLATED:
            assert p.isolated_wallet is not None
            expected = f.liquidation_price(p.isolated_wallet, D(0), D(0), [r], br)
        else:
            others = [
                o
                for o in rows
                if o["symbol"] != p.symbol and o["pos"].margin_mode is MarginMode.CROSS
            ]
            tmm1 = sum(
                (f.maint(o["amount"], o["mark"], brackets[o["symbol"]]) for o in others), D(0)
            )
            upnl1 = sum((f.upnl(o["amount"], o["entry"], o["mark"]) for o in others), D(0))
            mine = [o for o in rows if o["symbol"] == p.symbol]
            expected = f.liquidation_price(cross_wallet, tmm1, upnl1, mine, br)
        got = p.liquidation_price or D(0)
        assert abs(got - expected) < f.CENT, (p, expected)


def test_connects_as_a_perp_session_with_only_perpetual_markets(perp_paper) -> None:
    async def go() -> None:
        s = session(perp_paper, "default")
        try:
            await s.connect()
            assert s.key.market is MarketType.PERP and s.key.label == "paper/paper/default/perp"
            assert set(s.markets) == {BTC, ETH, SOL}
            rules = s.markets[BTC]
            assert rules.step_size == D("0.001") and rules.min_notional == D("100")
            assert s.position_mode is PositionMode.ONE_WAY
            with pytest.raises(OrderRejectedError, match=r"has no perpetual market BTC/USDT$"):
                s.market("BTC/USDT")
        finally:
            await s.close()

    run_async(go())


@pytest.mark.parametrize("hedged", [False, True], ids=["one-way", "hedge"])
def test_long_and_short_at_1_5_20_agree_with_binance_formulas(perp_paper, hedged: bool) -> None:
    ctl = PaperControl(perp_paper.url)

    async def go() -> None:
        s = session(perp_paper, "acct3" if hedged else "acct2")
        try:
            await s.connect()
            await s.set_position_mode(PositionMode.HEDGE if hedged else PositionMode.ONE_WAY)
            assert (await s.fetch_position_mode()) is s.position_mode
            brackets = {sym: tiers_as_rows(await s.fetch_leverage_tiers(sym)) for sym in (BTC, ETH)}
            short_sym, short_qty = (BTC, "0.01") if hedged else (ETH, "0.2")
            for lev, margin in (
                (1, MarginMode.CROSS),
                (5, MarginMode.ISOLATED),
                (20, MarginMode.CROSS),
                (20, MarginMode.ISOLATED),
            ):
                for sym in {BTC, short_sym}:
                    await s.set_leverage(sym, lev)
                    await s.set_margin_mode(sym, margin)
                    settings = await s.fetch_margin_settings(sym)
                    assert (settings.leverage, settings.margin_mode) == (D(lev), margin)
                for o in (order(BTC, Side.BUY, "0.01"), order(short_sym, Side.SELL, short_qty)):
                    report = await s.create_order(o)
                    assert report.status is OrderStatus.FILLED, report
                await asyncio.to_thread(ctl.pause)
                try:
                    for premium in ("0", "0.004", "-0.004"):
                        for sym in ("BTCUSDT", "ETHUSDT"):
                            await asyncio.to_thread(
                                ctl.post, "/futures/premium", {"symbol": sym, "premium": premium}
                            )
                        positions = await s.fetch_positions()
                        got = sorted((str(p.symbol), p.side, p.size) for p in positions)
                        assert got == sorted(
                            [
                                (BTC, PositionSide.LONG, D("0.01")),
                                (short_sym, PositionSide.SHORT, D(short_qty)),
                            ]
                        )
                        for p in positions:
                            assert (p.leverage, p.margin_mode, p.hedged) == (D(lev), margin, hedged)
                        account = await s.fetch_margin_account()
                        assert account.cross_wallet is not None
                        check_against_formulas(positions, account.cross_wallet, brackets)
                        premium_index = await s.fetch_funding(BTC)
                        btc = next(
                            p for p in positions if p.symbol == BTC and p.side is PositionSide.LONG
                        )
                        assert btc.mark_price == premium_index.mark_price
                        ratio = cross_margin_ratio_percent(positions, account)
                        assert ratio is not None and D(0) <= ratio < D(100)
                finally:
                    for sym in ("BTCUSDT", "ETHUSDT"):
                        await asyncio.to_thread(
                            ctl.post, "/futures/premium", {"symbol": sym, "premium": "0"}
                        )
                    await asyncio.to_thread(ctl.resume)
                # close both through reduce-only orders: in hedge mode the session sends
                # the position side (SELL LONG, BUY SHORT), in one-way mode reduceOnly
                await s.create_order(order(BTC, Side.SELL, "0.01", reduce_only=True))
                await s.create_order(order(short_sym, Side.BUY, short_qty, reduce_only=True))
                assert await s.fetch_positions() == [], (lev, margin)
        finally:
            await s.close()

    run_async(go(), timeout=180)


def test_reduce_only_never_opens_and_close_position_stop_closes(perp_paper) -> None:
    async def go() -> None:
        s = session(perp_paper, "acct4")
        try:
            await s.connect()
            await s.set_leverage(BTC, 10)
            with pytest.raises(OrderRejectedError, match=r"-2022"):
                await s.create_order(order(BTC, Side.SELL, "0.01", reduce_only=True))
            await s.create_order(order(BTC, Side.BUY, "0.01"))
            # reduce-only larger than the position is cut to it: it never opens a short
            await s.create_order(order(BTC, Side.SELL, "0.05", reduce_only=True))
            assert await s.fetch_positions() == []
            await s.create_order(order(BTC, Side.BUY, "0.02"))
            (pos,) = await s.fetch_positions()
            stop = order(
                BTC,
                Side.SELL,
                "0.02",
                type_=OrderType.STOP_MARKET,
                close_position=True,
                trigger=str((pos.mark_price * D("0.5")).quantize(D("0.01"))),
            )
            report = await s.create_order(stop)
            assert report.status is OrderStatus.PENDING_TRIGGER
            algo = (await s.rest.fapiPrivateGetOpenAlgoOrders())[0]
            assert algo["closePosition"] in (True, "true") and algo["orderType"] == "STOP_MARKET"
            with pytest.raises(OrderRejectedError, match="close-position is for stop-market"):
                await s.create_order(order(BTC, Side.SELL, "0.02", close_position=True))
            # flatten: a reduce-only market order of the position's size
            await s.create_order(order(BTC, Side.SELL, str(pos.size), reduce_only=True))
            assert await s.fetch_positions() == []
        finally:
            await s.close()

    run_async(go(), timeout=120)


def test_refusals_are_one_line_with_the_venue_code(perp_paper) -> None:
    async def go() -> None:
        s = session(perp_paper, "acct5")
        other = session(perp_paper, "acct5")
        try:
            await s.connect()
            with pytest.raises(OrderRejectedError) as err:
                await s.set_leverage(SOL, 100)  # SOLUSDT's first bracket allows 75x
            text = str(err.value)
            assert "\n" not in text and "Leverage 100 is not valid (code -4028)" in text
            assert text.startswith("leverage 100x for SOL/USDT:USDT refused by paper")
            assert "-4028" in text
            with pytest.raises(OrderRejectedError, match="outside 1-200x"):
                await s.set_leverage(BTC, 0)
            await s.set_leverage(BTC, 1)
            with pytest.raises(OrderRejectedError) as err:
                await s.create_order(order(BTC, Side.BUY, "5"))  # ~300k notional at 1x
            assert "-2019" in str(err.value) and "\n" not in str(err.value)
            # hedge mode switched by another client: this session still sends one-way
            # orders (no position side), which the venue refuses with -4061
            await other.connect()
            await other.set_position_mode(PositionMode.HEDGE)
            assert s.position_mode is PositionMode.ONE_WAY
            with pytest.raises(OrderRejectedError) as err:
                await s.create_order(order(BTC, Side.BUY, "0.01"))
            assert "-4061" in str(err.value) and "\n" not in str(err.value)
            await s.fetch_position_mode()  # read again: orders now carry the side
            await s.create_order(order(BTC, Side.BUY, "0.01"))
            (pos,) = await s.fetch_positions()
            assert pos.hedged and pos.side is PositionSide.LONG
            await s.create_order(order(BTC, Side.SELL, "0.01", reduce_only=True))
            assert await s.fetch_positions() == []
        finally:
            await s.close()
            await other.close()

    run_async(go(), timeout=120)


def test_funding_rate_and_next_funding_time(perp_paper) -> None:
    async def go() -> None:
        s = session(perp_paper, "default")
        try:
            await s.connect()
            fund = await s.fetch_funding(ETH)
            assert fund.symbol == ETH and fund.rate == D("0.0001")  # no premium: I = 0.01 %
            assert (
                fund.next_funding_ms is not None and fund.next_funding_ms % (8 * 3600 * 1000) == 0
            )
            now_ms = int(time.time() * 1000)
            left = fund.seconds_to_funding(now_ms)
            assert left is not None and 0 <= left <= 8 * 3600
            assert fund.seconds_to_funding(fund.next_funding_ms + 5000) == 0
            assert fund.mark_price is not None and fund.index_price is not None
        finally:
            await s.close()

    run_async(go())


def test_spot_session_refuses_futures_flags(perp_paper) -> None:
    from terminal.exchange.session import VenueSession

    async def go() -> None:
        endpoint = PaperEndpoint(perp_paper.url, tuple(perp_paper.accounts))
        s = VenueSession(paper_info(), VenueMode.PAPER, paper=endpoint, options=FAST)
        try:
            await s.connect()
            spot = Order.from_request(
                OrderRequest(
                    VenueId("paper"),
                    Symbol("BTC/USDT"),
                    Side.SELL,
                    OrderType.MARKET,
                    D("0.01"),
                    reduce_only=True,
                )
            )
            with pytest.raises(OrderRejectedError, match="for perpetual futures, not spot"):
                await s.create_order(spot)
        finally:
            await s.close()

    run_async(go())
