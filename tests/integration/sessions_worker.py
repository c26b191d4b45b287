"""A terminal process trading three sessions at once, for the sessions SIGKILL test.

    python -m tests.integration.sessions_worker CONFIG_JSON JOURNAL

CONFIG_JSON: {"paper": URL, "paper2": URL, "accounts": {label: [key, secret]},
"paper2_account": [key, secret], "price": "..."}. It connects two sessions of the paper
venue (accounts `alice` and `bob`) and the default session of a second paper exchange
(venue `paper2`), attaches them to one order service on one journal, reconciles each,
places two limit buys at `price` in each, prints `PLACED {label: [client ids]}` and
keeps running until it is killed.
"""

from __future__ import annotations

import asyncio
import json
import sys
from decimal import Decimal

from terminal.core.orders.service import OrderService
from terminal.domain.enums import OrderType, Side
from terminal.domain.ids import Symbol
from terminal.domain.order import OrderRequest
from terminal.exchange.manager import ExchangeManager
from terminal.exchange.session import PaperEndpoint, SessionOptions
from terminal.journal import SqlJournal
from tests.integration.test_orders_helpers import FAST

RUN_LIMIT_S = 300.0  # a worker left behind by a failed test ends by itself
BTC = Symbol("BTC/USDT")
OPTIONS = SessionOptions(heartbeat_s=0, rate_limit_ms=1, timeout_ms=10_000)


async def connect_all(manager: ExchangeManager, cfg: dict) -> list:
    """The three sessions: paper/alice, paper/bob, paper2/default."""
    manager.add_paper_venue("paper2", PaperEndpoint(cfg["paper2"], (tuple(cfg["paper2_account"]),)))
    sessions = []
    for label in ("alice", "bob"):
        key, secret = cfg["accounts"][label]
        sessions.append(
            await manager.connect(
                "paper", account=label, credentials={"apiKey": key, "secret": secret}
            )
        )
    sessions.append(await manager.connect("paper2"))
    return sessions


def manager_for(cfg: dict) -> ExchangeManager:
    first = tuple(next(iter(cfg["accounts"].values())))
    return ExchangeManager(paper=PaperEndpoint(cfg["paper"], (first,)), session_options=OPTIONS)


async def main(config: str, journal_path: str) -> None:
    cfg = json.loads(config)
    journal = SqlJournal.open(f"sqlite:///{journal_path}")
    service = OrderService(journal, policy=FAST)
    async with manager_for(cfg) as manager:
        try:
            sessions = await connect_all(manager, cfg)
            for s in sessions:
                service.attach(s)
                result = await service.reconcile(s.key)
                assert result.ok, result.error
            placed: dict[str, list[str]] = {}
            for s in sessions:
                for _ in range(2):
                    order = await service.submit(
                        OrderRequest(
                            s.venue,
                            BTC,
                            Side.BUY,
                            OrderType.LIMIT,
                            Decimal("0.001"),
                            Decimal(cfg["price"]),
                            mode=s.mode,
                            account=s.account,
                        )
                    )
                    assert order.status.value == "open", (order.status, order.reason)
                    placed.setdefault(s.key.label, []).append(str(order.client_order_id))
            print("PLACED " + json.dumps(placed), flush=True)
            await asyncio.sleep(RUN_LIMIT_S)  # a running terminal, until it is killed
        finally:
            await service.aclose()
            journal.close()


if __name__ == "__main__":
    asyncio.run(main(*sys.argv[1:]))
