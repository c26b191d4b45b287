"""The local control channel: `trading-terminal stop` reaching the running terminal.

The process holding the journal (GUI or a headless command) owns the journal's single
writer lock, so a second process cannot engage the emergency stop through the journal.
Instead the holder listens on a channel only its user can use: a Unix domain socket
beside the journal (mode 0600) where the platform has them, else 127.0.0.1 on a free
port (Windows). It advertises the endpoint, its pid and a random token in a file beside
the journal that only the user can read. Neither side ever sends the token: the server
proves it holds it before the client sends anything that matters, then the client
proves it, and every reply carries a MAC (`protocol`). When the channel cannot be
reached, a stop request file the holder watches is the way in (`stopfile`).

- `advert`: the advertisement file (write 0600 atomically, read, remove on exit);
- `endpoint`: where the channel listens (socket path, its fallbacks, loopback TCP);
- `protocol`: framing, the mutual proof, size and time limits, commands;
- `server`: `ControlServer`, asyncio streams on the running loop (never blocks a GUI);
- `client`: `ask()`, which tells "no running terminal" (missing or stale file, or an
  impostor) apart from "the running terminal refused";
- `stopfile`: the stop request file and its answer;
- `instance`: one window per data directory, and bringing it to the front.

Only the standard library is imported here; what a command does is the handler's job
(`terminal.stop_control` wires the emergency stop to it). The names below are imported
on first use, so `instance` can be used before asyncio is loaded.
"""

from __future__ import annotations

from typing import Any

_NAMES = {
    "Advert": "terminal.control.advert",
    "advert_path_for": "terminal.control.advert",
    "read_advert": "terminal.control.advert",
    "ControlRefused": "terminal.control.client",
    "ControlUnavailable": "terminal.control.client",
    "ask": "terminal.control.client",
    "ControlHandler": "terminal.control.server",
    "ControlServer": "terminal.control.server",
}

__all__ = [
    "Advert",
    "ControlHandler",
    "ControlRefused",
    "ControlServer",
    "ControlUnavailable",
    "advert_path_for",
    "ask",
    "read_advert",
]


def __getattr__(name: str) -> Any:
    module = _NAMES.get(name)
    if module is None:
        raise AttributeError(f"module 'terminal.control' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(module), name)
