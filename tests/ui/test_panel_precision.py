"""Balances, History and the fill toast show numbers at the venue's precision: prices to
the market's tick, amounts to its step, balances and fees to their currency's precision
(trailing zeros dropped); exact where the precision is unknown. Display only: the
Decimals the panels hold, and the CSV export, stay exact. Real widgets (pytest-qt), real
MarketRules built from ccxt-shaped markets."""

from __future__ import annotations

import csv
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from terminal.domain.enums import OrderType, Side, VenueMode
from terminal.domain.ids import ClientOrderId, Symbol, TradeId, VenueId
from terminal.domain.market import MarketRules, currency_places_from_ccxt
from terminal.domain.marketdata import Balance, Balances
from terminal.domain.money import format_decimal
from terminal.domain.order import Order, OrderFilled
from terminal.domain.session import SessionKey
from terminal.journal.records import FillRecord
from terminal.ui.panels.balances import BalancesPanel
from terminal.ui.panels.history import HistoryPanel
from terminal.ui.panels.notifications import ToastHost
from terminal.ui.panels.precision import SessionPrecision

D = Decimal
NOW = datetime(2026, 11, 21, 9, 0, tzinfo=UTC)


def rules(symbol: str, tick: float, step: float) -> MarketRules:
    base, quote = symbol.split("/")
    return MarketRules.from_ccxt_market(
        {
            "symbol": symbol,
            "base": base,
            "quote": quote,
            "precision": {"price": tick, "amount": step},
        }
    )


class Venue:
    """A connected venue as the panels see it: its markets and currency precisions
    (ccxt's `currencies` shape, read by the same function the session uses)."""

    def __init__(self, markets: list[MarketRules], currencies: dict) -> None:
        self.markets = {m.symbol: m for m in markets}
        self.currency_places = currency_places_from_ccxt(currencies)


VENUES = {
    "paper": Venue(
        [rules("BTC/USDT", 0.01, 0.00001), rules("ETH/BTC", 0.00001, 0.0001)],
        {"BTC": {"precision": 1e-08}, "USDT": {"precision": 0.01}, "ETH": {"precision": 1e-06}},
    ),
    "other": Venue([rules("BTC/USDT", 0.1, 0.001)], {"BTC": {"precision": 0.0001}}),
}
PRECISION = SessionPrecision(VENUES.get)


def bals(**assets: tuple[str, str]) -> Balances:
    return Balances({a: Balance(a, D(f), D(u)) for a, (f, u) in assets.items()})


def cells(model) -> dict:
    return {r.key: r.cells for r in model.rows}


@pytest.fixture
def balances(qtbot):
    p = BalancesPanel(quote="USDT")
    qtbot.addWidget(p)
    p.set_precision(PRECISION)
    p.resize(520, 260)
    p.show()
    return p


def test_balances_at_each_currencys_precision(balances) -> None:
    held = bals(
        BTC=("0.123456789123", "0.000000005"),
        USDT=("99879.98512", "120.015"),
        ETH=("2.1234567", "0"),
        XYZ=("3.1234567891234", "0"),  # no precision given: 8 places at most
    )
    balances.set_balances("paper", held)
    balances.set_view("paper")
    balances.refresh()
    t = cells(balances.model)
    assert t["BTC"][1:4] == ("0.12345679", "0.00000001", "0.12345679")  # half up, 8 places
    assert t["USDT"][1:4] == ("99,879.99", "120.02", "100,000")  # 2 places, zeros dropped
    assert t["ETH"][1:4] == ("2.123457", "0", "2.123457")
    assert t["XYZ"][1:4] == ("3.12345679", "0", "3.12345679")
    # display only: what the panel holds is still exact
    assert balances.shown_balances().get("BTC").free == D("0.123456789123")


def test_combined_venues_use_the_finest_precision(balances) -> None:
    balances.set_balances("paper", bals(BTC=("0.123456789", "0")))
    balances.set_balances("other", bals(BTC=("1.00004", "0")))
    balances.set_view(None)
    balances.refresh()
    assert cells(balances.model)["BTC"][1] == "1.12349679"  # 8 (paper) beats 4 (other)
    balances.set_view("other")
    balances.refresh()
    assert cells(balances.model)["BTC"][1] == "1"  # 1.00004 at BTC's 4 places there


