"""A second launch of the window on the same data folder, every part its own process.

- a window runs: the second launch asks it to come to the front and exits at once,
  without building a window and without writing a file (settings, layout, journal);
- a command without a window holds the journal: the launch names it and exits;
- the journal's holder does not answer on its channel (the late case): the launch still
  finds out when it opens the journal, says so and exits without saving settings or
  layout.
"""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest

from terminal.paper.embedded import start_paper_exchange
from terminal.services import TerminalServices
from tests.fixtures_paper import run_async
from tests.integration.gui_process import ROOT, GuiProcess, files_under, gui_command, gui_env
from tests.integration.test_stop_channel import options

pytestmark = pytest.mark.timeout(400)
ACCOUNT = ("second-key-000001", "second-secret-0000000001")


@pytest.fixture(scope="module")
def paper(tmp_path_factory):  # type: ignore[no-untyped-def]
    handle = start_paper_exchange(
        tmp_path_factory.mktemp("paper-second"), faults=False, rate="calm", accounts=[ACCOUNT]
    )
    try:
        yield handle
    finally:
        handle.stop()


def launch(data: Path, paper: Any, timeout: float = 120) -> tuple[int, str, float]:
    started = time.monotonic()
    proc = subprocess.run(
        gui_command(data, paper, ACCOUNT),
        cwd=ROOT,
        env=gui_env(),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    return proc.returncode, proc.stdout + proc.stderr, time.monotonic() - started


def test_a_second_window_brings_the_first_to_the_front_and_writes_nothing(
    paper: Any, tmp_path: Path
) -> None:
    data = tmp_path / "app"
    earlier = GuiProcess(data, paper, ACCOUNT)  # an earlier run leaves settings and layout
    earlier.wait_ready()
    assert earlier.stop() == 0
    first = GuiProcess(data, paper, ACCOUNT)
    try:
        first.wait_ready()
        before = files_under(data)
        assert {"config/settings.json", "config/layout.json"} <= set(before)
        rc, out, took = launch(data, paper)
        print(f"second launch answered in {took:.2f} s")
        assert rc == 0, out
        assert (
            f"Trading Terminal is already running (pid {first.pid}): its window was "
            "brought to the front." in out
        )
        assert "Traceback" not in out
        deadline = time.monotonic() + 30
        while "brought to the front at another launch's request" not in first.log():
            assert time.monotonic() < deadline, first.log()[-3000:]
            time.sleep(0.2)
        after = files_under(data)
        assert set(after) == set(before)  # no new file anywhere (logs aside)
        for name in ("config/settings.json", "config/layout.json"):
            assert after.get(name) == before.get(name), name  # untouched, mtime too
        assert first.proc.poll() is None  # the first one runs on
    finally:
        assert first.stop() == 0


def test_a_command_holding_the_journal_is_named_and_nothing_is_written(
    paper: Any, tmp_path: Path
) -> None:
    data = tmp_path / "app"

    async def main() -> tuple[int, str]:
        async with TerminalServices(options(data, paper, ACCOUNT)):
            before = files_under(data)
            rc, out, _ = await _in_thread(launch, data, paper)
            assert set(files_under(data)) == set(before)  # no file made (logs aside)
            return rc, out

    rc, out = run_async(main(), 180)
    assert rc == 1, out
    assert f"A trading-terminal command (pid {os.getpid()}) is using this journal" in out
    assert not (data / "config" / "settings.json").exists()


def test_a_holder_that_does_not_answer_is_found_when_the_journal_opens(
    paper: Any, tmp_path: Path
) -> None:
    data = tmp_path / "app"

    async def main() -> tuple[int, str]:
        async with TerminalServices(options(data, paper, ACCOUNT)) as services:
            await services.control.aclose()  # its channel is gone, the journal still held
            rc, out, _ = await _in_thread(launch, data, paper)
            return rc, out

    rc, out = run_async(main(), 240)
    assert rc == 1, out
    assert (
        "Trading Terminal cannot start: the journal is in use by another "
        f"trading-terminal process (pid {os.getpid()})" in out
    )
    assert "Traceback" not in out
    # it showed a window for a moment, but saved neither settings nor layout
    assert not (data / "config" / "settings.json").exists()
    assert not (data / "config" / "layout.json").exists()


async def _in_thread(fn: Any, *args: Any) -> Any:
    import asyncio

    return await asyncio.to_thread(fn, *args)
