"""Lock and stop drill: every way an order could leave while stopped or locked, tried
with real `trading-terminal` processes; the venue counts what got through.

A paper exchange with a fresh account; one order rests before anything starts. Then
`trading-terminal stop --no-paper` engages the emergency stop (journaled, no sweep yet).
Each attempt below is a fresh process on the same data directory (the first one's
start-up sweeps the resting order, as every start with the stop engaged does). At the
end the venue's own order history is read: any order created after the stop engaged is
one that got through, and nothing may be left open.

- order place, plain; with every precaution confirmed (--confirm ...); as a market order;
  with --paper-url spelled `localhost` instead of 127.0.0.1;
- order amend of the resting order (a cancel-replace would send a new order);
- with environment variables and a settings file that try to switch the stop or the
  testnet lock off;
- the lock: order place on a live venue (`--venue binance --mode live`) with keys in the
  environment must be refused before anything is sent;
- (full run) the GUI's own self-test on the same data directory, which places an order
  from the ticket with a real click.
"""

from __future__ import annotations

import asyncio
import json
import os
import secrets
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from terminal.drills.result import DrillResult

UNLOCKING_ENV = {
    "TT_TESTNET_LOCK": "0",
    "TESTNET_LOCK": "off",
    "TT_UNLOCK": "1",
    "TT_LIVE": "1",
    "TRADING_TERMINAL_UNLOCKED": "true",
    "TT_STOP": "0",
    "TT_EMERGENCY_STOP": "off",
    "TRADING_TERMINAL_STOP": "reset",
    "BINANCE_API_KEY": "drill-key",
    "BINANCE_SECRET": "drill-secret",
    "TT_BINANCE_API_KEY": "drill-key",
    "TT_BINANCE_SECRET": "drill-secret",
}
UNLOCKING_SETTINGS = {
    "version": 1,
    "testnet_lock": False,
    "unlocked": True,
    "live": True,
    "emergency_stop": False,
    "stop": {"engaged": False},
    "safety": {"testnet_lock": False, "stop": False, "unlocked": [["binance", "default"]]},
}
CONFIRM_ALL = (
    "price_deviation",
    "max_notional",
    "balance",
    "market_confirm",
    "emergency_stop",
    "testnet_lock",
    "stale_book",
    "duplicate",
)


def _cli(
    data: Path,
    url: str,
    account: str,
    *args: str,
    env: dict[str, str] | None = None,
    timeout: float = 120,
) -> subprocess.CompletedProcess[str]:
    full_env = dict(os.environ, QT_QPA_PLATFORM="offscreen", **(env or {}))
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "terminal",
            "--data-dir",
            str(data),
            "--paper-url",
            url,
            "--paper-account",
            account,
            *args,
        ],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=full_env,
        check=False,
    )


def _orders_since(url: str, account: str, since_ms: int) -> list[str]:
    import ccxt.async_support as ccxt_async

    from terminal.paper.ccxt_compat import paper_ccxt_config, point_ccxt_at

    async def run() -> list[str]:
        key, secret = account.split(":", 1)
        ex = point_ccxt_at(ccxt_async.binance(paper_ccxt_config(key, secret)), url)
        try:
            await ex.load_markets()
            found = await ex.fetch_orders("BTC/USDT", since=since_ms, params={"limit": 1000})
            return [str(o["clientOrderId"]) for o in found if (o.get("timestamp") or 0) >= since_ms]
        finally:
            await ex.close()

    return asyncio.run(run())


