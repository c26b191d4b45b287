"""The local control channel: `trading-terminal stop` reaching the running terminal.

The process holding the journal (GUI or a headless command) owns the journal's single
writer lock, so a second process cannot engage the emergency stop through the journal.
Instead the holder listens on a loopback-only TCP port (127.0.0.1, a free port chosen
by the OS; TCP rather than a Unix socket so Windows works the same) and advertises port,
process id and a random token in a file next to the journal lock, readable by the user
only. A client proves it may act by sending that token.

- `advert`: the advertisement file (write 0600 atomically, read, remove on exit);
- `protocol`: framing (one JSON object per line), size and time limits, commands;
- `server`: `ControlServer`, asyncio streams on the running loop (never blocks a GUI);
- `client`: `ask()`, which tells "no running terminal" (missing or stale file) apart
  from "the running terminal refused".

Only the standard library is imported here; what a command does is the handler's job
(`terminal.services` wires the emergency stop to it).
"""

from terminal.control.advert import Advert, advert_path_for, read_advert
from terminal.control.client import ControlRefused, ControlUnavailable, ask
from terminal.control.server import ControlHandler, ControlServer

__all__ = ["Advert", "ControlHandler", "ControlRefused", "ControlServer",
           "ControlUnavailable", "advert_path_for", "ask", "read_advert"]
