"""The real app as a user starts it: `python -m terminal --screenshot FILE --exit-after S`
in a fresh data dir (first run: embedded paper exchange, new journal). Checks the PNG
shows the panels with a live book, and that the exit is clean and bounded."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
from PySide6.QtGui import QColor, QImage

pytestmark = pytest.mark.timeout(180)

RUN_TIMEOUT = 120


def _count_near(image: QImage, target: str, tolerance: int = 40, step: int = 3) -> int:
    want = QColor(target)
    n = 0
    for y in range(0, image.height(), step):
        for x in range(0, image.width(), step):
            c = QColor(image.pixel(x, y))
            if (
                abs(c.red() - want.red())
                + abs(c.green() - want.green())
                + abs(c.blue() - want.blue())
            ) <= tolerance:
                n += 1
    return n


def test_screenshot_of_a_first_run_shows_live_panels_and_exit_is_clean(
    tmp_path: Path, qapp
) -> None:  # type: ignore[no-untyped-def]
    shot = tmp_path / "main.png"
    data = tmp_path / "data"
    env = dict(os.environ, QT_QPA_PLATFORM=os.environ.get("QT_QPA_PLATFORM", "offscreen"))
    started = time.monotonic()
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "terminal",
            "--data-dir",
            str(data),
            "--screenshot",
            str(shot),
            "--exit-after",
            "14",
        ],  # first run under load: chart built after the live book
        capture_output=True,
        text=True,
        timeout=RUN_TIMEOUT,
        env=env,
        cwd=tmp_path,
        check=False,
    )
    elapsed = time.monotonic() - started
    assert proc.returncode == 0, proc.stderr[-3000:]
    log = (data / "logs" / "terminal.log").read_text(encoding="utf-8")
    assert "startup: first_book" in log, "no live book was painted before the screenshot"
    assert "Screenshot saved" in log

    image = QImage(str(shot))
    assert not image.isNull() and image.width() >= 1200 and image.height() >= 700
    # the order book's green bids and red asks, the chart's candles: many pixels of both
    assert _count_near(image, "#0ecb81") > 300, "no buy-green pixels: book/chart not drawn"
    assert _count_near(image, "#f6465d") > 300, "no sell-red pixels: book/chart not drawn"
    # the dark theme's panel colour dominates: it is not a blank or white image
    assert _count_near(image, "#161a1e", tolerance=20, step=7) > 2000

    m = re.search(r"GUI stopped \(shutdown took ([0-9.]+) s\)", log)
    assert m and float(m.group(1)) < 3.0, log[-2000:]
    assert elapsed < RUN_TIMEOUT
    # nothing of this run is left: the embedded paper exchange was stopped
    leftover = subprocess.run(
        ["pgrep", "-f", str(data)], capture_output=True, text=True, check=False
    )
    assert leftover.stdout.strip() == "", f"processes left running: {leftover.stdout}"
