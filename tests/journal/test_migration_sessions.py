"""Revision 0004: every journal row moves to the session it was recorded under.

A journal is built at revision 0003 (the previous one) with rows of every table, some of
them awkward (an empty account, a list whose legs are gone, a fill of no journaled order,
a second account and a live mode on one venue); start-up migrates it, and every row must
still be there with its session columns set as the revision promises.
"""

from __future__ import annotations

import asyncio

from sqlalchemy import text

from terminal.domain.enums import VenueMode
from terminal.domain.ids import AccountLabel, VenueId
from terminal.domain.session import MarketType, SessionKey
from terminal.journal import SqlJournal
from terminal.journal.engine import make_engine
from terminal.journal.migrate import current_revision, head_revision, upgrade

ORDER_SQL = (
    "INSERT INTO orders (client_order_id, venue, mode, account, symbol, side, type, "
    "time_in_force, post_only, external, amount, price, status, venue_order_id, filled, "
    "cost, average_price, fees, reason, created_ms, updated_ms, list_id, triggered) "
    "VALUES (:coid, :venue, :mode, :account, 'BTC/USDT', 'buy', 'limit', 'GTC', 0, 0, '1', "
    "'20000', :status, NULL, '0', '0', NULL, '{}', '', :created, :created, :list_id, 0)"
)
EVENT_SQL = (
    "INSERT INTO order_events (client_order_id, kind, source, status_after, details, "
    "payload, at_ms, recorded_ms) VALUES (:coid, 'Intent', 'local', 'pending_submit', "
    "'{}', NULL, 1, 1)"
)
LIST_SQL = (
    "INSERT INTO order_lists (list_id, venue, account, symbol, kind, held_by, "
    "venue_list_id, status, details, created_ms, updated_ms) VALUES (:list_id, :venue, "
    ":account, 'BTC/USDT', 'oco', 'terminal', NULL, 'open', '{}', 1, 1)"
)
FILL_SQL = (
    "INSERT INTO fills (venue, trade_id, client_order_id, venue_order_id, account, symbol, "
    "side, price, amount, fee, fee_currency, is_maker, ts_ms) VALUES (:venue, :trade, "
    ":coid, NULL, :account, 'BTC/USDT', 'buy', '20000', '0.1', '0', NULL, NULL, 5)"
)

# client id -> (venue, mode, account as recorded, status, list id)
ORDERS = {
    "p1": ("paper", "paper", "default", "open", None),
    "p2": ("paper", "paper", "acct2", "open", "L1"),
    "p3": ("paper", "paper", "", "filled", None),  # recorded without an account
    "b1": ("binance", "sandbox", "main", "open", None),
    "b2": ("binance", "live", "main", "canceled", None),
    "b3": ("binance", "live", "main", "open", "L2"),
}
LISTS = {  # list id -> (venue, account); L3 has no legs left
    "L1": ("paper", "acct2"),
    "L2": ("binance", "main"),
    "L3": ("binance", "main"),
    "L4": ("kraken", "default"),
}
FILLS = {  # trade id -> (venue, client id, account)
    "t1": ("paper", "p1", "default"),
    "t2": ("binance", "b1", "main"),
    "t3": ("binance", None, "main"),  # an external order's fill: no journal order
    "t4": ("paper", None, ""),
    "t5": ("okx", None, "default"),
}


def _journal_at_0003(url: str) -> None:
    engine = make_engine(url)
    upgrade(engine, "0003")
    assert current_revision(engine) == "0003"
    with engine.begin() as conn:
        for n, (coid, (venue, mode, account, status, list_id)) in enumerate(ORDERS.items()):
            conn.execute(
                text(ORDER_SQL),
                {
                    "coid": coid,
                    "venue": venue,
                    "mode": mode,
                    "account": account,
                    "status": status,
                    "created": 10 + n,
                    "list_id": list_id,
                },
            )
            for _ in range(2):
                conn.execute(text(EVENT_SQL), {"coid": coid})
        for list_id, (venue, account) in LISTS.items():
            conn.execute(text(LIST_SQL), {"list_id": list_id, "venue": venue, "account": account})
        for trade, (venue, coid, account) in FILLS.items():
            conn.execute(
                text(FILL_SQL), {"venue": venue, "trade": trade, "coid": coid, "account": account}
            )
    engine.dispose()


def _key(venue: str, mode: str, account: str) -> SessionKey:
    return SessionKey(VenueId(venue), VenueMode(mode), AccountLabel(account), MarketType.SPOT)


