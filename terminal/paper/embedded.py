"""Run the paper exchange in a child process and hand back a small handle.

A child process keeps the market generator off the GUI's event loop (and off its GIL at
stress rates). The child watches its parent and exits when it disappears; ``stop()`` is
bounded (SIGTERM, then SIGKILL) and an atexit hook stops whatever is still running.
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import os
import queue
import signal
import subprocess
import sys
import threading
import time
import weakref
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from .control_client import PaperControl

_LIVE: weakref.WeakSet[PaperExchangeHandle] = weakref.WeakSet()


class PaperExchangeError(RuntimeError):
    """The child did not come up (its stderr log is named in the message)."""


class PaperExchangeHandle:
    """A running paper exchange child process."""

    def __init__(
        self,
        process: subprocess.Popen[str],
        url: str,
        accounts: list[tuple[str, str]],
        data_dir: Path,
        log_path: Path,
    ) -> None:
        self.process = process
        self.url = url
        self.port = int(url.rsplit(":", 1)[1])
        self.accounts = accounts
        self.data_dir = data_dir
        self.log_path = log_path
        self.control = PaperControl(url)
        _LIVE.add(self)

    @property
    def ws_url(self) -> str:
        """Market streams base (ccxt appends ``/<n>``)."""
        return f"ws://127.0.0.1:{self.port}/ws"

    @property
    def ws_api_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/ws-api/v3"

    @property
    def pid(self) -> int:
        return self.process.pid

    @property
    def api_key(self) -> str:
        return self.accounts[0][0]

    @property
    def secret(self) -> str:
        return self.accounts[0][1]

    def alive(self) -> bool:
        return self.process.poll() is None

    def stop(self, timeout: float = 5.0) -> int | None:
        """SIGTERM, wait up to ``timeout`` s, then SIGKILL. Returns the exit code."""
        p = self.process
        if p.poll() is None:
            try:
                p.send_signal(signal.SIGTERM)
                p.wait(timeout)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait(5)
            except ProcessLookupError:
                pass
        for stream in (p.stdout,):
            if stream is not None:
                with contextlib.suppress(OSError):
                    stream.close()
        _LIVE.discard(self)
        return p.returncode

    def __enter__(self) -> PaperExchangeHandle:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def __repr__(self) -> str:
        return f"PaperExchangeHandle(url={self.url!r}, pid={self.process.pid})"


def _args(
    data_dir: Path,
    seed: int,
    port: int,
    accounts: Iterable[tuple[str, str]] | None,
    faults: bool,
    rate: str,
    options: dict[str, Any],
) -> list[str]:
    args = [
        sys.executable,
        "-m",
        "terminal.paper",
        "--port",
        str(port),
        "--seed",
        str(seed),
        "--data-dir",
        str(data_dir),
        "--rate",
        rate,
        "--parent-pid",
        str(os.getpid()),
    ]
    for key, secret in accounts or ():
        args += ["--account", f"{key}:{secret}"]
    if faults:
        args.append("--faults")
    for name, value in options.items():
        if value is None or value is False:
            continue
        flag = "--" + name.replace("_", "-")
        if value is True:
            args.append(flag)
        elif isinstance(value, (list, tuple)):
            for v in value:
                args += [flag, str(v)]
        else:
            args += [flag, str(value)]
    return args


def start_paper_exchange(
    data_dir: str | os.PathLike[str],
    *,
    seed: int = 1,
    port: int = 0,
    accounts: Iterable[tuple[str, str]] | None = None,
    faults: bool = False,
    rate: str = "calm",
    startup_timeout: float = 30.0,
    **options: Any,
) -> PaperExchangeHandle:
    """Start a paper exchange child process and wait until it accepts connections.

    ``options`` map to CLI flags: ``reset=True``, ``diffs_per_second=20000``,
    ``levels_per_diff=20``, ``stress_symbol="BTC/USDT"``, ``weight_per_minute=600``,
    ``orders_per_10s=5``, ``maker_fee="0.001"``, ``balance=["USDT=5000"]``, ``backfill=1000``.
    """
    data = Path(data_dir)
    data.mkdir(parents=True, exist_ok=True)
    log_path = data / "paper-exchange.log"
    log = open(log_path, "ab")  # noqa: SIM115 (the child process writes to it; closed in stop())
    env = dict(os.environ)
    env.setdefault("PYTHONUNBUFFERED", "1")
    proc = subprocess.Popen(
        _args(data, seed, port, accounts, faults, rate, options),
        stdout=subprocess.PIPE,
        stderr=log,
        stdin=subprocess.DEVNULL,
        text=True,
        env=env,
        start_new_session=False,
    )
    log.close()
    lines: queue.Queue[str | None] = queue.Queue()

    def pump() -> None:
        assert proc.stdout is not None
        try:
            for line in proc.stdout:
                lines.put(line.rstrip("\n"))
        except (OSError, ValueError):
            pass
        lines.put(None)

    threading.Thread(target=pump, name="paper-exchange-stdout", daemon=True).start()
    deadline = time.monotonic() + startup_timeout
    accts: list[tuple[str, str]] = []
    while True:
        left = deadline - time.monotonic()
        try:
            line = lines.get(timeout=max(0.01, left))
        except queue.Empty:
            line = None
            left = -1
        if line is None:
            if left <= 0 or proc.poll() is not None:
                _kill(proc)
                raise PaperExchangeError(f"paper exchange did not start; see {log_path}")
            continue
        if line.startswith("PAPER_EXCHANGE_ACCOUNT "):
            _, key, secret = line.split(" ", 2)
            accts.append((key, secret))
        elif line.startswith("PAPER_EXCHANGE_READY "):
            url = line.split(" ", 1)[1].strip()
            return PaperExchangeHandle(proc, url, _order(accts, accounts), data, log_path)


async def start_paper_exchange_async(
    data_dir: str | os.PathLike[str], **kwargs: Any
) -> PaperExchangeHandle:
    """The same, without blocking the caller's event loop while the child starts."""
    return await asyncio.to_thread(start_paper_exchange, data_dir, **kwargs)


def _order(
    printed: list[tuple[str, str]], wanted: Iterable[tuple[str, str]] | None
) -> list[tuple[str, str]]:
    """Accounts given by the caller first (in their order), then the default one."""
    wanted_list = list(wanted or ())
    keys = {k for k, _ in wanted_list}
    return wanted_list + [a for a in printed if a[0] not in keys]


def _kill(proc: subprocess.Popen[str]) -> None:
    if proc.poll() is None:
        proc.kill()
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(5)


@atexit.register
def _stop_all() -> None:
    for handle in list(_LIVE):
        with contextlib.suppress(Exception):
            handle.stop(timeout=2.0)
