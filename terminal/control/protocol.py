"""Framing and limits of the control channel.

One request per connection: the client sends one JSON object on one line,
`{"token": ..., "cmd": "engage" | "status" | "reset", "args": {...}}`, and reads reply
lines (JSON objects) until the server closes. Every reply carries the server's `pid`
(so a client can tell a stale advertisement whose port another process now uses) and
an `event`: `engaged` then `result` for engage (the first as soon as new orders are
blocked, the second when the sweep has finished), `status`, `reset`, or `error`.
"""

from __future__ import annotations

import json
from typing import Any

COMMANDS = ("engage", "status", "reset")
MAX_REQUEST_BYTES = 4096  # a request is a token and a few short fields
MAX_REPLY_BYTES = 1 << 20  # a sweep result lists at most a few hundred order ids
REQUEST_READ_TIMEOUT_S = 5.0  # a client that does not send its line in time is dropped
MAX_CONNECTIONS = 8  # concurrent; more are answered "busy" and closed
ENGAGE_REPLY_TIMEOUT_S = 150.0  # the sweep itself is bounded (StopSweeper venue_timeout)


class ProtocolError(ValueError):
    """A malformed request or reply."""


def encode(message: dict[str, Any]) -> bytes:
    return json.dumps(message, separators=(",", ":")).encode() + b"\n"


def decode(line: bytes) -> dict[str, Any]:
    try:
        value = json.loads(line)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ProtocolError(f"not JSON: {exc}") from None
    if not isinstance(value, dict):
        raise ProtocolError("not a JSON object")
    return value
