"""The main window and the emergency stop engaged from outside the toolbar.

`trading-terminal stop` typed in a shell while the window runs reaches it over the
control channel: the button says STOP ENGAGED, every order on the paper exchange is
cancelled and the sweep is reported like a toolbar sweep. Restarting the window with the
stop still engaged sweeps the orders found open at start-up, reported the same way.
Real window offscreen, real paper exchange, the command in its own process.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.fixtures_paper import paper_rest

pytestmark = pytest.mark.timeout(240)
ROOT = Path(__file__).resolve().parents[2]


def _open_ids(paper: Any) -> set[str]:
    return {o["clientOrderId"] for o in paper.control.open_orders(paper.accounts[0][0])}


async def _place_elsewhere(paper: Any, client_id: str) -> None:
    async with paper_rest(paper) as ex:
        await ex.load_markets()
        t = await ex.fetch_ticker("SOL/USDT")
        price = ex.price_to_precision("SOL/USDT", t["ask"] * 1.04)
        await ex.create_order(
            "SOL/USDT", "limit", "sell", 1, float(price), {"clientOrderId": client_id}
        )


def _notes(run: Any) -> list[str]:
    return [text for _, text in run.panels.notifications.entries()]


def test_stop_from_a_shell_and_sweep_at_restart_show_in_the_window(
    make_main_window, paper_for_ui, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    data = tmp_path / "app"
    run = make_main_window(paper_for_ui, data)
    drv, w = run.driver, run.window
    drv.run(_place_elsewhere(paper_for_ui, "shell-ui-1"), 30)
    assert "shell-ui-1" in _open_ids(paper_for_ui)

    key, secret = paper_for_ui.accounts[0]
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "terminal",
            "--data-dir",
            str(data),
            "--log-level",
            "WARNING",
            "--paper-url",
            paper_for_ui.url,
            "--paper-account",
            f"{key}:{secret}",
            "stop",
            "--reason",
            "from a shell",
        ],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
        env=dict(os.environ, PYTHONPATH=str(ROOT)),
    )
    try:
        drv.until(lambda: proc.poll() is not None, 120, "the stop command to finish", interval=0.1)
    finally:
        if proc.poll() is None:
            proc.kill()
    out, err = proc.communicate(timeout=10)
    assert proc.returncode == 0, out + err
    assert "paper (paper, default): OK, cancelled 1, open after sweep 0" in out
    assert w.stop_button.text() == "STOP ENGAGED"
    assert not _open_ids(paper_for_ui)
    drv.until(lambda: run.controller.safety.last_sweep is not None, 10, "the sweep result")
    assert run.controller.safety.last_sweep.ok
    notes = _notes(run)
    assert any("EMERGENCY STOP engaged (trading-terminal stop from a shell)" in n for n in notes), (
        notes
    )
    assert any(
        "Emergency stop sweep (trading-terminal stop from a shell)" in n and "paper" in n
        for n in notes
    ), notes
    run.close()

    # while the terminal is down another client places an order; the restart sweeps it
    drv.run(_place_elsewhere(paper_for_ui, "shell-ui-2"), 30)
    again = make_main_window(paper_for_ui, data)
    assert again.window.stop_button.text() == "STOP ENGAGED"
    drv.until(lambda: not _open_ids(paper_for_ui), 30, "the start-up sweep", interval=0.2)
    drv.until(lambda: again.controller.safety.last_sweep is not None, 10, "its result")
    assert again.controller.safety.last_sweep.ok
    assert any(
        "Emergency stop sweep (stop still engaged at start-up)" in n for n in _notes(again)
    ), _notes(again)
    again.controller.services.safety.stop.reset(confirmed=True, source="test")
