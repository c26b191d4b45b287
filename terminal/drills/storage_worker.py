"""The storage drill's child process: one journal action, its outcome as one JSON line.

    python -m terminal.drills.storage_worker hold URL LOCK N    write N intents, hold
    python -m terminal.drills.storage_worker fill URL LOCK N    intents until one fails
    python -m terminal.drills.storage_worker open URL LOCK      open, write one intent

`fill` and `open` print {"acked": [client ids whose write returned], "error": "the one
line the user would see" or ""}; `hold` prints the same once its N intents are written,
then sleeps until killed. With FSIZE set, the process's file-size limit is that many
bytes (a full disk without root).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import sys
import time
from decimal import Decimal
from pathlib import Path

from terminal.domain.enums import OrderType, Side
from terminal.domain.ids import Symbol, VenueId
from terminal.domain.order import Order, OrderRequest


def _order() -> Order:
    return Order.from_request(
        OrderRequest(
            VenueId("paper"),
            Symbol("BTC/USDT"),
            Side.BUY,
            OrderType.LIMIT,
            Decimal("0.010"),
            Decimal("25000.10"),
        )
    )


def main(argv: list[str]) -> int:
    action, url, lock = argv[0], argv[1], Path(argv[2])
    n = int(argv[3]) if len(argv) > 3 else 1
    if os.environ.get("FSIZE"):
        import resource
        import signal

        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # EFBIG, as a full disk, not a kill
        limit = int(os.environ["FSIZE"])
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    from terminal.journal import SqlJournal

    acked: list[str] = []
    error = ""
    journal = None
    try:
        journal = SqlJournal.open(url, lock_path=lock)
        for _ in range(n if action != "open" else 1):
            order = _order()
            asyncio.run(journal.record_intent(order))
            acked.append(str(order.client_order_id))
    except Exception as exc:  # the refusal the user would read, as the CLI shows it
        error = str(exc).strip()
    print(json.dumps({"acked": acked, "error": error}), flush=True)
    if action == "hold" and not error:
        time.sleep(120)
    if journal is not None:
        with contextlib.suppress(Exception):
            journal.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
