"""A reconciliation that fails is retried with backoff until it succeeds, and while it
has not, order entry says why (ticket and health panel read the same reason).

Real pieces: the paper exchange with its clock jumped 22 s ahead (every signed request
gets -1021) and its time endpoint failing for a while, so re-measuring the clock cannot
help at first; TerminalServices with its private ccxt.pro streams and SQLite journal.
No asyncio "never retrieved"/uncaught notice may come out of it."""

from __future__ import annotations

import asyncio
import time

import pytest

from terminal import crash
from terminal.core.health import VenueState
from terminal.domain.enums import VenueMode
from terminal.domain.ids import VenueId
from terminal.domain.session import SessionKey
from terminal.paper.embedded import start_paper_exchange
from terminal.services import TerminalServices
from tests.fixtures_paper import run_async
from tests.integration.test_orders_helpers import services_options

KEY, SECRET = "rec-key-000001", "rec-secret-0000000000001"
PAPER = VenueId("paper")
PAPER_KEY = SessionKey(VenueId("paper"), VenueMode.PAPER)


@pytest.fixture(scope="module")
def paper(tmp_path_factory):  # type: ignore[no-untyped-def]
    handle = start_paper_exchange(
        tmp_path_factory.mktemp("paper-rec"), faults=True, rate="calm", accounts=[(KEY, SECRET)]
    )
    try:
        yield handle
    finally:
        handle.stop()


async def until(pred, timeout: float, what: str):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not (value := pred()):
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        await asyncio.sleep(0.05)
    return value


def test_a_failed_reconciliation_retries_until_it_succeeds(paper, tmp_path) -> None:  # type: ignore[no-untyped-def]
    notices: list[crash.CrashReport] = []
    remove = crash.add_notice_callback(notices.append)

    async def main() -> None:
        crash.install_on_loop(asyncio.get_running_loop())
        ctl = paper.control
        async with TerminalServices(services_options(tmp_path, paper, KEY, SECRET)) as svc:
            session = await svc.connect("paper")
            orders = svc.orders
            assert orders.entry_ready(PAPER_KEY)
            await until(
                lambda: session.health.snapshot().state is VenueState.LIVE, 15, "the venue live"
            )
            try:
                await asyncio.to_thread(ctl.clock_skew, 22_000)
                await asyncio.to_thread(ctl.rest_errors, 503, 6, 0.0, "/api/v3/time")
                # what a private-stream reconnect does: reconcile, entry open meanwhile
                result = await orders.on_stream_reconnect(PAPER_KEY)
                assert not result.ok
                reason = orders.entry_block_reason(PAPER_KEY)
                assert reason is not None and "retrying in" in reason, reason
                snap = session.health.snapshot()
                assert snap.entry_blocked == reason
                assert snap.state is not VenueState.LIVE
                assert (
                    "order entry disabled: reconciliation with paper failed" in snap.detail
                    or snap.state is VenueState.DOWN
                ), snap.detail
                # nobody asks again: the retries open entry by themselves once the time
                # endpoint answers and the clock is re-measured
                await until(lambda: orders.entry_ready(PAPER_KEY), 40, "entry open again")
                assert session.clock_offset_ms == pytest.approx(22_000, abs=3_000)
                snap = session.health.snapshot()
                assert snap.entry_blocked is None
                assert "order entry disabled" not in snap.detail
                assert not orders.recovery.running(PAPER)
            finally:
                await asyncio.to_thread(ctl.clear_faults)

    try:
        run_async(main(), 90)
    finally:
        remove()
    assert not notices, [n.summary for n in notices]
