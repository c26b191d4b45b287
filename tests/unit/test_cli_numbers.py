"""The command line writes every number one way: plain digits, the venue's precision
when the market is known, the exact value without trailing zeros otherwise."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from terminal.cli._orders_common import order_line, orders_table
from terminal.domain.enums import OrderType, Side
from terminal.domain.ids import ClientOrderId, Symbol, VenueId
from terminal.domain.market import MarketRules
from terminal.domain.order import Order

RULES = MarketRules(
    symbol=Symbol("BTC/USDT"),
    base="BTC",
    quote="USDT",
    tick_size=Decimal("0.01"),
    step_size=Decimal("0.00001"),
)


def _order(amount: str, price: str, filled: str = "0", cost: str = "0") -> Order:
    now = datetime.now(UTC)
    o = Order(
        client_order_id=ClientOrderId("num-1"),
        venue=VenueId("paper"),
        symbol=Symbol("BTC/USDT"),
        side=Side.BUY,
        type=OrderType.LIMIT,
        amount=Decimal(amount),
        price=Decimal(price),
        created_at=now,
        updated_at=now,
    )
    o.filled, o.cost = Decimal(filled), Decimal(cost)  # average price = cost / filled
    return o


def test_without_the_market_numbers_are_exact_and_plain():
    o = _order("1E+12", "1.1200000", "2.0000000", "246913.5780000")
    for text in (order_line(o), orders_table([o])):
        assert "1000000000000" in text and " 1.12" in text and "123456.789" in text
        assert "E+" not in text and "1.1200000" not in text and "Decimal(" not in text
        assert "e+" not in text  # the table's average used to be written with :.8g


def test_with_the_market_the_venue_precision_decides_the_digits():
    o = _order("0.0012", "57000", "0.0012", "68.399994")  # average 56999.995
    line = order_line(o, RULES)
    assert " 0.00120 @ 57000.00" in line and "filled 0.00120/0.00120 avg 57000.00" in line
    table = orders_table([o], lambda _o: RULES)
    assert "0.00120" in table and "57000.00" in table
