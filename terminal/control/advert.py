"""The advertisement file: where the running terminal's control channel listens.

It sits next to the journal lock (`journal.sqlite.lock` -> `journal.sqlite.control`),
so a client finds it from the same --data-dir / --journal the lock is derived from. It
holds the pid, the loopback port and a random token; the token is the credential, so
the file is created with mode 0600 (on Windows the per-user data directory's ACL does
that job) and written atomically (temp file + replace) so a reader never sees half of
it. A crash leaves the file behind: clients treat it as stale when nobody listens on
the port or a different process answers (see `client`).
"""

from __future__ import annotations

import json
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

FORMAT_VERSION = 1
HOST = "127.0.0.1"


@dataclass(frozen=True)
class Advert:
    pid: int
    port: int
    token: str
    path: Path
    host: str = HOST

    def __repr__(self) -> str:  # never show the token (logs, tracebacks, test output)
        return f"Advert(pid={self.pid}, port={self.port}, path={str(self.path)!r})"


def advert_path_for(lock_path: Path) -> Path:
    """The advertisement file beside a journal lock file."""
    lock_path = Path(lock_path)
    name = lock_path.name
    base = name.removesuffix(".lock")
    return lock_path.with_name(base + ".control")


def new_token() -> str:
    return secrets.token_urlsafe(32)


def write_advert(path: Path, port: int, token: str, pid: int | None = None) -> Advert:
    """Write (or replace) the file atomically, readable and writable by the user only."""
    path = Path(path)
    pid = os.getpid() if pid is None else pid
    body = json.dumps({"version": FORMAT_VERSION, "pid": pid, "host": HOST, "port": port,
                       "token": token}).encode()
    tmp = path.with_name(f"{path.name}.{pid}.tmp")
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
        _unlink(tmp)
        raise
    return Advert(pid, port, token, path)


def read_advert(path: Path) -> Advert | None:
    """The advertisement, or None when there is none or it is unreadable/malformed."""
    path = Path(path)
    try:
        data = json.loads(path.read_bytes()[:4096])
        advert = Advert(int(data["pid"]), int(data["port"]), str(data["token"]), path)
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if data.get("host", HOST) != HOST or not 0 < advert.port < 65536 or not advert.token:
        return None  # only ever loopback: a file pointing elsewhere is not ours
    return advert


def remove_advert(path: Path, token: str) -> None:
    """Remove the file if it is still ours (another process may have replaced it)."""
    current = read_advert(path)
    if current is not None and secrets.compare_digest(current.token, token):
        _unlink(Path(path))


def _unlink(path: Path) -> None:
    try:
        path.unlink()
    except FileNotFoundError:
        pass
