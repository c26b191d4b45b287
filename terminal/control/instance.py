"""One window per data directory, and what a second launch does instead.

The GUI takes `window.lock` in the data directory before it builds its window: an OS
lock on an open file, released by the OS when the process ends (even on kill -9), so
a crash never leaves a stale lock. The holder writes its pid into the file and, once
its control channel listens, the channel's advertisement. A second launch on the same
data directory finds the lock taken, asks the holder over the channel to bring its
window to the front (`show`) and exits; it builds no window and writes nothing (no
layout, no settings, no journal, no paper exchange).

Importing this module is cheap (no asyncio): the GUI does it before its first paint.
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

LOCK_NAME = "window.lock"
LOCK_OFFSET = 4096  # the byte locked on Windows lies past the text, which stays readable
ANSWER_WAIT_S = 20.0  # a holder that is still starting gets this long to answer


class WindowLock:
    def __init__(self, data_dir: Path) -> None:
        self.path = Path(data_dir) / LOCK_NAME
        self._fd: int | None = None

    @property
    def held(self) -> bool:
        return self._fd is not None

    def acquire(self) -> bool:
        """Take the lock; False when another process holds it (nothing is written then)."""
        if self._fd is not None:
            return True
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)  # the data dir
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            _lock(fd)
        except OSError:
            os.close(fd)
            return False
        self._fd = fd
        self._write({"pid": os.getpid()})
        return True

    def announce(self, advert_path: Path) -> None:
        """Name the control channel a second launch should ask."""
        if self._fd is not None:
            self._write({"pid": os.getpid(), "advert": str(advert_path)})

    def holder(self) -> dict[str, Any]:
        """What the holder wrote: {"pid": int, "advert": str} (either may be missing)."""
        try:
            with open(self.path, "rb") as fh:
                value = json.loads(fh.read(LOCK_OFFSET).rstrip(b"\0 \n") or b"{}")
        except (OSError, ValueError):
            return {}
        return value if isinstance(value, dict) else {}

    def release(self) -> None:
        fd, self._fd = self._fd, None
        if fd is not None:
            try:
                _unlock(fd)
            finally:
                os.close(fd)

    def _write(self, value: dict[str, Any]) -> None:
        assert self._fd is not None
        data = json.dumps(value).encode()[:LOCK_OFFSET]
        os.lseek(self._fd, 0, os.SEEK_SET)
        os.write(self._fd, data)
        os.ftruncate(self._fd, len(data))


@dataclass(frozen=True)
class Running:
    """What a second launch found out about the one already running."""

    pid: int | None
    raised: bool  # its window was brought to the front
    headless: bool = False  # the holder is a command without a window
    why: str = ""  # why it could not be asked, when it could not
    text: str = ""  # the whole message, when the caller knows better

    def message(self, what: str = "Trading Terminal") -> str:
        if self.text:
            return self.text
        pid = f" (pid {self.pid})" if self.pid else ""
        if self.raised:
            return f"{what} is already running{pid}: its window was brought to the front."
        if self.headless:
            return (
                f"A trading-terminal command{pid} is using this journal; start the "
                "window when it has finished."
            )
        why = f" It did not answer ({self.why})." if self.why else ""
        return (
            f"{what} is already running on this data folder{pid}.{why} Switch to its "
            "window, or close it before starting another."
        )


def ask_to_show(
    advert_path: Path | None, pid: int | None, *, wait: float = 0.0, lock: WindowLock | None = None
) -> Running | None:
    """Ask the running terminal to bring its window to the front.

    With `wait`, a holder that has not advertised its channel yet (still starting) is
    asked again until `wait` seconds have passed; `lock` then tells where it will be,
    and None means the holder has exited meanwhile (this launch may go on).
    """
    import asyncio

    from terminal.control.client import ControlRefused, ControlUnavailable, ask

    deadline = time.monotonic() + wait
    why = "its control channel is not up"
    while True:
        if advert_path is not None and Path(advert_path).exists():
            try:
                replies = asyncio.run(ask(Path(advert_path), "show", timeout=5.0))
            except (ControlUnavailable, ControlRefused) as exc:
                why = str(exc)
            else:
                last = replies[-1]
                shown = bool(last.get("window"))
                return Running(int(last.get("pid") or 0) or pid, shown, headless=not shown)
        if time.monotonic() >= deadline:
            return Running(pid, False, why=why)
        time.sleep(0.25)
        if lock is not None:
            found = lock.holder()
            advert_path = Path(found["advert"]) if found.get("advert") else advert_path
            if lock.acquire():  # it went away meanwhile: this launch may start after all
                lock.release()
                return None


def holder_alive(pid: int | None) -> bool:
    """Whether a process with this pid exists (always True where that cannot be told)."""
    if not pid or os.name == "nt":
        return bool(pid)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


if os.name == "nt":  # pragma: no cover - exercised on Windows only
    import msvcrt

    def _lock(fd: int) -> None:
        os.lseek(fd, LOCK_OFFSET, os.SEEK_SET)
        msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)  # type: ignore[attr-defined]

    def _unlock(fd: int) -> None:
        os.lseek(fd, LOCK_OFFSET, os.SEEK_SET)
        msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)  # type: ignore[attr-defined]
else:
    import fcntl

    def _lock(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)

    def _unlock(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_UN)
