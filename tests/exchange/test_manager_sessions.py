"""One venue connected several times: two accounts of the paper venue (created by the
paper exchange's admin API) and a second paper exchange, side by side in one manager.
Each session has its own clients, health row, balances and open orders."""

from __future__ import annotations

from decimal import Decimal

import pytest

from terminal.core.errors import VenueUnavailableError
from terminal.core.health import VenueState
from terminal.domain.enums import OrderType, Side, VenueMode
from terminal.domain.ids import AccountLabel, Symbol, VenueId
from terminal.domain.order import Order, OrderRequest
from terminal.domain.session import SessionKey
from terminal.exchange.manager import ExchangeManager
from terminal.exchange.session import PaperEndpoint
from tests.exchange.conftest import FAST
from tests.fixtures_paper import run_async

BTC = Symbol("BTC/USDT")
D = Decimal


def limit_buy(session_key: SessionKey, price: Decimal) -> Order:
    return Order.from_request(
        OrderRequest(
            session_key.venue,
            BTC,
            Side.BUY,
            OrderType.LIMIT,
            D("0.001"),
            price,
            mode=session_key.mode,
            account=session_key.account,
        )
    )


def test_two_accounts_and_a_second_paper_exchange_side_by_side(paper, paper_exchange_factory):
    alice = paper.control.create_account({"USDT": "1000"})
    bob = paper.control.create_account({"USDT": "2500"})
    other = paper_exchange_factory(faults=False)
    # every admin-created account is a real account of that exchange
    keys = {a["apiKey"] for a in paper.control.accounts()}
    assert {alice["apiKey"], bob["apiKey"]} <= keys

    async def go() -> None:
        async with ExchangeManager(
            paper=PaperEndpoint(paper.url, tuple(paper.accounts)), session_options=FAST
        ) as manager:
            info = manager.add_paper_venue("paper2", PaperEndpoint(other.url, other.accounts))
            assert info.points_at_paper and info.modes == (VenueMode.PAPER,)
            a = await manager.connect("paper", account="alice", credentials=alice)
            b = await manager.connect("paper", account="bob", credentials=bob)
            c = await manager.connect("paper2")
            assert len({a.key, b.key, c.key}) == 3 and a.key.venue == b.key.venue
            assert a.key == SessionKey(VenueId("paper"), VenueMode.PAPER, AccountLabel("alice"))
            # connecting one of them again returns that session, not a new one
            assert await manager.connect("paper", account="bob", credentials=bob) is b

            # balances: each session reads its own account
            assert (await a.fetch_balances()).get("USDT").total == D("1000")
            assert (await b.fetch_balances()).get("USDT").total == D("2500")

            # open orders: an order placed in one session shows only there
            bid = D(str((await a.fetch_order_book_raw(str(BTC), 5))["bids"][0][0]))
            price = a.markets[BTC].round_price(bid * D("0.8"))
            placed = {}
            for s in (a, b, c):
                order = limit_buy(s.key, price)
                await s.create_order(order)
                placed[s.key] = str(order.client_order_id)
            for s in (a, b, c):
                seen = [str(r.client_order_id) for r in await s.fetch_open_orders(BTC)]
                assert seen == [placed[s.key]], s.key.label
            assert [o["clientOrderId"] for o in paper.control.open_orders(alice["apiKey"])] == [
                placed[a.key]
            ]

            # health: one row per session
            rows = {k: manager.health_snapshot(k) for k in (a.key, b.key, c.key)}
            assert all(r is not None and r.state is VenueState.LIVE for r in rows.values())
            assert {r.session for r in rows.values()} == {a.key, b.key, c.key}

            # disconnecting one session leaves the others of the same venue connected
            await manager.disconnect_key(a.key)
            assert manager.get(a.key) is None and manager.get(b.key) is b
            assert [str(r.client_order_id) for r in await b.fetch_open_orders(BTC)] == [
                placed[b.key]
            ]
            with pytest.raises(VenueUnavailableError):
                manager.session("paper", account="alice")

    run_async(go(), 120)


def test_a_paper_venue_id_cannot_shadow_another_venue(paper):
    manager = ExchangeManager(paper=PaperEndpoint(paper.url, tuple(paper.accounts)))
    with pytest.raises(ValueError, match="already in the catalogue"):
        manager.add_paper_venue("binance", PaperEndpoint(paper.url, tuple(paper.accounts)))


def test_a_paper_account_label_without_a_number_is_refused_not_taken_as_the_first(paper):
    from terminal.core.errors import AuthenticationError

    endpoint = PaperEndpoint(paper.url, tuple(paper.accounts))
    assert endpoint.credentials("default")["apiKey"] == paper.accounts[0][0]
    with pytest.raises(AuthenticationError, match="no account labelled 'alice'"):
        endpoint.credentials("alice")