def _order(venue: str, symbol: str) -> Order:
    o = Order(
        ClientOrderId("tt0000000000000001"),
        VenueId(venue),
        Symbol(symbol),
        Side.BUY,
        OrderType.LIMIT,
        D("0.0012345"),
        D("60000.123456"),
        created_at=NOW,
        updated_at=NOW,
    )
    o.apply(
        OrderFilled(
            TradeId("t1"), D("60000.125"), D("0.001"), fee=D("0.0600006"), fee_currency="USDT"
        )
    )
    o.apply(
        OrderFilled(
            TradeId("t2"), D("60000.13"), D("0.0002"), fee=D("0.00000021"), fee_currency="BTC"
        )
    )
    return o


def _fill(venue: str, symbol: str, fee_currency: str | None, trade: str = "t1") -> FillRecord:
    return FillRecord(
        venue,
        trade,
        "tt0000000000000001",
        "9001",
        "default",
        symbol,
        "buy",
        D("60000.125"),
        D("0.0012345"),
        D("0.0600006"),
        fee_currency,
        False,
        int((NOW - timedelta(hours=1)).timestamp() * 1000),
        SessionKey(VenueId(venue), VenueMode.PAPER),
    )


@pytest.fixture
def history(qtbot):
    p = HistoryPanel(now=lambda: NOW)
    qtbot.addWidget(p)
    p.set_precision(PRECISION)
    p.resize(1280, 300)
    p.show()
    return p


def test_history_orders_and_fills_at_the_markets_precision(history, tmp_path) -> None:
    history.set_orders([_order("paper", "BTC/USDT")])
    history.set_fills([_fill("paper", "BTC/USDT", "USDT"), _fill("paper", "ETH/BTC", "EUR", "t2")])
    (order,) = history.orders_model.rows
    # price, amount, filled, avg at tick 0.01 / step 0.00001; fees at USDT's 2 and BTC's 8
    assert order.cells[5:9] == ("60000.12", "0.00123", "0.00120", "60000.13")
    assert order.cells[10] == "0.00000021 BTC, 0.06 USDT"
    fills = {r.cells[2]: r.cells for r in history.fills_model.rows}
    assert fills["BTC/USDT"][4:8] == ("60000.13", "0.00123", "74.07", "0.06 USDT")
    # ETH/BTC: tick 0.00001, step 0.0001; EUR has no precision there: the fee is exact
    assert fills["ETH/BTC"][4:8] == ("60000.12500", "0.0012", "74.07015", "0.0600006 EUR")
    # the CSV export stays exact
    out = tmp_path / "orders.csv"
    assert history.export_csv(out, history.ORDERS_TAB) == 1
    row = next(csv.DictReader(out.open()))
    assert (row["price"], row["amount"]) == ("60000.123456", "0.0012345")


def test_history_of_an_unknown_market_is_exact(history) -> None:
    history.set_orders([_order("gone", "BTC/USDT")])  # a venue no longer connected
    (order,) = history.orders_model.rows
    assert order.cells[5:8] == ("60000.123456", "0.0012345", "0.0012")
    assert order.cells[10] == "0.00000021 BTC, 0.0600006 USDT"


def test_fill_toast_at_the_markets_precision(qtbot) -> None:
    from PySide6.QtWidgets import QWidget

    host_widget = QWidget()
    qtbot.addWidget(host_widget)
    host_widget.resize(800, 600)
    host_widget.show()
    toasts = ToastHost(host_widget)
    market = VENUES["paper"].markets["BTC/USDT"]
    toast = toasts.notify_fill(
        "paper",
        "BTC/USDT",
        "buy",
        D("0.0012345"),
        D("60000.125"),
        filled=D("0.001"),
        total=D("0.0012345"),
        rules=market,
    )
    assert (
        toast.text_label.text()
        == "Bought 0.00123 BTC at 60000.13 on paper\n0.00100 of 0.00123 filled"
    )
    plain = toasts.notify_fill("paper", "BTC/USDT", "buy", D("0.0012345"), D("60000.125"))
    assert plain.text_label.text().startswith("Bought 0.0012345 BTC at 60000.125")


def test_trim_keeps_the_rounding_and_drops_only_trailing_zeros() -> None:
    assert format_decimal(D("1.50000000"), 8, trim=True) == "1.5"
    assert format_decimal(D("0.123456789"), 8, trim=True) == "0.12345679"
    assert format_decimal(D("100000.004"), 2, trim=True) == "100000"
    assert format_decimal(D("-0.000000001"), 8, trim=True) == "0"
    assert format_decimal(D("1.50"), 8) == "1.50000000"  # without trim: exactly the places
