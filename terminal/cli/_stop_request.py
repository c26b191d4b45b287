"""`trading-terminal stop` when the journal is held but the control channel is out of reach.

The command leaves a stop request file beside the journal (`terminal.control.stopfile`)
that the running terminal checks four times a second, and waits for its answer. It
prints ENGAGED only when the answer to this very request (its random id) has come
from a live process; otherwise it says the request is waiting and where, and exits 3.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path
from typing import Any

from terminal.cli._stop_exit import EXIT_INCOMPLETE, EXIT_SERVICES
from terminal.control import stopfile
from terminal.control.instance import holder_alive

CONFIRM_WAIT_S = 10.0  # the holder checks every 0.25 s; a busy one gets ten seconds
RESULT_WAIT_S = 170.0  # the running terminal's sweep is bounded by 150 s


async def engage_by_request(
    args: argparse.Namespace, advert_path: Path, why_not: str, printer: Any
) -> tuple[int, dict[str, Any] | None]:
    """(exit code, the last answer); `printer` prints the answers as they come."""
    request_id = await asyncio.to_thread(
        stopfile.write_request, advert_path, args.scope, args.reason, max(0.0, args.settle_timeout)
    )
    where = stopfile.request_path(advert_path)
    print(
        f"trading-terminal stop: the running terminal holds the journal but its control "
        f"channel did not answer ({why_not or 'none is advertised'}); asked it through "
        f"{where}.",
        file=sys.stderr,
        flush=True,
    )
    ack = await _answer(advert_path, request_id, CONFIRM_WAIT_S, lambda a: True)
    if ack is None:
        print(
            f"trading-terminal stop: the running terminal did not confirm the stop within "
            f"{CONFIRM_WAIT_S:g} s. NOT confirmed: the request stays in {where} and is "
            "engaged as soon as that terminal (or the next one to open this journal) reads "
            "it. Press EMERGENCY STOP (F12) in its window.",
            file=sys.stderr,
        )
        return EXIT_SERVICES, None
    printer({**ack, "event": "engaged"})
    last = await _answer(
        advert_path, request_id, RESULT_WAIT_S, lambda a: a.get("event") == "result"
    )
    await asyncio.to_thread(stopfile.remove_ack, advert_path, request_id)
    if last is None or not last.get("finished"):
        error = (last or {}).get("error") or f"no sweep result within {RESULT_WAIT_S:g} s"
        print(
            f"trading-terminal stop: {error}; the stop is engaged. Check the running terminal.",
            file=sys.stderr,
        )
        return EXIT_INCOMPLETE, last
    printer(last)
    return -1, last  # the caller judges the sweep result like a channel answer


async def _answer(
    advert_path: Path, request_id: str, wait: float, wanted: Any
) -> dict[str, Any] | None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + wait
    while True:
        ack = await asyncio.to_thread(stopfile.read_ack, advert_path, request_id)
        if ack is not None and holder_alive(_pid(ack)) and wanted(ack):
            return ack
        if loop.time() >= deadline:
            return None
        await asyncio.sleep(0.1)


def _pid(ack: dict[str, Any]) -> int | None:
    pid = ack.get("pid")
    return pid if isinstance(pid, int) and pid > 0 else None
