"""The positions panel and the ticket's futures section as real widgets, driven by a real
FuturesSession (ccxt against the paper exchange's /fapi) and the real order service and
journal: what the panel shows is what the venue reports; close, close half, close at a
price and reverse go through as reduce-only orders, in one-way and in hedge mode; the
ticket's leverage change is asked first, then sent; the funding header counts down."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from PySide6.QtWidgets import QMessageBox

from terminal.core.futures.estimate import estimate_order
from terminal.core.futures.state import FuturesState
from terminal.core.orders import OrderService
from terminal.domain.enums import OrderType, Side, VenueMode
from terminal.domain.ids import Symbol, VenueId
from terminal.domain.order import OrderRequest, OrderStatus
from terminal.domain.position import MarginMode, PositionMode, PositionSide
from terminal.domain.session import MarketType
from terminal.exchange.catalogue import paper_info
from terminal.exchange.futures_session import FuturesSession
from terminal.exchange.session import PaperEndpoint, SessionOptions
from terminal.journal import SqlJournal
from terminal.paper.embedded import PaperExchangeHandle, start_paper_exchange
from terminal.ui.panels.futures_ticket import FuturesTicketSection
from terminal.ui.panels.order_entry import OrderEntryPanel
from terminal.ui.panels.positions import PositionsPanel
from terminal.ui.panels.ticket import EntryKind
from terminal.ui.tasks import gui_task_owner
from terminal.ui.wiring.futures import FuturesWiring
from tests.integration.test_orders_helpers import FAST as FAST_ORDERS

BTC = Symbol("BTC/USDT:USDT")
ETH_SYMBOL = Symbol("ETH/USDT:USDT")
D = Decimal
KEYS = [(f"ui-perp-key-{i}", f"ui-perp-secret-{i}") for i in range(1, 5)]


@pytest.fixture(scope="module")
def perp_paper(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PaperExchangeHandle]:
    h = start_paper_exchange(tmp_path_factory.mktemp("ui-perp"), faults=True, accounts=KEYS)
    try:
        yield h
    finally:
        h.stop()


class Stack:
    """Session, journal, order service, futures state, widgets and their wiring."""

    def __init__(self, aloop, h: PaperExchangeHandle, account: str, tmp: Path) -> None:
        self.aloop = aloop
        endpoint = PaperEndpoint(h.url, tuple(h.accounts))
        self.session = FuturesSession(
            paper_info(),
            VenueMode.PAPER,
            account,
            paper=endpoint,
            options=SessionOptions(heartbeat_s=0, rate_limit_ms=1, timeout_ms=10_000),
        )
        self.journal = SqlJournal.open(f"sqlite:///{tmp / 'journal.sqlite'}")
        self.orders = OrderService(self.journal, policy=FAST_ORDERS)
        self.tasks = gui_task_owner("futures-test")
        aloop.run(self.session.connect())
        self.orders.attach(self.session)
        result = aloop.run(self.orders.reconcile(self.session.key))
        assert result.ok, result.error
        self.state = FuturesState(self.session, positions_every_s=0.3, funding_every_s=2.0)
        self.state.watch(BTC)
        self.panel = PositionsPanel()
        self.ticket = FuturesTicketSection()
        self.wiring = FuturesWiring(
            self.state, self.panel, self.ticket, self.orders.submit, self.tasks
        )
        self.wiring.start()

    def market(
        self, side: Side, amount: str, *, symbol: Symbol = BTC, reduce_only: bool = False
    ) -> None:
        request = OrderRequest(
            VenueId("paper"),
            symbol,
            side,
            OrderType.MARKET,
            D(amount),
            account=self.session.key.account,
            market=MarketType.PERP,
            reduce_only=reduce_only,
        )
        order = self.aloop.run(self.orders.submit(request))
        assert order.status is OrderStatus.FILLED, order

    def rows(self) -> list[tuple[str, ...]]:
        self.panel.refresh()
        return [r.cells for r in self.panel.model.rows]

    def wait_rows(self, want, what: str) -> list[tuple[str, ...]]:
        return self.aloop.until(lambda: want(self.rows()) and self.rows(), 20, what)

    def close(self) -> None:
        self.wiring.close()
        self.aloop.run(self.tasks.close())
        self.aloop.run(self.orders.aclose())
        self.aloop.run(self.session.close())
        self.journal.close()
        for w in (self.panel, self.ticket):
            w.close()
            w.deleteLater()


@pytest.fixture
def stack_factory(aloop, perp_paper, tmp_path):
    made: list[Stack] = []

    def make(account: str) -> Stack:
        s = Stack(aloop, perp_paper, account, tmp_path)
        made.append(s)
        return s

    yield make
    for s in made:
        s.close()


def answer(aloop, get_box, button: QMessageBox.StandardButton) -> None:
    box = aloop.until(get_box, 5, "the question")
    box.button(button).click()


def sizes(rows) -> list[tuple[str, str, str]]:
    return sorted((r[0], r[1], r[2]) for r in rows)


@pytest.mark.parametrize("hedged", [False, True], ids=["one-way", "hedge"])
def test_panel_shows_the_venue_figures_and_closes_halves_reverses(
    aloop, stack_factory, hedged: bool
) -> None:
    st = stack_factory("acct2" if hedged else "default")
    mode = PositionMode.HEDGE if hedged else PositionMode.ONE_WAY
    aloop.run(st.state.set_position_mode(mode))
    aloop.run(st.session.set_leverage(BTC, 5))
    aloop.run(st.session.set_margin_mode(BTC, MarginMode.ISOLATED))
    st.market(Side.BUY, "0.02")
    rows = st.wait_rows(lambda rs: len(rs) == 1, "the long in the panel")
    (pos,) = aloop.run(st.session.fetch_positions())
    cells = rows[0]
    assert cells[:3] == (str(BTC), "Long", "0.02")
    assert cells[3] == f"{pos.entry_price.quantize(D('0.01')):,}"  # entry at the tick
    assert cells[10] == "5x" and cells[11] == ("Isolated · hedge" if hedged else "Isolated")
    assert pos.liquidation_price is not None  # isolated at 5x: about 20 % below entry
    assert cells[7] == f"{pos.liquidation_price.quantize(D('0.01')):,}"
    assert cells[8] == f"{pos.isolated_wallet.quantize(D('0.01')):,}"
    ratio = pos.margin_ratio_percent()
    assert ratio is not None and cells[9] == f"{ratio.quantize(D('0.01')):,} %"
    summary = st.panel.summary.text()
    assert ("hedge mode" if hedged else "one-way") in summary and "wallet" in summary

    # nothing selected: no action can be taken
    assert not st.panel.close_button.isEnabled()
    assert st.panel.select(str(BTC), PositionSide.LONG)
    st.panel.close_half_button.click()
    st.wait_rows(lambda rs: sizes(rs) == [(str(BTC), "Long", "0.01")], "half closed")

    assert st.panel.select(str(BTC), PositionSide.LONG)
    st.panel.reverse_button.click()
    answer(aloop, st.panel.reverse_question, QMessageBox.StandardButton.No)
    aloop.sleep(1.0)
    assert sizes(st.rows()) == [(str(BTC), "Long", "0.01")]  # declined: nothing sent
    st.panel.reverse_button.click()
    answer(aloop, st.panel.reverse_question, QMessageBox.StandardButton.Yes)
    st.wait_rows(lambda rs: sizes(rs) == [(str(BTC), "Short", "0.01")], "reversed to a short")

    # close at a price: a reduce-only limit buy above the touch fills at once
    assert st.panel.select(str(BTC), PositionSide.SHORT)
    (short,) = aloop.run(st.session.fetch_positions())
    st.panel.price_edit.setText("abc")
    st.panel.close_limit_button.click()
    assert "Close price" in st.panel.status.text()
    st.panel.price_edit.setText(str((short.mark_price * D("1.01")).quantize(D("0.01"))))
    st.panel.close_limit_button.click()
    aloop.until(lambda: not st.rows(), 20, "the short closed at a price")
    assert aloop.run(st.session.fetch_positions()) == []

    # and a plain close at market
    st.market(Side.BUY, "0.01")
    st.wait_rows(lambda rs: len(rs) == 1, "a new long")
    assert st.panel.select(str(BTC), PositionSide.LONG)
    st.panel.close_button.click()
    aloop.until(lambda: not st.rows(), 20, "the long closed")
    aloop.run(st.state.set_position_mode(PositionMode.ONE_WAY))


def test_ticket_section_confirms_leverage_sets_margin_and_estimates(aloop, stack_factory) -> None:
    st = stack_factory("acct3")
    aloop.run(st.session.set_leverage(BTC, 20))
    entry = OrderEntryPanel()
    try:
        rules = st.session.markets[BTC]
        entry.set_account("paper", VenueMode.PAPER, "acct3")
        entry.set_market(rules)
        st.ticket.set_market(rules)
        entry.ticketChanged.connect(
            lambda req: st.ticket.set_ticket(
                req,
                (st.state.snapshot.funding.get(BTC) or None)
                and st.state.snapshot.funding[BTC].mark_price,
            )
        )
        aloop.until(lambda: BTC in st.state.snapshot.settings, 20, "the symbol's settings")
        st.ticket.refresh()
        assert st.ticket.leverage_spin.value() == 20
        assert not st.ticket.leverage_button.isEnabled()
        header = aloop.until(
            lambda: "next in" in st.ticket.header.text() and st.ticket.header.text(), 10, "header"
        )
        assert "funding 0.0100 %" in header and str(BTC) in header

        book = aloop.run(st.session.fetch_order_book_raw(str(BTC), 5))
        entry.set_market_prices(D(repr(book["bids"][0][0])), D(repr(book["asks"][0][0])))
        entry.set_kind(EntryKind.MARKET)
        entry.amount_edit.setText("0.01")
        entry.amount_edit.textEdited.emit("0.01")
        aloop.until(lambda: (st.ticket.refresh(), st.ticket.estimate)[1], 10, "estimate")
        est = st.ticket.estimate
        mark = st.state.snapshot.funding[BTC].mark_price
        assert est is not None and est.notional == D("0.01") * mark
        assert est.initial_margin == est.notional / 20
        assert est.fee == est.notional * rules.taker_fee
        # cross on a 100,000 USDT wallet: 600 USDT at 20x is never liquidated
        assert est.liquidation_price is None and st.ticket.liq_label.text() == "none"
        assert st.ticket.notional_label.text().endswith("USDT")

        # leverage: asked first; "No" sends nothing, "Yes" sends it
        st.ticket.leverage_spin.setValue(7)
        assert st.ticket.leverage_button.isEnabled()
        st.ticket.leverage_button.click()
        answer(aloop, st.ticket.leverage_question, QMessageBox.StandardButton.No)
        aloop.sleep(0.5)
        assert aloop.run(st.session.fetch_margin_settings(BTC)).leverage == 20
        st.ticket.leverage_spin.setValue(7)
        st.ticket.leverage_button.click()
        box = aloop.until(st.ticket.leverage_question, 5, "the question")
        assert "from 20x to 7x" in box.text()
        box.button(QMessageBox.StandardButton.Yes).click()
        aloop.until(
            lambda: st.state.snapshot.settings[BTC].leverage == 7, 20, "leverage 7 read back"
        )
        assert aloop.run(st.session.fetch_margin_settings(BTC)).leverage == 7

        # margin mode: picking isolated sends it; the combo follows the venue
        st.ticket.margin_combo.activated.emit(1)
        aloop.until(
            lambda: st.state.snapshot.settings[BTC].margin_mode is MarginMode.ISOLATED,
            20,
            "isolated read back",
        )
        st.ticket.refresh()
        assert st.ticket.margin_combo.currentText() == "Isolated"
        est = st.ticket.estimate
        assert est is not None and est.liquidation_price is not None
        assert est.initial_margin == est.notional / 7
        assert mark * D("0.8") < est.liquidation_price < mark * D("0.9")  # ~1/7 below

        # the estimate at the fill's price is what the venue reports after the fill
        st.market(Side.BUY, "0.01")
        (pos,) = aloop.run(st.session.fetch_positions())
        snap = st.state.snapshot
        at_fill = estimate_order(
            side=Side.BUY,
            amount=D("0.01"),
            price=pos.entry_price,
            is_market=True,
            leverage=D(7),
            margin_mode=MarginMode.ISOLATED,
            hedged=False,
            reduce_only=False,
            taker_fee=rules.taker_fee,
            maker_fee=rules.maker_fee,
            tiers=snap.tiers[BTC],
            positions=[],
            symbol=BTC,
            account=snap.account,
        )
        assert pos.liquidation_price is not None and at_fill.liquidation_price is not None
        assert abs(at_fill.liquidation_price - pos.liquidation_price) < D("0.01")
        assert abs(at_fill.initial_margin - pos.isolated_wallet) < D("0.01")
        st.market(Side.SELL, "0.01")

        # a refused leverage is one line on the ticket (SOL's first bracket stops at 75x)
        aloop.run(st.wiring._setting(st.state.set_leverage("SOL/USDT:USDT", 100)))
        assert "-4028" in st.ticket.status.text() and "\n" not in st.ticket.status.text()
        st.ticket.say("")
        aloop.run(st.session.set_margin_mode(BTC, MarginMode.CROSS))
    finally:
        entry.close()
        entry.deleteLater()
