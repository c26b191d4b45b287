"""``python -m terminal.paper`` / ``trading-terminal paper``: run the paper exchange.

Prints ``PAPER_EXCHANGE_ACCOUNT <key> <secret>`` per account, then
``PAPER_EXCHANGE_READY http://127.0.0.1:<port>`` once it accepts connections; the embedded
launcher reads these lines. Nothing else goes to stdout afterwards (logs go to stderr).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import math
import signal
import sys
from decimal import Decimal, InvalidOperation
from pathlib import Path

from .limits import LimitConfig
from .markets import default_markets, synthetic_markets
from .server import DEFAULT_BALANCES, PaperConfig, PaperServer

READY = "PAPER_EXCHANGE_READY"
ACCOUNT = "PAPER_EXCHANGE_ACCOUNT"


def _port(text: str) -> int:
    """A TCP port number, 0-65535 (refused with the reason, never a bind() traceback)."""
    value = text.strip()
    if not value.isascii() or not value.isdigit() or int(value) > 65535:
        raise argparse.ArgumentTypeError(f"not a TCP port (0-65535): {text!r}")
    return int(value)


def _account(text: str) -> tuple[str, str]:
    key, sep, secret = text.partition(":")
    if not sep or not key or not secret:
        raise argparse.ArgumentTypeError("expected KEY:SECRET")
    return key, secret


def _extra_markets(text: str) -> int:
    try:
        n = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError("expected a whole number from 0 to 99") from None
    if not 0 <= n <= 99:
        raise argparse.ArgumentTypeError("expected a whole number from 0 to 99")
    return n


def _balance(text: str) -> tuple[str, Decimal]:
    asset, _, amount = text.partition("=")
    try:
        return asset.upper(), Decimal(amount)
    except InvalidOperation:
        raise argparse.ArgumentTypeError("expected ASSET=AMOUNT") from None


def _speed(text: str) -> float:
    try:
        v = float(text)
    except ValueError:
        v = 0.0
    if not 0 < v <= 28_800_000:  # also refuses nan
        raise argparse.ArgumentTypeError("expected a speed above 0 and at most 28800000")
    return v


def _amount(text: str) -> Decimal:
    try:
        d = Decimal(text)
    except InvalidOperation:
        d = Decimal(-1)
    if not d.is_finite() or d < 0:
        raise argparse.ArgumentTypeError("expected a non-negative amount")
    return d


def _count(minimum: int):
    """argparse type: a whole number >= `minimum`."""

    def parse(text: str) -> int:
        value = text.strip()
        if not value.isascii() or not value.lstrip("-").isdigit() or int(value) < minimum:
            raise argparse.ArgumentTypeError(f"expected a whole number >= {minimum}, not {text!r}")
        return int(value)

    return parse


def _per_second(text: str) -> float:
    """A finite rate above zero ('inf' and 'nan' would break the stress loop)."""
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not math.isfinite(value) or value <= 0:
        raise argparse.ArgumentTypeError(f"expected a number above 0, not {text!r}")
    return value


def _fee(text: str) -> Decimal:
    """A fee rate 0 <= rate < 1 (0.001 is 0.1 %)."""
    try:
        d = Decimal(text)
    except InvalidOperation:
        d = Decimal(-1)
    if not d.is_finite() or not 0 <= d < 1:
        raise argparse.ArgumentTypeError(f"expected a fee rate from 0 to below 1, not {text!r}")
    return d


DEFAULT_PROG = "python -m terminal.paper"


def build_parser(
    prog: str = DEFAULT_PROG, parser_class: type[argparse.ArgumentParser] = argparse.ArgumentParser
) -> argparse.ArgumentParser:
    """The paper CLI's parser; `prog` is how the user started it (usage and errors say so),
    `parser_class` the parser of the program it runs under (whose error layout it keeps)."""
    p = parser_class(
        prog=prog,
        description="Binance-Spot-compatible paper exchange on 127.0.0.1 with a simulated market.",
    )
    p.add_argument("--port", type=_port, default=8765, help="TCP port (0 = any free port)")
    p.add_argument("--seed", type=int, default=1, help="market generator seed")
    p.add_argument(
        "--data-dir",
        type=Path,
        default=Path("paper-data"),
        help="where balances, orders and trades persist (SQLite)",
    )
    p.add_argument(
        "--account",
        type=_account,
        action="append",
        default=[],
        metavar="KEY:SECRET",
        help="add an API key pair (repeatable)",
    )
    p.add_argument(
        "--balance",
        type=_balance,
        action="append",
        default=[],
        metavar="ASSET=AMOUNT",
        help="starting balance of new accounts",
    )
    p.add_argument("--faults", action="store_true", help="enable the fault-injection API")
    p.add_argument(
        "--reset", action="store_true", help="restore starting balances, clear orders and trades"
    )
    p.add_argument("--rate", choices=["calm", "normal", "stress"], default="calm")
    p.add_argument(
        "--diffs-per-second",
        type=_per_second,
        default=None,
        help="stress depth diffs/s on --stress-symbol",
    )
    p.add_argument("--levels-per-diff", type=_count(1), default=None)
    p.add_argument(
        "--stress-symbol",
        default=None,
        help="e.g. BTC/USDT, or several comma-separated (each gets the rate)",
    )
    p.add_argument("--maker-fee", type=_fee, default=Decimal("0.001"))
    p.add_argument("--taker-fee", type=_fee, default=Decimal("0.001"))
    p.add_argument("--weight-per-minute", type=_count(1), default=6000)
    p.add_argument("--orders-per-10s", type=_count(1), default=50)
    p.add_argument(
        "--ban-after",
        type=_count(0),
        default=0,
        help="429s in one minute before answering 418 (0 = never)",
    )
    p.add_argument(
        "--ws-buffer-mb",
        type=_count(1),
        default=64,
        help="disconnect a WebSocket consumer this far behind",
    )
    p.add_argument(
        "--funding-speed",
        type=_speed,
        default=1.0,
        help="futures clock speed: funding every 8 hours / SPEED (default 1)",
    )
    p.add_argument(
        "--futures-wallet",
        type=_amount,
        default=Decimal(100000),
        help="USDT in each account's futures wallet (default 100000)",
    )
    p.add_argument("--backfill", type=_count(0), default=1000, help="candles per timeframe")
    p.add_argument(
        "--extra-markets",
        type=_extra_markets,
        default=0,
        metavar="N",
        help="also list N synthetic USDT markets X01/USDT ... (0-99; for benchmarks "
        "that subscribe many symbols)",
    )
    p.add_argument("--parent-pid", type=int, default=None, help=argparse.SUPPRESS)
    p.add_argument("--log-level", default="WARNING")
    return p


def config_from_args(a: argparse.Namespace) -> PaperConfig:
    balances = dict(DEFAULT_BALANCES)
    balances.update(dict(a.balance))
    return PaperConfig(
        data_dir=a.data_dir,
        seed=a.seed,
        port=a.port,
        accounts=a.account,
        faults=a.faults,
        rate=a.rate,
        diffs_per_second=a.diffs_per_second,
        levels_per_diff=a.levels_per_diff,
        stress_symbol=a.stress_symbol,
        starting_balances=balances,
        maker_fee=a.maker_fee,
        taker_fee=a.taker_fee,
        reset=a.reset,
        backfill=a.backfill,
        parent_pid=a.parent_pid,
        ws_buffer_mb=a.ws_buffer_mb,
        funding_speed=a.funding_speed,
        futures_wallet=a.futures_wallet,
        markets=default_markets() + synthetic_markets(a.extra_markets),
        limits=LimitConfig(
            weight_per_minute=a.weight_per_minute,
            orders_per_10s=a.orders_per_10s,
            ban_after=a.ban_after,
        ),
    )


async def _serve(cfg: PaperConfig) -> int:
    srv = PaperServer(cfg)
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):  # before READY: a stop may follow at once
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, srv.stopped.set)
    port = await srv.start()
    for key, secret in srv.auth.keys.items():
        print(f"{ACCOUNT} {key} {secret}", flush=True)
    print(f"{READY} http://127.0.0.1:{port}", flush=True)
    await srv.stopped.wait()
    if srv._runner is not None or srv._tasks:
        await asyncio.wait_for(srv.stop(), 10)
    return 0


def main(
    argv: list[str] | None = None,
    prog: str = DEFAULT_PROG,
    parser_class: type[argparse.ArgumentParser] = argparse.ArgumentParser,
) -> int:
    args = build_parser(prog, parser_class).parse_args(argv)
    logging.basicConfig(
        level=args.log_level.upper(),
        stream=sys.stderr,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    try:
        return asyncio.run(_serve(config_from_args(args)))
    except KeyboardInterrupt:
        return 0
