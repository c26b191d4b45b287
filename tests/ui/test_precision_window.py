"""The whole window against the real paper exchange: after a fill, the fill notification,
History (orders and fills) and Balances show the numbers at the market's precision
(BTC/USDT: tick 0.01, step 0.00001; currencies as ccxt gives them), not as exact text."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest

from terminal.domain.enums import Side
from terminal.domain.order import OrderStatus

from .test_main_window_trading import _mid, _place_from_ticket

pytestmark = pytest.mark.timeout(240)

PRICE = re.compile(r"^\d+\.\d{2}$")  # the tick's two decimals, exactly
AMOUNT = re.compile(r"^\d+\.\d{5}$")  # the step's five decimals, exactly


def test_a_fill_is_shown_at_the_markets_precision(make_main_window, paper_for_ui) -> None:  # type: ignore[no-untyped-def]
    run = make_main_window(paper_for_ui)
    drv, p = run.driver, run.panels
    mid = _mid(run)
    order = _place_from_ticket(
        run,
        Side.BUY,
        mid * Decimal("1.01"),
        "0.002",
        expect=(OrderStatus.FILLED, OrderStatus.PARTIALLY_FILLED),
    )
    coid = str(order.client_order_id)

    # the notification: "BUY 0.00200/0.00200 BTC/USDT filled @ 60012.34"
    note = drv.until(
        lambda: next((t for lvl, t in p.notifications.entries() if lvl == "fill"), None),
        15,
        "a fill notification",
    )
    m = re.search(r"BUY (\S+)/(\S+) BTC/USDT (?:partially )?filled @ (\S+)$", note)
    assert m is not None, note
    filled, amount, avg = m.groups()
    assert amount == "0.00200" and AMOUNT.match(filled) and PRICE.match(avg), note

    # History: the order and its fills
    history = p.history
    row = drv.until(
        lambda: next(
            (r for r in history.orders_model.rows if r.key == coid and r.cells[8] != "—"), None
        ),
        15,
        "the filled order in the history",
    )
    price, ordered, done, average = row.cells[5:9]
    assert PRICE.match(price) and ordered == "0.00200" and AMOUNT.match(done), row.cells
    assert PRICE.match(average), row.cells
    fills = drv.until(
        lambda: [r for r in history.fills_model.rows if r.cells[10] == coid],
        15,
        "the order's fills in the fills tab",
    )
    for f in fills:
        assert PRICE.match(f.cells[4]) and AMOUNT.match(f.cells[5]), f.cells
        assert PRICE.match(f.cells[6]), f.cells  # value, in the quote at the tick
    # the order the panel holds is exact: display only
    held = next(o for o in history.shown_orders if str(o.client_order_id) == coid)
    assert held.amount == Decimal("0.002")

    # Balances: each currency at the precision ccxt gives (paper: 8 places), zeros dropped
    session = run.controller.services.sessions["paper"]
    places = session.currency_places
    assert places.get("BTC") == 8 and places.get("USDT") == 8
    balances = p.balances
    drv.until(lambda: any(r.key == "BTC" for r in balances.model.rows), 15, "a BTC balance")
    for r in balances.model.rows:
        for text in r.cells[1:4]:
            decimals = text.partition(".")[2]
            assert len(decimals) <= 8 and not decimals.endswith("0"), r.cells
