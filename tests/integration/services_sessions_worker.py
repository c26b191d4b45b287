"""A terminal process (the real composition root) trading three sessions, for the
window restart test after SIGKILL.

    python -m tests.integration.services_sessions_worker CONFIG_JSON DATA_DIR

CONFIG_JSON: {"paper": URL, "paper_account": "KEY:SECRET", "sessions": [[venue, account,
key, secret], ...], "price": "..."}. DATA_DIR's settings.json names any further paper
exchange (`paper.others`). It starts `TerminalServices` on DATA_DIR (its journal),
connects and reconciles each session, places two limit buys at `price` in each through
the order service and its gate, prints `PLACED {session label: [client ids]}` and keeps
running until it is killed.
"""

from __future__ import annotations

import asyncio
import json
import sys
from decimal import Decimal

from terminal.domain.enums import OrderType, Side, VenueMode
from terminal.domain.ids import Symbol
from terminal.domain.order import OrderRequest
from terminal.services import ServicesOptions, TerminalServices

RUN_LIMIT_S = 300.0  # a worker left behind by a failed test ends by itself
BTC = Symbol("BTC/USDT")


async def main(config: str, data_dir: str) -> None:
    cfg = json.loads(config)
    options = ServicesOptions(
        data_dir=data_dir,
        paper_url=cfg["paper"],
        paper_account=cfg["paper_account"],
        control_channel=False,
    )
    async with TerminalServices(options) as services:
        assert services.orders is not None
        placed: dict[str, list[str]] = {}
        for venue, account, key, secret in cfg["sessions"]:
            credentials = {"apiKey": key, "secret": secret}
            session = await services.connect(
                venue, VenueMode.PAPER, account, credentials=credentials, reconcile=True
            )
            await services.refresh_market_inputs(venue, str(BTC), session.key)
            for amount in ("0.001", "0.002"):  # two orders, not one sent twice
                order = await services.orders.submit(
                    OrderRequest(
                        session.venue,
                        BTC,
                        Side.BUY,
                        OrderType.LIMIT,
                        Decimal(amount),
                        Decimal(cfg["price"]),
                        mode=session.mode,
                        account=session.account,
                    )
                )
                assert order.status.value == "open", (order.status, order.reason)
                placed.setdefault(session.key.label, []).append(str(order.client_order_id))
        print("PLACED " + json.dumps(placed), flush=True)
        await asyncio.sleep(RUN_LIMIT_S)  # a running terminal, until it is killed


if __name__ == "__main__":
    asyncio.run(main(*sys.argv[1:]))
