"""Secrets drill: a full command-line flow at DEBUG, then every file it wrote is scanned.

A paper exchange gets a fresh account whose key and secret are random (so a hit cannot
be a coincidence). Real `trading-terminal` processes run at --log-level DEBUG against it:
place two orders, list them, amend one, reconcile, cancel all, show the journal and
export it as CSV, show the venues. Then every file under the data directory (logs,
journal and its WAL, exports, settings, crash reports) is read as bytes and searched for
the key, the secret, request signatures (`signature=` and 64 hex digits) and listen keys
(`listenKey` and a value). Every count must be 0.
"""

from __future__ import annotations

import os
import re
import secrets
import subprocess
import sys
import tempfile
from pathlib import Path

from terminal.drills.result import DrillResult

SIGNATURE = re.compile(rb"signature[=\"':\s]+[0-9a-fA-F]{64}")
LISTEN_KEY = re.compile(rb"listenKey[=\"':\s]+[A-Za-z0-9]{16,}")


def _cli(data: Path, url: str, account: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "terminal",
            "--data-dir",
            str(data),
            "--log-level",
            "DEBUG",
            "--paper-url",
            url,
            "--paper-account",
            account,
            *args,
        ],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        check=False,
    )


def scan(root: Path, needles: dict[str, bytes]) -> dict[str, list[str]]:
    """Files under `root` holding each needle (exact bytes) or pattern."""
    hits: dict[str, list[str]] = {name: [] for name in (*needles, "signature", "listen key")}
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        data = path.read_bytes()
        for name, needle in needles.items():
            if needle in data:
                hits[name].append(str(path.relative_to(root)))
        if SIGNATURE.search(data):
            hits["signature"].append(str(path.relative_to(root)))
        if LISTEN_KEY.search(data):
            hits["listen key"].append(str(path.relative_to(root)))
    return hits


def run(quick: bool) -> DrillResult:
    from terminal.paper.embedded import start_paper_exchange

    result = DrillResult("secrets")
    key = "drill" + secrets.token_hex(12)
    secret = secrets.token_hex(32)
    account = f"{key}:{secret}"
    with tempfile.TemporaryDirectory(prefix="drill-secrets-") as tmp:
        data = Path(tmp) / "app"
        paper = start_paper_exchange(Path(tmp) / "paper", rate="calm", accounts=[(key, secret)])
        try:
            book = paper.control.book("BTC/USDT", 1)
            bid = float(book["bids"][0][0])
            low, lower = f"{bid * 0.97:.2f}", f"{bid * 0.965:.2f}"
            steps = [
                (
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
                    low,
                    "--client-id",
                    "drill-secrets-1",
                ),
                (
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
                    lower,
                ),
                ("order", "list", "--open"),
                (
                    "order",
                    "amend",
                    "--symbol",
                    "BTC/USDT",
                    "--client-id",
                    "drill-secrets-1",
                    "--price",
                    f"{bid * 0.96:.2f}",
                ),
                ("reconcile",),
                ("order", "cancel", "--symbol", "BTC/USDT", "--all"),
                ("journal", "show"),
                (
                    "journal",
                    "export",
                    "--orders",
                    str(data / "orders.csv"),
                    "--fills",
                    str(data / "fills.csv"),
                ),
                ("venues",),
            ]
            failed = []
            for step in steps:
                proc = _cli(data, paper.url, account, *step)
                if proc.returncode != 0:
                    failed.append(
                        f"{' '.join(step[:2])}: {(proc.stderr or proc.stdout).strip()[-200:]}"
                    )
        finally:
            paper.stop()
        files = [p for p in data.rglob("*") if p.is_file()]
        hits = scan(data, {"API key": key.encode(), "secret": secret.encode()})
    result.add("CLI steps at DEBUG", len(steps) - len(failed), must_be=len(steps))
    result.add("files scanned", len(files), at_least=3)
    for name, found in hits.items():
        result.add(f"files holding the {name}", len(found), must_be=0)
    notes = [f"{name} in {', '.join(found)}" for name, found in hits.items() if found]
    result.notes = "; ".join(failed + notes)
    return result