def test_every_row_is_kept_and_keyed_by_its_session(tmp_path):
    url = f"sqlite:///{tmp_path / 'v3.sqlite'}"
    _journal_at_0003(url)
    journal = SqlJournal.open(url)  # start-up migrates to head
    try:
        assert current_revision(journal._engine) == head_revision()
        with journal._engine.connect() as conn:
            orders = {
                r.client_order_id: (r.venue, r.mode, r.account, r.market, r.status)
                for r in conn.execute(text("SELECT * FROM orders"))
            }
            events = conn.execute(
                text("SELECT client_order_id, venue, mode, account, market FROM order_events")
            ).fetchall()
            lists = {
                r.list_id: (r.venue, r.mode, r.account, r.market)
                for r in conn.execute(text("SELECT * FROM order_lists"))
            }
            fills = {
                r.trade_id: (r.venue, r.mode, r.account, r.market, r.client_order_id)
                for r in conn.execute(text("SELECT * FROM fills"))
            }
        # orders: all six, their recorded session plus spot; the empty account is default
        assert orders == {
            "p1": ("paper", "paper", "default", "spot", "open"),
            "p2": ("paper", "paper", "acct2", "spot", "open"),
            "p3": ("paper", "paper", "default", "spot", "filled"),
            "b1": ("binance", "sandbox", "main", "spot", "open"),
            "b2": ("binance", "live", "main", "spot", "canceled"),
            "b3": ("binance", "live", "main", "spot", "open"),
        }
        # events: both of every order kept, each under its order's session
        assert len(events) == 2 * len(ORDERS)
        for coid, venue, mode, account, market in events:
            assert (venue, mode, account, market) == orders[coid][:4]
        # lists: the mode of their legs; without legs, the venue+account's most used mode
        # (binance/main: live twice, sandbox once), else live
        assert lists == {
            "L1": ("paper", "paper", "acct2", "spot"),
            "L2": ("binance", "live", "main", "spot"),
            "L3": ("binance", "live", "main", "spot"),
            "L4": ("kraken", "live", "default", "spot"),
        }
        # fills: their order's mode; without an order as lists; "paper" on the paper venue
        assert fills == {
            "t1": ("paper", "paper", "default", "spot", "p1"),
            "t2": ("binance", "sandbox", "main", "spot", "b1"),
            "t3": ("binance", "live", "main", "spot", None),
            "t4": ("paper", "paper", "default", "spot", None),
            "t5": ("okx", "live", "default", "spot", None),
        }

        # the journal's queries read the migrated rows per session
        async def read():
            sandbox = _key("binance", "sandbox", "main")
            live = _key("binance", "live", "main")
            return (
                await journal.open_orders(session=sandbox),
                await journal.open_orders(session=live),
                await journal.open_orders(session=_key("paper", "paper", "acct2")),
                await journal.order_history(session=_key("paper", "paper", "default")),
                await journal.fills(session=sandbox),
                await journal.order_lists(session=live),
                await journal.events("b1"),
            )

        sandbox_open, live_open, acct2_open, paper_default, fills_sb, lists_live, ev = asyncio.run(
            read()
        )
        assert [str(o.client_order_id) for o in sandbox_open] == ["b1"]
        assert [str(o.client_order_id) for o in live_open] == ["b3"]
        assert [str(o.client_order_id) for o in acct2_open] == ["p2"]
        assert sorted(str(o.client_order_id) for o in paper_default) == ["p1", "p3"]
        assert [f.trade_id for f in fills_sb] == ["t2"]
        assert sorted(lst.list_id for lst in lists_live) == ["L2", "L3"]
        assert {e.session for e in ev} == {_key("binance", "sandbox", "main")}
    finally:
        journal.close()


def test_downgrade_to_0003_keeps_the_rows(tmp_path):
    url = f"sqlite:///{tmp_path / 'down.sqlite'}"
    _journal_at_0003(url)
    engine = make_engine(url)
    upgrade(engine)
    from alembic import command

    from terminal.journal.migrate import alembic_config

    command.downgrade(alembic_config(engine), "0003")
    with engine.connect() as conn:
        counts = [
            conn.execute(text(f"SELECT COUNT(*) FROM {t}")).scalar()
            for t in ("orders", "order_events", "order_lists", "fills")
        ]
    engine.dispose()
    assert counts == [len(ORDERS), 2 * len(ORDERS), len(LISTS), len(FILLS)]


def test_the_market_type_is_part_of_the_journaled_session(tmp_path):
    from decimal import Decimal

    from terminal.domain.enums import OrderType, Side
    from terminal.domain.ids import Symbol
    from terminal.domain.order import Order, OrderRequest

    journal = SqlJournal.open(f"sqlite:///{tmp_path / 'perp.sqlite'}")
    perp = SessionKey(VenueId("paper"), VenueMode.PAPER, AccountLabel("default"), MarketType.PERP)
    spot = SessionKey(VenueId("paper"), VenueMode.PAPER, AccountLabel("default"))
    order = Order.from_request(
        OrderRequest(
            perp.venue,
            Symbol("BTC/USDT"),
            Side.BUY,
            OrderType.LIMIT,
            Decimal("0.01"),
            Decimal(50000),
            mode=perp.mode,
            market=MarketType.PERP,
        )
    )

    async def go():
        await journal.record_intent(order)
        return (
            await journal.get_order(order.client_order_id),
            await journal.open_orders(session=perp),
            await journal.open_orders(session=spot),
            await journal.events(str(order.client_order_id)),
        )

    try:
        back, in_perp, in_spot, events = asyncio.run(go())
    finally:
        journal.close()
    assert back.market is MarketType.PERP and back.session == perp
    assert [o.client_order_id for o in in_perp] == [order.client_order_id] and in_spot == []
    assert [e.session for e in events] == [perp]
