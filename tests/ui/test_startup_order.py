"""The start-up order that makes the first paint cheap, checked on the real app.

`python -m terminal` as a user starts it (fresh data dir, embedded paper exchange), with
a small harness that looks at the process at the moment of the `first_paint` mark:
what is imported by then, and what the window shows. Not timed: the benchmark
(`terminal/bench/startup.py`) measures; this fails when a change moves asyncio,
qasync, ccxt, the journal or the panels back in front of the first paint, or paints
something less than the real window.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

RUN_TIMEOUT = 90

# Everything here has to wait until the window painted once.
DEFERRED_PACKAGES = (
    "asyncio",
    "qasync",
    "ssl",
    "ccxt",
    "aiohttp",
    "sqlalchemy",
    "alembic",
    "pyqtgraph",
    "numpy",
    "keyring",
)
DEFERRED_MODULES = (
    "terminal.ui.qtloop",
    "terminal.ui.controller",
    "terminal.services",
    "terminal.ui.wiring",
    "terminal.ui.panels",
    "terminal.ui.widgets",
    "terminal.exchange",
    "terminal.journal",
    "terminal.paper",
    "terminal.core",
)

HARNESS = textwrap.dedent("""
    import json, sys
    import terminal.ui.probe as probe

    _mark = probe.mark

    def mark(name):
        _mark(name)
        if name != "first_paint":
            return
        from PySide6.QtWidgets import QApplication
        win = next(w for w in QApplication.topLevelWidgets() if w.objectName() == "MainWindow")
        seen = {
            "modules": sorted(sys.modules),
            "visible": win.isVisible(),
            "title": win.windowTitle(),
            "menus": [a.text() for a in win.menuBar().actions()],
            "toolbar_visible": win.toolbar.isVisible(),
            "lock": [win.lock_switch.isVisible(), win.lock_switch.text()],
            "stop": [win.stop_button.isVisible(), win.stop_button.text()],
            "venue": win.venue_combo.currentText(),
            "symbol": win.symbol_combo.currentText(),
            "status_bar": win.statusBar().isVisible(),
            "docks": len(win.docks),
        }
        print("AT_FIRST_PAINT " + json.dumps(seen), flush=True)

    probe.mark = mark
    from terminal.cli import main
    sys.exit(main(sys.argv[1:]))
""")


def _env() -> dict[str, str]:
    env = dict(os.environ, TERMINAL_STARTUP_PROBE="1")
    env.setdefault("QT_QPA_PLATFORM", "offscreen")
    return env


def _marks(stdout: str) -> dict[str, float]:
    marks: dict[str, float] = {}
    for line in stdout.splitlines():
        parts = line.split()
        if len(parts) == 3 and parts[0] == "STARTUP":
            marks.setdefault(parts[1], float(parts[2]))
    return marks


def test_first_paint_is_the_real_window_before_asyncio_and_the_core(tmp_path: Path) -> None:
    data = tmp_path / "data"
    proc = subprocess.run(
        [sys.executable, "-c", HARNESS, "--data-dir", str(data), "--exit-after", "2"],
        capture_output=True,
        text=True,
        timeout=RUN_TIMEOUT,
        env=_env(),
        cwd=tmp_path,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("AT_FIRST_PAINT ")]
    assert len(lines) == 1, proc.stdout[-3000:]
    seen = json.loads(lines[0].split(" ", 1)[1])

    modules = set(seen["modules"])
    early = sorted(
        m
        for m in modules
        if m.split(".")[0] in DEFERRED_PACKAGES
        or any(m == d or m.startswith(d + ".") for d in DEFERRED_MODULES)
    )
    assert early == [], f"imported before the first paint: {early}"
    assert "PySide6.QtWidgets" in modules and "terminal.ui.main_window" in modules

    # what was painted is the window the user works with, not a splash or a bare frame
    assert seen["visible"] and seen["toolbar_visible"] and seen["status_bar"]
    assert "PAPER" in seen["title"] and "Trading Terminal" in seen["title"]
    assert [m.replace("&", "") for m in seen["menus"]] == [
        "File",
        "Venue",
        "Trading",
        "View",
        "Settings",
        "Help",
    ]
    assert seen["lock"] == [True, "TESTNET"]
    assert seen["stop"][0] and "EMERGENCY STOP" in seen["stop"][1].upper()
    assert seen["venue"] == "Paper exchange" and seen["symbol"] == "BTC/USDT"
    assert seen["docks"] == 0  # they are built right after it

    marks = _marks(proc.stdout)
    order = ["window_shown", "first_paint", "docks_built", "loop_ready", "panels_built"]
    assert all(name in marks for name in order), sorted(marks)
    times = [marks[name] for name in order]
    assert times == sorted(times), dict(zip(order, times, strict=False))
    log = (data / "logs" / "terminal.log").read_text(encoding="utf-8")
    assert "GUI started" in log and "GUI stopped" in log
    assert (data / "config" / "layout.json").is_file()  # the docks' layout was saved at exit


def test_ctrl_c_during_start_up_quits_cleanly(tmp_path: Path) -> None:
    """SIGINT as soon as the Qt imports are done: whichever step of the start it hits
    (window not shown yet, waiting for the first paint, loop just started), the app
    exits by itself with code 0 and a logged, bounded shutdown."""
    data = tmp_path / "data"
    proc = subprocess.Popen(
        [sys.executable, "-m", "terminal", "--data-dir", str(data)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=_env(),
        cwd=tmp_path,
    )
    try:
        assert proc.stdout is not None
        deadline = time.monotonic() + RUN_TIMEOUT
        for line in proc.stdout:  # the marks are flushed line by line
            if line.startswith("STARTUP gui_imports_done"):
                break
            assert time.monotonic() < deadline, "no gui_imports_done mark"
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=RUN_TIMEOUT)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 0, err[-3000:]
    assert "Traceback" not in err, err[-3000:]
    log = (data / "logs" / "terminal.log").read_text(encoding="utf-8")
    assert "GUI stopped" in log


def test_the_ticket_is_usable_before_the_chart_is_built(tmp_path: Path) -> None:
    """The first reconciliation and a usable ticket (entry open, live bid/ask painted) do
    not wait for the chart: depth, tape and chart are built after them."""
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "terminal",
            "--data-dir",
            str(tmp_path / "data"),
            "--exit-after",
            "12",
        ],
        capture_output=True,
        text=True,
        timeout=RUN_TIMEOUT + 12,
        env=_env(),
        cwd=tmp_path,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    marks = _marks(proc.stdout)
    order = ["venue_connected", "first_book", "ticket_usable", "chart_built"]
    assert all(name in marks for name in order), sorted(marks)
    times = [marks[name] for name in order]
    assert times == sorted(times), dict(zip(order, times, strict=False))
