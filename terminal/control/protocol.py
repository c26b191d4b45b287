"""Framing, limits and the mutual proof of the control channel.

One request per connection, one JSON object per line, and neither side ever sends the
secret itself:

1. client: `{"v": 2, "hello": NC}` (NC: 32 random bytes, hex);
2. server: `{"v": 2, "pid": P, "nonce": NS, "proof": mac("server", NC, NS, P)}`;
   a client sends nothing more unless that proof checks out, so a process that
   took over a stale socket or port learns nothing but a random nonce;
3. client: `{"request": R, "proof": mac("client", NC, NS, R)}` where R is the request
   `{"cmd": "engage" | "status" | "reset" | "show", "args": {...}}` as a JSON string;
4. server: reply lines `{"reply": B, "mac": mac("reply", NC, NS, SEQ, B)}` (SEQ counts
   from 0) until it closes; B is a JSON object with the server's `pid` and an `event`:
   `engaged` then `result` for engage (the first as soon as new orders are blocked, the
   second when the sweep has finished), `status`, `reset`, `show` or `error`.

`mac` is HMAC-SHA256 keyed with the channel's random token. Both nonces are fresh per
connection, so no proof can be replayed, and every reply is bound to its request's
connection and position, so nothing can be dropped or forged in between.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from typing import Any

VERSION = 2
COMMANDS = ("engage", "status", "reset", "show")
NONCE_HEX = 64  # 32 random bytes
MAX_REQUEST_BYTES = 4096  # a request is a nonce, a proof and a few short fields
MAX_REPLY_BYTES = 1 << 20  # a sweep result lists at most a few hundred order ids
HANDSHAKE_TIMEOUT_S = 3.0  # hello, proof and request together, per connection
MAX_PENDING = 256  # connections not yet authenticated; past it the oldest is dropped
ENGAGE_REPLY_TIMEOUT_S = 150.0  # the sweep itself is bounded (StopSweeper venue_timeout)


class ProtocolError(ValueError):
    """A malformed request or reply."""


def encode(message: dict[str, Any]) -> bytes:
    return dumps(message).encode() + b"\n"


def dumps(message: dict[str, Any]) -> str:
    return json.dumps(message, separators=(",", ":"))


def decode(line: bytes | str) -> dict[str, Any]:
    try:
        value = json.loads(line)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ProtocolError(f"not JSON: {exc}") from None
    if not isinstance(value, dict):
        raise ProtocolError("not a JSON object")
    return value


def new_nonce() -> str:
    return secrets.token_hex(NONCE_HEX // 2)


def is_nonce(value: object) -> bool:
    if not isinstance(value, str) or len(value) != NONCE_HEX:
        return False
    try:
        bytes.fromhex(value)
    except ValueError:
        return False
    return True


def mac(token: str, label: str, *parts: str | int) -> str:
    """HMAC-SHA256 over the label and parts, each length-prefixed (no ambiguity)."""
    body = bytearray()
    for part in (f"trading-terminal control v{VERSION} {label}", *parts):
        data = str(part).encode()
        body += len(data).to_bytes(4, "big") + data
    return hmac.new(token.encode(), bytes(body), hashlib.sha256).hexdigest()


def mac_ok(expected: str, given: object) -> bool:
    return isinstance(given, str) and hmac.compare_digest(expected.encode(), given.encode())
