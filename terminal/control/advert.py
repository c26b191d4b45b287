"""The advertisement file: where the running terminal's control channel listens.

It sits beside the journal (`journal.sqlite` -> `journal.sqlite.control`), so a client
finds it from the same --data-dir / --journal. It holds the pid, the endpoint and a
random token. The endpoint is a Unix domain socket beside it (`journal.sqlite.sock`,
mode 0600) where the platform has them, else a loopback TCP port (Windows). The token
is the key of the channel's mutual proof (see `protocol`): it never goes over the
wire. The file is created with mode 0600 (on Windows the per-user data directory's
ACL does that job) and written atomically (temp file + replace) so a reader never sees
half of it. A crash leaves the file behind: a client treats it as stale when nobody
answers at the endpoint or whoever answers cannot prove it holds the token.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

FORMAT_VERSION = 2
HOST = "127.0.0.1"
UNIX, TCP = "unix", "tcp"
DEFAULT_ADVERT = "journal.sqlite.control"  # beside the default journal in the data dir


@dataclass(frozen=True)
class Advert:
    pid: int
    transport: str  # UNIX or TCP
    address: str | int  # the socket's path, or the loopback port
    token: str
    path: Path

    def __repr__(self) -> str:  # never show the token (logs, tracebacks, test output)
        return f"Advert(pid={self.pid}, {self.transport}={self.address!r}, path={str(self.path)!r})"

    def where(self) -> str:
        return f"socket {self.address}" if self.transport == UNIX else f"port {self.address}"


def advert_path_for(lock_path: Path) -> Path:
    """The advertisement file beside a journal lock file (`X.lock` -> `X.control`)."""
    lock_path = Path(lock_path)
    return lock_path.with_name(lock_path.name.removesuffix(".lock") + ".control")


def sibling(advert_path: Path, suffix: str) -> Path:
    """Another file of the channel beside the advertisement (`X.control` -> `X<suffix>`)."""
    advert_path = Path(advert_path)
    return advert_path.with_name(advert_path.name.removesuffix(".control") + suffix)


def new_token() -> str:
    return secrets.token_urlsafe(32)


def write_advert(
    path: Path, transport: str, address: str | int, token: str, pid: int | None = None
) -> Advert:
    """Write (or replace) the file atomically, readable and writable by the user only."""
    path = Path(path)
    pid = os.getpid() if pid is None else pid
    where = {"path": str(address)} if transport == UNIX else {"host": HOST, "port": int(address)}
    body = json.dumps(
        {"version": FORMAT_VERSION, "pid": pid, "transport": transport, **where, "token": token}
    ).encode()
    write_private(path, body, pid)
    return Advert(pid, transport, address, token, path)


def write_private(path: Path, body: bytes, pid: int | None = None) -> None:
    """Atomically replace `path` with `body`, mode 0600."""
    tmp = path.with_name(f"{path.name}.{os.getpid() if pid is None else pid}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        if hasattr(os, "fchmod"):
            os.fchmod(fd, 0o600)  # an old temp file may have kept wider bits
        os.write(fd, body)
        os.fsync(fd)
    finally:
        os.close(fd)
    try:
        os.replace(tmp, path)
    except OSError:
        unlink(tmp)
        raise


def read_advert(path: Path) -> Advert | None:
    """The advertisement, or None when there is none or it is unreadable/malformed."""
    path = Path(path)
    try:
        data = json.loads(path.read_bytes()[:4096])
        if data.get("version") != FORMAT_VERSION:
            return None  # written by another version: it cannot speak this protocol
        pid, token, transport = int(data["pid"]), str(data["token"]), data["transport"]
        if transport == UNIX:
            address: str | int = str(data["path"])
            ok = bool(address)
        elif transport == TCP:
            address = int(data["port"])
            ok = data.get("host") == HOST and 0 < address < 65536  # loopback only
        else:
            return None
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None
    if not ok or not token:
        return None
    return Advert(pid, transport, address, token, path)


def remove_advert(path: Path, token: str) -> None:
    """Remove the file if it is still ours (another process may have replaced it)."""
    current = read_advert(path)
    if current is not None and secrets.compare_digest(current.token, token):
        unlink(Path(path))


def unlink(path: Path) -> None:
    with contextlib.suppress(FileNotFoundError):
        path.unlink()
