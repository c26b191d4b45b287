"""Where the control channel listens, and how a client gets there.

Where the platform has Unix domain sockets (Linux, macOS) the channel is a socket
beside the advertisement (`journal.sqlite.sock`), mode 0600 in the user's data
directory: no other user can even connect. A path too long for a socket address (about
100 bytes) puts the socket into a fresh private directory (0700) in the temp directory
instead; the advertisement names it. Windows' asyncio has no Unix sockets: there the
channel listens on 127.0.0.1 (a free port), which any local process may reach, so the
mutual proof of `protocol` is what keeps it safe (it does on every platform).
"""

from __future__ import annotations

import asyncio
import os
import shutil
import socket
import stat
import tempfile
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

from terminal.control.advert import HOST, TCP, UNIX, Advert, unlink

MAX_UNIX_PATH = 100  # sun_path holds 108 bytes on Linux, 104 on macOS, NUL included
BACKLOG = 512  # a burst of connections waits in the kernel instead of being refused

Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


def default_transport() -> str:
    unix_ok = hasattr(socket, "AF_UNIX") and hasattr(asyncio, "start_unix_server")
    return UNIX if os.name != "nt" and unix_ok else TCP


@dataclass
class Listening:
    server: asyncio.AbstractServer
    transport: str
    address: str | int
    private_dir: Path | None = None
    inode: tuple[int, int] | None = None

    def remove(self) -> None:
        """Remove the socket file (if it is still this one) and the private directory."""
        if self.transport != UNIX:
            return
        path = Path(str(self.address))
        try:
            st = path.lstat()
            if (st.st_dev, st.st_ino) == self.inode:
                unlink(path)
        except OSError:
            pass
        if self.private_dir is not None:
            shutil.rmtree(self.private_dir, ignore_errors=True)


async def listen(handler: Handler, socket_path: Path, transport: str, *, limit: int) -> Listening:
    if transport == TCP:
        server = await asyncio.start_server(handler, HOST, 0, limit=limit, backlog=BACKLOG)
        return Listening(server, TCP, int(server.sockets[0].getsockname()[1]))
    private_dir = None
    path = Path(socket_path)
    if len(os.fsencode(str(path))) > MAX_UNIX_PATH or _occupied(path):
        private_dir = Path(tempfile.mkdtemp(prefix="trading-terminal-"))  # 0700
        path = private_dir / "control.sock"
    else:
        unlink(path)  # a dead holder's socket: the caller holds the journal now
    try:
        server = await asyncio.start_unix_server(handler, str(path), limit=limit, backlog=BACKLOG)
        os.chmod(path, 0o600)
        st = path.lstat()
    except BaseException:
        if private_dir is not None:
            shutil.rmtree(private_dir, ignore_errors=True)
        raise
    return Listening(server, UNIX, str(path), private_dir, (st.st_dev, st.st_ino))


def _occupied(path: Path) -> bool:
    """Something that is not a socket (a file, a folder) sits where the socket goes."""
    try:
        return not stat.S_ISSOCK(path.lstat().st_mode)
    except FileNotFoundError:
        return False


async def connect(
    advert: Advert, *, limit: int, timeout: float
) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    if advert.transport == UNIX:
        opening = asyncio.open_unix_connection(str(advert.address), limit=limit)
    else:
        opening = asyncio.open_connection(HOST, int(advert.address), limit=limit)
    return await asyncio.wait_for(opening, timeout)
