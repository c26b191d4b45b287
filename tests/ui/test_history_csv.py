"""The History panel's CSV export and `trading-terminal journal export` write the same
format: identical header rows and identical rows for the same orders and fills.

Real parts throughout: a SQLite journal written through SqlJournal, the command line in
a subprocess (as a user runs it), and the panel built offscreen and fed the journal's
own query results, as the main window does.
"""

from __future__ import annotations

import asyncio
import csv
import json
import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from terminal.core.csv_format import FILL_COLUMNS, ORDER_COLUMNS, parse_fees
from terminal.domain.enums import OrderType, Side
from terminal.domain.ids import Symbol, TradeId, VenueId, VenueOrderId
from terminal.domain.order import (
    EventSource,
    Order,
    OrderAccepted,
    OrderCanceled,
    OrderFilled,
    OrderRequest,
)
from terminal.journal import SqlJournal
from terminal.journal.codec import order_row
from terminal.journal.export import read_fills_csv, read_orders_csv
from terminal.ui.panels.history import HistoryPanel

ROOT = Path(__file__).resolve().parents[2]


def _journal_with_orders(path: Path) -> None:
    journal = SqlJournal.open(f"sqlite:///{path}")

    async def main() -> None:
        a = Order.from_request(
            OrderRequest(
                VenueId("paper"),
                Symbol("BTC/USDT"),
                Side.BUY,
                OrderType.LIMIT,
                Decimal("0.0100"),
                Decimal("25000.10"),
                post_only=True,
            )
        )
        b = Order.from_request(
            OrderRequest(
                VenueId("paper"),
                Symbol("ETH/USDT"),
                Side.SELL,
                OrderType.LIMIT,
                Decimal("1.5"),
                Decimal("1E+3"),
            )
        )
        for o in (a, b):
            await journal.record_intent(o)
        for ev in (
            OrderAccepted(venue_order_id=VenueOrderId("7"), source=EventSource.REST),
            OrderFilled(
                trade_id=TradeId("t-1"),
                price=Decimal("25000.10"),
                amount=Decimal("0.0040"),
                fee=Decimal("1E-9"),
                fee_currency="BNB",
                is_maker=True,
            ),
            OrderFilled(
                trade_id=TradeId("t-2"),
                price=Decimal("25000.00"),
                amount=Decimal("0.0010"),
                fee=Decimal("0.025"),
                fee_currency="USDT",
                is_maker=False,
            ),
        ):
            a.apply(ev)
            await journal.record_event(a, ev)
        ev = OrderCanceled(reason='user, "quoted"\nsecond line', source=EventSource.REST)
        b.apply(ev)
        await journal.record_event(b, ev)

    try:
        asyncio.run(main())
    finally:
        journal.close()


def _query(path: Path):
    journal = SqlJournal.open(f"sqlite:///{path}", read_only=True)

    async def main():
        return await journal.order_history(), await journal.fills()

    try:
        return asyncio.run(main())
    finally:
        journal.close()


def _values(row):
    """An order row with its numbers as Decimals (equal values, whatever their text)."""
    out = dict(row)
    for key in ("amount", "price", "filled", "cost", "average_price"):
        out[key] = None if row[key] is None else Decimal(row[key])
    out["fees"] = {k: Decimal(v) for k, v in json.loads(row["fees"] or "{}").items()}
    return out


def _read(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    with open(path, newline="", encoding="utf-8") as fh:
        reader = csv.reader(fh)
        header = next(reader)
        return header, [dict(zip(header, row, strict=False)) for row in reader]


def test_panel_and_cli_exports_are_the_same_format(qtbot, tmp_path):
    db = tmp_path / "journal.sqlite"
    _journal_with_orders(db)

    cli = subprocess.run(
        [
            sys.executable,
            "-m",
            "terminal",
            "--data-dir",
            str(tmp_path / "data"),
            "--log-level",
            "WARNING",
            "--journal",
            str(db),
            "journal",
            "export",
            "--orders",
            str(tmp_path / "cli-orders.csv"),
            "--fills",
            str(tmp_path / "cli-fills.csv"),
        ],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
        env=dict(os.environ, PYTHONPATH=str(ROOT)),
    )
    assert cli.returncode == 0, cli.stderr
    assert "2 order(s)" in cli.stdout and "2 fill(s)" in cli.stdout

    orders, fills = _query(db)
    panel = HistoryPanel()
    qtbot.addWidget(panel)
    panel.set_orders(orders)
    panel.set_fills(fills)
    panel.set_filter(range_index=4)  # all time
    assert panel.export_csv(tmp_path / "panel-orders.csv", HistoryPanel.ORDERS_TAB) == 2
    assert panel.export_csv(tmp_path / "panel-fills.csv", HistoryPanel.FILLS_TAB) == 2

    for kind, columns in (("orders", ORDER_COLUMNS), ("fills", FILL_COLUMNS)):
        cli_header, cli_rows = _read(tmp_path / f"cli-{kind}.csv")
        panel_header, panel_rows = _read(tmp_path / f"panel-{kind}.csv")
        assert cli_header == panel_header == list(columns)
        key = "client_order_id" if kind == "orders" else "trade_id"
        assert {r[key]: r for r in cli_rows} == {r[key]: r for r in panel_rows}

    # one row spelled out: exact decimals in plain digits, booleans, fees, escaped text
    _, rows = _read(tmp_path / "panel-orders.csv")
    filled = next(r for r in rows if r["symbol"] == "BTC/USDT")
    assert (filled["amount"], filled["filled"], filled["cost"]) == ("0.01", "0.005", "125.0004")
    assert filled["fees"] == "BNB:0.000000001;USDT:0.025"
    assert parse_fees(filled["fees"]) == {"BNB": Decimal("1E-9"), "USDT": Decimal("0.025")}
    assert (filled["post_only"], filled["external"], filled["venue_order_id"]) == (
        "true",
        "false",
        "7",
    )
    canceled = next(r for r in rows if r["symbol"] == "ETH/USDT")
    assert canceled["price"] == "1000" and canceled["reason"] == 'user, "quoted"\nsecond line'
    _, frows = _read(tmp_path / "cli-fills.csv")
    first = next(r for r in frows if r["trade_id"] == "t-1")
    assert (first["fee"], first["value"], first["is_maker"]) == ("0.000000001", "100.0004", "true")

    # and the journal's readers load the panel's file back to the same orders and fills
    by_id = {o.client_order_id: _values(order_row(o)) for o in orders}
    back = read_orders_csv(tmp_path / "panel-orders.csv")
    assert {o.client_order_id: _values(order_row(o)) for o in back} == by_id
    assert sorted(read_fills_csv(tmp_path / "panel-fills.csv"), key=lambda f: f.trade_id) == sorted(
        fills, key=lambda f: f.trade_id
    )
