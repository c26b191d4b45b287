"""Hostile or broken venue frames are feed faults: counted in health, the book resynced
from a fresh subscription, no "Uncaught exception" notice, and the venue LIVE again.

Real frames through the paper exchange's fault injection (garbage, truncated JSON, a
price "NaN", a side of the wrong type, a crossed book), read by the real ccxt.pro client
inside the exchange manager's feed loop, with the crash handler installed on the loop
as the app installs it."""

from __future__ import annotations

import asyncio
import math
import time

import pytest

from terminal import crash
from terminal.core.health import VenueState
from terminal.core.marketstate import FeedKey, FeedStatus
from tests.exchange.test_feeds_paper import OPTS, manager
from tests.fixtures_paper import run_async

BOOK = FeedKey.book("paper", "BTC/USDT")


async def until(pred, timeout: float, what: str) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not pred():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        await asyncio.sleep(0.02)


def _sane(view) -> bool:  # type: ignore[no-untyped-def]
    if view is None or not view.bids or not view.asks:
        return False
    prices = [lv.price for lv in (*view.bids, *view.asks)]
    return (
        all(math.isfinite(float(p)) and p > 0 for p in prices)
        and view.bids[0].price < view.asks[0].price
    )


@pytest.mark.parametrize("kind", ["malformed", "truncated", "nan", "wrong_types", "crossed"])
def test_a_bad_frame_is_a_feed_fault_and_the_book_resyncs(paper, endpoint, kind) -> None:  # type: ignore[no-untyped-def]
    notices: list[crash.CrashReport] = []
    remove = crash.add_notice_callback(notices.append)

    async def go() -> None:
        crash.install_on_loop(asyncio.get_running_loop())
        async with manager(endpoint, OPTS) as m:
            session = await m.connect("paper")
            sub = m.subscribe(BOOK)
            await until(lambda: m.state.is_live(BOOK), 15, "a live book")
            health = session.health
            before = health.snapshot()
            reconnects = before.feed(BOOK).reconnects
            # ccxt skips, unread, a diff no newer than its snapshot (the paper's snapshot
            # may be a few diffs ahead of what it has sent), and the fault may land on
            # one right after the book went live: it is armed again (bounded) until one
            # reaches the book
            for _ in range(5):
                await asyncio.to_thread(paper.control.malformed, kind, 1, "market")
                try:
                    await until(
                        lambda: health.snapshot().bad_data > before.bad_data,
                        4,
                        f"the {kind} frame counted in health",
                    )
                    break
                except AssertionError:
                    continue
            assert health.snapshot().bad_data > before.bad_data, health.snapshot().feed(BOOK)
            await until(
                lambda: health.snapshot().feed(BOOK).reconnects > reconnects,
                15,
                "the book resubscribed",
            )
            await until(
                lambda: m.state.feed_status(BOOK) is FeedStatus.LIVE, 15, "the book live again"
            )
            assert _sane(m.state.book_view(BOOK, 50)), m.state.book_view(BOOK, 50)
            snap = health.snapshot()
            assert snap.bad_data >= before.bad_data + 1, snap.last_bad_data
            assert snap.last_bad_data
            await until(
                lambda: health.snapshot().state is VenueState.LIVE, 15, "the venue live again"
            )
            sub.close()

    try:
        run_async(go(), 60)
    finally:
        remove()
    assert not notices, [n.summary for n in notices]
