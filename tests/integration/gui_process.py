"""The terminal's window as its own process (offscreen), for tests that need a real
running instance: started as a user starts it, stopped with Ctrl+C (SIGINT)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from terminal.control import ask
from terminal.control.advert import read_advert

ROOT = Path(__file__).resolve().parents[2]
START_TIMEOUT_S = 120.0  # two shared cores: a window can take long to come up


def gui_env() -> dict[str, str]:
    return dict(os.environ, PYTHONPATH=str(ROOT), QT_QPA_PLATFORM="offscreen")


def gui_command(data: Path, paper: Any, account: tuple[str, str], *extra: str) -> list[str]:
    return [
        sys.executable,
        "-m",
        "terminal",
        "--data-dir",
        str(data),
        "--log-level",
        "INFO",
        "--paper-url",
        paper.url,
        "--paper-account",
        f"{account[0]}:{account[1]}",
        *extra,
    ]


class GuiProcess:
    def __init__(self, data: Path, paper: Any, account: tuple[str, str]) -> None:
        self.data = data
        self.advert_path = data / "data" / "journal.sqlite.control"
        self.proc = subprocess.Popen(
            gui_command(data, paper, account),
            cwd=ROOT,
            env=gui_env(),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )

    @property
    def pid(self) -> int:
        return self.proc.pid

    def wait_ready(self, timeout: float = START_TIMEOUT_S) -> None:
        """Until its control channel answers and the paper venue is connected."""
        import asyncio

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.proc.poll() is None, self.output()
            advert = read_advert(self.advert_path)
            if advert is not None and advert.pid == self.pid:
                try:
                    status = asyncio.run(ask(self.advert_path, "status", timeout=10))[-1]
                except Exception:
                    status = {}
                if "paper" in status.get("venues", []):
                    return
            time.sleep(0.5)
        raise AssertionError(f"the window did not come up in {timeout:g} s:\n{self.output()}")

    def log(self) -> str:
        path = self.data / "logs" / "terminal.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def output(self) -> str:
        if self.proc.poll() is None:
            return "(still running)"
        return self.proc.stdout.read() if self.proc.stdout else ""

    def stop(self, timeout: float = 60.0) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        return self.proc.returncode


def files_under(root: Path) -> dict[str, tuple[int, bytes]]:
    """Every file below `root` (logs aside) with its size and content, to compare."""
    found = {}
    for path in sorted(root.rglob("*")):
        if path.is_file() and "logs" not in path.relative_to(root).parts:
            found[str(path.relative_to(root))] = (path.stat().st_mtime_ns, path.read_bytes())
    return found


def settings_json(data: Path) -> dict[str, Any]:
    return json.loads((data / "config" / "settings.json").read_text())
