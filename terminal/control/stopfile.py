"""The stop request file: the way to the running terminal when its channel is out of reach.

When the journal is held but nobody answers on the control channel, `trading-terminal
stop` writes `journal.sqlite.stop` (mode 0600, atomically) beside the advertisement.
Every process holding the journal checks for it every `POLL_S` and once at start
(`watch`): it engages the stop as the channel would, answers in
`journal.sqlite.stop-ack` with the request's random id, its pid and the state, removes
the request, and adds the sweep's result to the answer when the sweep has finished. A
request nobody takes stays where it is: the next process to open the journal engages
it. Both files live in the user's own data directory, where only the user can write.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import secrets
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from terminal.control.advert import sibling, unlink, write_private

log = logging.getLogger(__name__)
POLL_S = 0.25
MAX_FILE_BYTES = 1 << 20


def request_path(advert_path: Path) -> Path:
    return sibling(advert_path, ".stop")


def ack_path(advert_path: Path) -> Path:
    return sibling(advert_path, ".stop-ack")


def write_request(advert_path: Path, scope: str, reason: str, settle_timeout: float) -> str:
    """Leave a stop request for the running terminal; returns its id."""
    request_id = secrets.token_hex(16)
    body = {
        "id": request_id,
        "pid": os.getpid(),
        "at": time.time(),
        "scope": scope,
        "reason": reason[:500],
        "settle_timeout": settle_timeout,
    }
    write_private(request_path(advert_path), json.dumps(body).encode())
    return request_id


def _read(path: Path) -> dict[str, Any] | None:
    try:
        value = json.loads(path.read_bytes()[:MAX_FILE_BYTES])
    except (OSError, ValueError):
        return None
    return value if isinstance(value, dict) else None


def read_request(advert_path: Path) -> dict[str, Any] | None:
    request = _read(request_path(advert_path))
    if request is None or not isinstance(request.get("id"), str):
        return None
    return request


def write_ack(advert_path: Path, request_id: str, **fields: Any) -> None:
    body = {"id": request_id, "pid": os.getpid(), **fields}
    write_private(ack_path(advert_path), json.dumps(body).encode())


def read_ack(advert_path: Path, request_id: str) -> dict[str, Any] | None:
    """The answer to `request_id`, or None (none yet, or one to another request)."""
    ack = _read(ack_path(advert_path))
    if ack is None or not secrets.compare_digest(str(ack.get("id")), request_id):
        return None
    return ack


def remove_request(advert_path: Path) -> None:
    unlink(request_path(advert_path))


def remove_ack(advert_path: Path, request_id: str) -> None:
    if read_ack(advert_path, request_id) is not None:
        unlink(ack_path(advert_path))


async def watch(advert_path: Path, on_request: Callable[[dict[str, Any]], Awaitable[None]]) -> None:
    """Hand every stop request found to `on_request` (which answers and removes it)."""
    path = request_path(advert_path)
    while True:
        if path.exists():  # a stat of a local file: cheap enough for the loop's thread
            request = await asyncio.to_thread(read_request, advert_path)
            if request is None:
                log.warning("stop request %s is unreadable; engaging the stop anyway", path)
                request = {"id": "unreadable", "scope": "all", "reason": "stop request file"}
            try:
                await on_request(request)
            except Exception:
                log.exception("stop request %s could not be handled", path)
                await asyncio.sleep(2.0)  # try again, but do not spin
        await asyncio.sleep(POLL_S)
