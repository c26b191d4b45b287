"""One writer per journal: OS file locks, held for the process.

Why a file lock and not SQLite's own locking: SQLite serialises transactions, but two
terminals on one journal would both believe they own every open order (both reconcile,
both auto-cancel, both adopt). The locks are advisory and released by the OS when the
process dies, so a crash (even kill -9) never leaves a stale lock behind.

Two locks are taken:

- the database file itself (`database`, on Linux with flock): whatever path reaches it
  (a hard link, a symlink, another spelling of the directory) meets the same lock, so
  a journal is never opened twice for writing;
- the lock file named after the journal (`path`, e.g. `journal.sqlite.lock`): it holds
  the holder's pid and is where other processes of the same journal look for the
  running terminal (the control channel's advert sits beside it).

The database file is locked through a descriptor of our own. Closing any descriptor
of a file drops the POSIX locks the process holds on it, and SQLite keeps such locks
on the same file; so that descriptor is only closed once no SQLite connection of this
process uses the file (`database_opened` / `database_closed`, called by the store),
and is kept for re-use meanwhile, as SQLite itself does with its own descriptors.
"""

from __future__ import annotations

import os
import sys
import threading
from pathlib import Path


class JournalLockedError(RuntimeError):
    """Another process holds the journal."""


# flock and SQLite's fcntl locks are independent on Linux; elsewhere they may interact
# (BSD, macOS) or be mandatory (Windows), so only the named lock file is used there.
LOCKS_DATABASE_FILE = sys.platform.startswith("linux")

_Identity = tuple[int, int]  # (st_dev, st_ino) of the database file
_registry_lock = threading.Lock()
_users: dict[_Identity, int] = {}  # open SQLite engines of this process per file
_held: dict[_Identity, JournalLock] = {}  # database locks this process holds
_spare: dict[_Identity, int] = {}  # descriptors kept until no engine uses the file


def _identity(path: Path) -> _Identity | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return st.st_dev, st.st_ino


def database_opened(path: Path) -> _Identity | None:
    """An SQLite engine of this process opened `path` (call `database_closed` after)."""
    ident = _identity(path)
    if ident is not None:
        with _registry_lock:
            _users[ident] = _users.get(ident, 0) + 1
    return ident


def database_closed(ident: _Identity | None) -> None:
    if ident is None:
        return
    with _registry_lock:
        left = _users.get(ident, 0) - 1
        if left > 0:
            _users[ident] = left
            return
        _users.pop(ident, None)
        fd = _spare.pop(ident, None) if ident not in _held else None
    if fd is not None:
        os.close(fd)


class JournalLock:
    def __init__(self, path: Path, database: Path | None = None) -> None:
        self.path = Path(path)
        self.database = Path(database) if database is not None else None
        self._fd: int | None = None
        self._db_fd: int | None = None
        self._ident: _Identity | None = None

    @property
    def held(self) -> bool:
        return self._fd is not None

    def acquire(self) -> JournalLock:
        if self._fd is not None:
            return self
        if self.database is not None and LOCKS_DATABASE_FILE:
            self._lock_database(self.database)
        try:
            self._lock_named_file()
        except BaseException:
            self._unlock_database()
            raise
        return self

    def _refused(self, holder: str, name: Path) -> JournalLockedError:
        return JournalLockedError(
            f"the journal is in use by another trading-terminal process{holder}: "
            f"{name}. Close the other instance, or use another --data-dir / --journal."
        )

    def _lock_database(self, database: Path) -> None:
        database.parent.mkdir(parents=True, exist_ok=True)
        with _registry_lock:
            known = _identity(database)
            if known is not None and known in _held:
                raise self._refused(f" (pid {os.getpid()})", database)
            fd = _spare.pop(known, None) if known is not None else None
        if fd is None:
            # Created owner-only when missing: SQLite treats an empty file as a new
            # database and gives its -wal/-shm files the same permissions.
            fd = os.open(database, os.O_RDONLY | os.O_CREAT, 0o600)
        st = os.fstat(fd)
        ident = (st.st_dev, st.st_ino)
        try:
            _lock(fd)
        except OSError:
            self._park(ident, fd)
            raise self._refused(_flock_holder(ident), database) from None
        with _registry_lock:
            _held[ident] = self
        self._db_fd, self._ident = fd, ident

    def _park(self, ident: _Identity, fd: int) -> None:
        """Close `fd` now if no SQLite engine of this process uses the file, else keep
        it for the next lock attempt (closing it would drop SQLite's locks)."""
        with _registry_lock:
            if _users.get(ident, 0) > 0 and ident not in _spare:
                _spare[ident] = fd
                return
        os.close(fd)

    def _unlock_database(self) -> None:
        fd, ident = self._db_fd, self._ident
        self._db_fd = self._ident = None
        if fd is None or ident is None:
            return
        try:
            _unlock(fd)
        finally:
            with _registry_lock:
                if _held.get(ident) is self:
                    del _held[ident]
            self._park(ident, fd)

    def _lock_named_file(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            _lock(fd)
        except OSError:
            holder = _read_holder(fd)
            os.close(fd)
            raise self._refused(holder, self.path.with_suffix("")) from None
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        os.fsync(fd)
        self._fd = fd

    def release(self) -> None:
        fd, self._fd = self._fd, None
        try:
            if fd is not None:
                try:
                    _unlock(fd)
                finally:
                    os.close(fd)
        finally:
            self._unlock_database()

    def __enter__(self) -> JournalLock:
        return self.acquire()

    def __exit__(self, *exc: object) -> None:
        self.release()


def _read_holder(fd: int) -> str:
    try:
        os.lseek(fd, 0, os.SEEK_SET)
        text = os.read(fd, 32).decode("ascii", "replace").strip()
    except OSError:
        return ""
    return f" (pid {text})" if text.isdigit() else ""


def _flock_holder(ident: _Identity) -> str:
    """The pid holding a flock on that file, from /proc/locks ("" when not found)."""
    dev, ino = ident
    wanted = f"{os.major(dev):02x}:{os.minor(dev):02x}:{ino}"
    try:
        with open("/proc/locks", encoding="ascii", errors="replace") as fh:
            for line in fh:
                parts = line.split()
                if "->" in parts:  # a waiter, not the holder
                    continue
                if len(parts) >= 6 and parts[1] == "FLOCK" and parts[5] == wanted:
                    return f" (pid {parts[4]})"
    except OSError:
        pass
    return ""


if sys.platform == "win32":  # pragma: no cover - exercised on Windows only
    import msvcrt

    def _lock(fd: int) -> None:
        os.lseek(fd, 0, os.SEEK_SET)
        msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)

    def _unlock(fd: int) -> None:
        os.lseek(fd, 0, os.SEEK_SET)
        msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)
else:
    import fcntl

    def _lock(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)

    def _unlock(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_UN)
