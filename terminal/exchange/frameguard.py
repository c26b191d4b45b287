"""Venue frames that cannot be read are feed faults, not crashes.

ccxt.pro parses each WebSocket frame inside an asyncio done-callback of its receive loop.
A truncated or garbled frame, or one whose fields have the wrong types, raises there: the
exception escapes to the loop's exception handler (an "Uncaught exception" notice) and
the receive loop is dead while the socket stays open, so every feed on it goes silent.

`guard_frames` wraps each client's frame handler of one ccxt.pro instance: a frame that
raises is reported (`on_fault`, counted in health), and the client is failed with
`FrameFault` the way ccxt fails it on a socket error: every pending watch on it raises,
ccxt drops the client and closes the socket, so the next watch dials a fresh one and the
order book is re-snapshotted (resynced) rather than patched from a broken stream. Frames
still buffered on the failed client are dropped unread.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import ccxt.async_support as ccxt

log = logging.getLogger(__name__)

MAX_EXCERPT = 80
SHORT_TEXT = 64
FaultSink = Callable[[str], None]


class FrameFault(ccxt.NetworkError):
    """A venue frame could not be read; the socket it came on is dropped."""


def _excerpt(data: Any) -> str:
    text = data.decode("utf-8", "replace") if isinstance(data, (bytes, bytearray)) else str(data)
    text = text.replace("\n", " ")
    return text if len(text) <= MAX_EXCERPT else text[:MAX_EXCERPT] + "..."


def _garbage(data: Any) -> bool:
    """A text frame ccxt would hand on unparsed although it is no message at all: not
    JSON, and not a short printable word such as the "pong" some venues send."""
    if isinstance(data, (bytes, bytearray)):
        try:
            data = data.decode("utf-8")
        except UnicodeDecodeError:
            return False  # binary (compressed) frames are the venue adapter's to read
    if not isinstance(data, str):
        return False
    text = data.strip()
    if text[:1] in ("{", "["):
        return False  # JSON: ccxt parses it (a broken one raises, caught above)
    return not (text.isprintable() and len(text) <= SHORT_TEXT)


def guard_client(client: Any, on_fault: FaultSink, clean: Callable[[str], str] = str) -> None:
    """Wrap one ccxt.pro client's frame handler (idempotent); `clean` removes secrets
    from the text before it is logged or shown."""
    if getattr(client, "_frame_guard", False):
        return
    original = client.handle_text_or_binary_message

    def guarded(data: Any) -> Any:
        if client.error is not None:
            return None  # failed already: what is still buffered is not read
        try:
            if _garbage(data):
                raise ValueError("neither JSON nor a short plain-text message")
            return original(data)
        except Exception as exc:
            text = clean(
                f"unreadable frame from the venue ({type(exc).__name__}: "
                f"{_excerpt(exc)}): {_excerpt(data)}"
            )
            log.warning(
                "%s: %s; the socket is dropped and the feeds on it resync",
                getattr(client, "url", "?"),
                text,
            )
            on_fault(text)
            client.on_error(FrameFault(text))
            return None

    client.handle_text_or_binary_message = guarded
    client._frame_guard = True


def guard_frames(pro: Any, on_fault: FaultSink, clean: Callable[[str], str] = str) -> None:
    """Guard every client `pro` creates from now on (and those it has)."""
    original = pro.client

    def client(url: str) -> Any:
        c = original(url)
        guard_client(c, on_fault, clean)
        return c

    pro.client = client
    for c in list((getattr(pro, "clients", None) or {}).values()):
        guard_client(c, on_fault, clean)
