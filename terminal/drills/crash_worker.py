"""One process of the crash drill: reconcile, report, then trade until killed.

    python -m terminal.drills.crash_worker PAPER_URL KEY SECRET JOURNAL SPEC_JSON

1. opens the journal (taking its lock), connects to the paper exchange with the REAL
   ccxt session and reconciles: this settles whatever the previous, killed process
   left behind; prints `RECONCILED <summary json>` and waits for `GO` (or `STOP`);
2. places and cancels orders through the real OrderService, and SIGKILLs itself at the
   kill point named in SPEC (`kill`, at operation `at_op`):
   - intent_committed: the intent is in the journal, the order not yet sent;
   - in_flight: the create request is on the wire, no reply read yet;
   - reply_received: the venue's reply is in hand, not yet journaled;
   - cancel_before_send / cancel_in_flight / cancel_reply: the same for a cancel;
   - none: no self-kill (the drill's parent kills it on a random timer).
The kill points are installed by wrapping the session here, in the drill, so the
product code carries no test hooks.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import signal
import sys
from decimal import Decimal

from terminal.core.orders import OrderPolicy, OrderService, SubmitRefused
from terminal.domain.enums import OrderType, Side, TimeInForce, VenueMode
from terminal.domain.ids import Symbol, VenueId
from terminal.domain.order import OrderRequest, OrderStatus
from terminal.exchange.catalogue import paper_info
from terminal.exchange.session import PaperEndpoint, SessionOptions, VenueSession
from terminal.journal import SqlJournal

BTC = Symbol("BTC/USDT")
POLICY = OrderPolicy(
    unknown_query_backoff_s=0.05, unknown_query_backoff_max_s=0.2, double_submit_window_s=0.0
)
CREATE_KILLS = {"intent_committed", "in_flight", "reply_received"}
CANCEL_KILLS = {"cancel_before_send", "cancel_in_flight", "cancel_reply"}


def die() -> None:
    sys.stdout.flush()
    os.kill(os.getpid(), signal.SIGKILL)


def install_kill_points(session: VenueSession, spec: dict, state: dict) -> None:
    real_create, real_cancel = session.create_order, session.cancel_order

    async def in_flight(call):
        task = asyncio.ensure_future(call)
        await asyncio.sleep(random.uniform(0, 0.004))  # on the wire, reply not read
        die()
        return await task

    async def create_order(order):
        if state["armed"] == "intent_committed":
            die()
        if state["armed"] == "in_flight":
            return await in_flight(real_create(order))
        report = await real_create(order)
        if state["armed"] == "reply_received":
            die()
        return report

    async def cancel_order(order):
        if state["armed"] == "cancel_before_send":
            die()
        if state["armed"] == "cancel_in_flight":
            return await in_flight(real_cancel(order))
        report = await real_cancel(order)
        if state["armed"] == "cancel_reply":
            die()
        return report

    session.create_order = create_order  # type: ignore[method-assign]
    session.cancel_order = cancel_order  # type: ignore[method-assign]


async def main(url: str, key: str, secret: str, journal_path: str, spec: dict) -> int:
    rng = random.Random(spec.get("seed", 0))
    journal = SqlJournal.open(f"sqlite:///{journal_path}")
    session = VenueSession(
        paper_info(),
        VenueMode.PAPER,
        "default",
        paper=PaperEndpoint(url, ((key, secret),)),
        options=SessionOptions(heartbeat_s=0, rate_limit_ms=1),
    )
    service = OrderService(journal, policy=POLICY)
    try:
        await session.connect()
        service.attach(session)
        result = await service.reconcile(session.key)
        print("RECONCILED " + json.dumps(result.as_dict()), flush=True)
        command = await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)
        if command.strip() != "GO":
            return 0
        state = {"armed": None}
        install_kill_points(session, spec, state)
        book = await session.fetch_order_book_raw(BTC, 5)
        bid, ask = Decimal(repr(book["bids"][0][0])), Decimal(repr(book["asks"][0][0]))
        kill, at_op = spec.get("kill", "none"), spec.get("at_op", 0)
        for op in range(spec.get("ops", 6)):
            live = [o for o in service.open_orders() if o.status is OrderStatus.OPEN]
            want_cancel = kill in CANCEL_KILLS if op == at_op else (live and rng.random() < 0.4)
            if want_cancel and live:
                state["armed"] = kill if op == at_op and kill in CANCEL_KILLS else None
                await service.cancel(rng.choice(live).client_order_id)
                continue
            state["armed"] = kill if op == at_op and kill in CREATE_KILLS else None
            side = rng.choice([Side.BUY, Side.SELL])
            if rng.random() < 0.25:
                request = OrderRequest(
                    VenueId("paper"), BTC, side, OrderType.MARKET, Decimal("0.0005")
                )
            else:
                far = bid * Decimal("0.9") if side is Side.BUY else ask * Decimal("1.1")
                request = OrderRequest(
                    VenueId("paper"),
                    BTC,
                    side,
                    OrderType.LIMIT,
                    Decimal("0.0005"),
                    far.quantize(Decimal("0.01")),
                    time_in_force=TimeInForce.GTC,
                )
            try:
                await service.submit(request)
            except SubmitRefused as exc:
                print(f"refused: {exc}", flush=True)
        print("DONE", flush=True)
        return 0
    finally:
        await service.aclose()
        await session.close()
        journal.close()


if __name__ == "__main__":
    url_, key_, secret_, journal_, spec_ = sys.argv[1:6]
    sys.exit(asyncio.run(main(url_, key_, secret_, journal_, json.loads(spec_))))
