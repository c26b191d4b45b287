"""Depth diffs that are valid JSON but cannot be right, for the malformed-frame fault:

* ``nan``: a bid whose amount is ``"NaN"``;
* ``wrong_types``: a bid whose price is an object;
* ``crossed``: a bid ten times above the highest price in the diff, so the client's
  book has its best bid above its best ask.

Each extra bid is priced above every level, so it lands at the top of the client's book
(where a depth limit cannot trim it away).

A client must treat each as a feed fault (count it, resync the book), never show it.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

import orjson

HOSTILE_KINDS = ("nan", "wrong_types", "crossed")


def hostile_depth(payload: bytes, kind: str) -> bytes | None:
    """The depth diff in `payload` made hostile; None when it is not a depth diff with
    at least one level (the fault then waits for the next frame)."""
    try:
        msg = orjson.loads(payload)
    except orjson.JSONDecodeError:
        return None
    data = msg.get("data", msg) if isinstance(msg, dict) else None
    if not isinstance(data, dict) or data.get("e") != "depthUpdate":
        return None
    bids, asks = data.get("b") or [], data.get("a") or []
    levels = bids + asks
    if not levels:
        return None
    try:
        top = max(Decimal(p) for p, _ in levels)
    except (InvalidOperation, ValueError, TypeError):
        return None
    above = str(top * 10)  # above every price: the level lands at the top of the book
    if kind == "nan":
        data["b"] = [*bids, [above, "NaN"]]
    elif kind == "wrong_types":
        data["b"] = [*bids, [{"price": above}, "1.00000000"]]
    elif kind == "crossed":
        data["b"] = [*bids, [above, "1.00000000"]]
    else:
        return None
    return orjson.dumps(msg)
