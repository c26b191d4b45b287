"""The "execute, then fail the reply" fault of order entry (spot and futures alike)."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from aiohttp import web

from .errors import ApiError

if TYPE_CHECKING:
    from .host import FaultHost

UNKNOWN_OUTCOME = ApiError(
    -1007,
    "Timeout waiting for response from backend server. Send "
    "status unknown; execution status unknown.",
    status=503,
)


async def fail_reply_if_asked(srv: FaultHost, request: web.Request) -> None:
    """After the engine has acted: the connection dies, the reply times out, or a 5xx
    comes back (outcome unknown); "slow" only delays the normal reply (the order is live
    meanwhile)."""
    mode = srv.faults.take_order_unknown() if srv.faults.enabled else ""
    if mode == "slow":
        await asyncio.sleep(srv.faults_timeout_s)
        return
    if mode == "close":
        if request.transport is not None:
            request.transport.abort()
        raise asyncio.CancelledError
    if mode == "timeout":
        await asyncio.sleep(srv.faults_timeout_s)
        raise UNKNOWN_OUTCOME
    if mode == "5xx":
        raise UNKNOWN_OUTCOME
