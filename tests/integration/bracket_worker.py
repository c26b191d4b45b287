"""A terminal process that holds brackets, for the SIGKILL-and-restart test.

    python -m tests.integration.bracket_worker PAPER_URL KEY SECRET JOURNAL place \
        AMOUNT ENTRY STOP TARGET
    python -m tests.integration.bracket_worker PAPER_URL KEY SECRET JOURNAL watch

Both open the journal, connect to the paper exchange with the real ccxt session and
reconcile (which restores the brackets held by this terminal: fills that came while
no process ran get their legs, unless the price passed the stop). `place` then places
a limit buy bracket and prints `PLACED {json}`; `watch` prints `RESTORED {json}` with
every notice the order service gave. Both then print `BRACKETS {json}` (each open
bracket's covered amount and its current pair's legs) and keep running, holding the
brackets, until they are killed.
"""

from __future__ import annotations

import asyncio
import json
import sys
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace

from terminal.core.orders.bracket import BracketRequest
from terminal.domain.enums import OrderType, Side
from terminal.domain.order import OrderRequest
from tests.integration.test_orders_helpers import BTC, PAPER, order_stack

RUN_LIMIT_S = 300.0  # a worker left behind by a failed test ends by itself


async def brackets(journal) -> list[dict]:  # type: ignore[no-untyped-def]
    out = []
    for lst in await journal.order_lists(PAPER, open_only=False):
        if lst.kind.value != "bracket":
            continue
        pairs = lst.details.get("pairs") or []
        legs = await journal.list_legs(pairs[-1]) if pairs else []
        out.append(
            {
                "list_id": lst.list_id,
                "status": lst.status.value,
                "covered": lst.details["covered"],
                "pairs": pairs,
                "legs": [
                    {
                        "id": str(o.client_order_id),
                        "role": o.leg_role.value if o.leg_role else None,
                        "amount": str(o.amount),
                        "status": o.status.value,
                    }
                    for o in legs
                ],
            }
        )
    return out


async def main(url: str, key: str, secret: str, journal_path: str, mode: str, *args: str) -> None:
    handle = SimpleNamespace(url=url, accounts=[(key, secret)])
    notices: list[tuple[str, str]] = []
    async with order_stack(handle, Path(journal_path), reconcile=False) as (_s, journal, svc):
        svc.notices.add(notices.append)
        result = await svc.reconcile(_s.key)
        if mode == "place":
            amount, entry, stop, target = (Decimal(a) for a in args)
            order_list, order = await svc.place_bracket(
                BracketRequest(
                    entry=OrderRequest(PAPER, BTC, Side.BUY, OrderType.LIMIT, amount, entry),
                    stop_trigger=stop,
                    target=target,
                )
            )
            info = {
                "list_id": order_list.list_id,
                "entry": str(order.client_order_id),
                "status": order.status.value,
                "filled": str(order.filled),
            }
            print("PLACED " + json.dumps(info), flush=True)
        else:
            print(
                "RESTORED " + json.dumps({"ok": result.ok, "notices": notices}),
                flush=True,
            )
        print("BRACKETS " + json.dumps(await brackets(journal)), flush=True)
        await asyncio.sleep(RUN_LIMIT_S)  # a running terminal, until it is killed


if __name__ == "__main__":
    asyncio.run(main(*sys.argv[1:]))