def run(quick: bool) -> DrillResult:
    from terminal.paper.embedded import start_paper_exchange

    result = DrillResult("lock and stop")
    key, secret = "drill" + secrets.token_hex(8), secrets.token_hex(32)
    account = f"{key}:{secret}"
    through: list[str] = []
    refused = attempts = 0
    with tempfile.TemporaryDirectory(prefix="drill-lockstop-") as tmp:
        data = Path(tmp) / "app"
        paper = start_paper_exchange(Path(tmp) / "paper", rate="calm", accounts=[(key, secret)])
        try:
            bid = float(paper.control.book("BTC/USDT", 1)["bids"][0][0])
            place = (
                "order",
                "place",
                "--symbol",
                "BTC/USDT",
                "--side",
                "buy",
                "--type",
                "limit",
                "--amount",
                "0.001",
                "--price",
                f"{bid * 0.97:.2f}",
            )
            first = _cli(data, paper.url, account, *place, "--client-id", "drill-resting")
            if first.returncode != 0:
                result.error = f"the resting order was not placed: {first.stderr.strip()[-200:]}"
                return result
            stop = _cli(data, paper.url, account, "stop", "--no-paper", "--reason", "drill")
            engaged_ms = int(time.time() * 1000)
            if stop.returncode != 0:
                result.error = f"the stop did not engage: {stop.stderr.strip()[-200:]}"
                return result
            local = paper.url.replace("127.0.0.1", "localhost")
            confirms = [a for rule in CONFIRM_ALL for a in ("--confirm", rule)]
            settings_dir = data / "config"
            settings_dir.mkdir(parents=True, exist_ok=True)
            tries: list[tuple[str, tuple[str, ...], dict[str, str], str]] = [
                ("place", place, {}, paper.url),
                ("place, every precaution confirmed", (*place, *confirms), {}, paper.url),
                (
                    "place a market order",
                    (
                        "order",
                        "place",
                        "--symbol",
                        "BTC/USDT",
                        "--side",
                        "buy",
                        "--type",
                        "market",
                        "--amount",
                        "0.001",
                        *confirms,
                    ),
                    {},
                    paper.url,
                ),
                ("place via localhost", place, {}, local),
                (
                    "amend the resting order",
                    (
                        "order",
                        "amend",
                        "--symbol",
                        "BTC/USDT",
                        "--client-id",
                        "drill-resting",
                        "--price",
                        f"{bid * 0.965:.2f}",
                        *confirms,
                    ),
                    {},
                    paper.url,
                ),
                ("place with unlocking environment", place, UNLOCKING_ENV, paper.url),
                (
                    "lock: live binance with keys in the environment",
                    (
                        "order",
                        "place",
                        "--venue",
                        "binance",
                        "--mode",
                        "live",
                        "--symbol",
                        "BTC/USDT",
                        "--side",
                        "buy",
                        "--type",
                        "limit",
                        "--amount",
                        "0.001",
                        "--price",
                        "1000",
                        *confirms,
                    ),
                    UNLOCKING_ENV,
                    paper.url,
                ),
            ]
            for label, args, env, url in tries:
                if not quick:  # quick: only with the settings file below
                    (settings_dir / "settings.json").unlink(missing_ok=True)
                    attempts += 1
                    proc = _cli(data, url, account, *args, env=env)
                    refused += proc.returncode != 0
                    if proc.returncode == 0:
                        through.append(f"{label}: exit 0")
                # the same again with a settings file that tries to switch everything off
                (settings_dir / "settings.json").write_text(json.dumps(UNLOCKING_SETTINGS))
                attempts += 1
                proc = _cli(data, url, account, *args, env=env)
                refused += proc.returncode != 0
                if proc.returncode == 0:
                    through.append(f"{label} (unlocking settings): exit 0")
            (settings_dir / "settings.json").unlink(missing_ok=True)
            if not quick:
                attempts += 1
                proc = _cli(data, paper.url, account, "--self-test", timeout=240)
                refused += proc.returncode != 0
            sent = [c for c in _orders_since(paper.url, account, engaged_ms)]
            still = [o["clientOrderId"] for o in paper.control.open_orders(key)]
        finally:
            paper.stop()
    result.add("ways tried", attempts)
    result.add("refused (exit code not 0)", refused, must_be=attempts)
    result.add("orders the venue accepted after the stop", len(sent), must_be=0)
    # every start with the stop engaged sweeps again, so nothing may be left open
    result.add("orders open at the venue at the end", len(still), must_be=0)
    notes = through + [f"venue got {c}" for c in sent]
    if quick:
        notes.append("quick: the GUI self-test attempt runs only in the full drill")
    result.notes = "; ".join(notes)
    return result
