"""`trading-terminal venues`: list exchanges, their test environments and credentials.

Everything shown is read from the installed ccxt classes (no network): whether a
testnet or demo-trading host exists, the credential fields the venue needs, and which
feeds stream over WebSocket (the rest are polled over REST).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from typing import cast

from terminal.cli.context import CliContext

NAME = "venues"
SUMMARY = "list exchanges, their test environments and credentials"

FEED_SHORT = {
    "book": "book",
    "trades": "trades",
    "candles": "candles",
    "ticker": "ticker",
    "balance": "balance",
    "orders": "orders",
    "my_trades": "fills",
}


def add_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        NAME,
        help=SUMMARY,
        description=SUMMARY + ". Read from the installed ccxt; no network is used.",
    )
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    return parser


def rows() -> list[dict[str, object]]:
    from terminal.core.marketstate import FeedKind
    from terminal.exchange.catalogue import default_catalogue

    out = []
    order = list(FeedKind)
    for info in default_catalogue():
        if info.points_at_paper:
            sandbox = "paper"
        elif info.sandbox and info.demo:
            sandbox = "testnet+demo"
        elif info.sandbox:
            sandbox = "testnet"
        elif info.demo and info.demo_header:
            sandbox = "demo (header)"
        elif info.demo:
            sandbox = "demo"
        else:
            sandbox = "no"
        ws = [k for k in order if k in info.ws_feeds]
        out.append(
            {
                "id": str(info.id),
                "name": info.name,
                "ccxt": info.ccxt_id,
                "sandbox": sandbox,
                "modes": [m.value for m in info.modes],
                "credentials": list(info.credential_labels),
                "ws_feeds": [k.value for k in ws],
                "rest_polled": [k.value for k in order if k not in info.ws_feeds],
                "notes": info.notes,
            }
        )
    return out


def format_table(data: list[dict[str, object]]) -> str:
    headers = ["id", "name", "sandbox", "credentials", "WebSocket feeds"]
    table = []
    for r in data:
        ws = cast("list[str]", r["ws_feeds"])
        credentials = cast("list[str]", r["credentials"])
        ws_text = (
            "all 7" if len(ws) == 7 else (", ".join(FEED_SHORT[k] for k in ws) + f" ({len(ws)}/7)")
        )
        table.append(
            [str(r["id"]), str(r["name"]), str(r["sandbox"]), ", ".join(credentials), ws_text]
        )
    widths = [max(len(h), *(len(row[i]) for row in table)) for i, h in enumerate(headers)]
    lines = [
        "  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=False)).rstrip(),
        "  ".join("-" * w for w in widths),
    ]
    lines += [
        "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=False)).rstrip() for row in table
    ]
    lines.append("")
    lines.append(
        "sandbox: 'testnet' = a testnet on its own hosts, 'demo' = a demo-trading "
        "host, 'demo (header)' = the live host plus a demo header, checked on every "
        "private request; 'no' = live only (orders refused while the testnet lock "
        "is on)."
    )
    lines.append(
        "Feeds without WebSocket support are polled over REST within the venue's rate limits."
    )
    return "\n".join(lines)


def run(args: argparse.Namespace, ctx: CliContext) -> int:
    data = rows()
    text = json.dumps(data, indent=2) if getattr(args, "json", False) else format_table(data)
    try:
        print(text, flush=True)
    except BrokenPipeError:  # `trading-terminal venues | head`: the reader left early
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    return 0
