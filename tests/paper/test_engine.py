"""In-process matching-engine tests: priority, order types, fees, balances (no network)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from terminal.paper.engine import Engine, FeeSchedule
from terminal.paper.errors import ApiError
from terminal.paper.ledger import FEES, MARKET
from terminal.paper.markets import default_markets


class Clock:
    def __init__(self) -> None:
        self.t = 1_700_000_000_000

    def __call__(self) -> int:
        self.t += 1
        return self.t


def make_engine() -> Engine:
    eng = Engine(default_markets(), Clock(), FeeSchedule(Decimal("0.001"), Decimal("0.002")))
    for acct in ("alice", "bob"):
        eng.add_account(
            acct,
            {"USDT": Decimal(100000), "BTC": Decimal(2), "ETH": Decimal(10), "SOL": Decimal(100)},
        )
    book = eng.books["BTCUSDT"]
    # simulated liquidity: bids 59990/59980, asks 60010/60020 (ticks of 0.01)
    book.bids.set_sim(5_999_000, 50_000)  # 0.5 BTC
    book.bids.set_sim(5_998_000, 100_000)
    book.asks.set_sim(6_001_000, 50_000)
    book.asks.set_sim(6_002_000, 100_000)
    book.commit()
    return eng


def order(eng: Engine, acct: str, **p: str):
    base = {"symbol": "BTCUSDT"}
    base.update(p)
    return eng.place(acct, base)


def test_limit_rests_and_locks_quote() -> None:
    eng = make_engine()
    o, fills = order(
        eng,
        "alice",
        side="BUY",
        type="LIMIT",
        timeInForce="GTC",
        price="59995.00",
        quantity="0.10000",
    )
    assert o.status == "NEW" and not fills
    free, locked = eng.ledger.get("alice", "USDT")
    assert locked == Decimal("5999.5") and free == Decimal(100000) - locked
    assert eng.books["BTCUSDT"].bids.best() == 5_999_500


def test_taker_walks_levels_and_pays_fee_in_received_asset() -> None:
    eng = make_engine()
    o, fills = order(
        eng,
        "alice",
        side="BUY",
        type="LIMIT",
        timeInForce="GTC",
        price="60020.00",
        quantity="0.70000",
    )
    assert o.status == "FILLED"
    assert [(f["price"], f["qty"]) for f in fills] == [
        ("60010.00000000", "0.50000000"),
        ("60020.00000000", "0.20000000"),
    ]
    # taker fee 0.2% in BTC
    assert eng.ledger.get("alice", "BTC") == (
        Decimal(2) + Decimal("0.7") * Decimal("0.998"),
        Decimal(0),
    )
    cost = Decimal("0.5") * 60010 + Decimal("0.2") * 60020
    assert eng.ledger.get("alice", "USDT") == (Decimal(100000) - cost, Decimal(0))


def test_price_time_priority_sim_ahead_then_users_fifo() -> None:
    eng = make_engine()
    a, _ = order(
        eng,
        "alice",
        side="SELL",
        type="LIMIT",
        timeInForce="GTC",
        price="60010.00",
        quantity="0.10000",
    )
    b, _ = order(
        eng,
        "bob",
        side="SELL",
        type="LIMIT",
        timeInForce="GTC",
        price="60010.00",
        quantity="0.10000",
    )
    # 0.5 simulated was there first, then alice, then bob
    eng.sim_take("BTCUSDT", True, 55_000, 6_001_000)  # 0.55 BTC
    assert a.executed == 5_000 and a.status == "PARTIALLY_FILLED"
    assert b.executed == 0
    eng.sim_take("BTCUSDT", True, 10_000, 6_001_000)
    assert a.status == "FILLED" and b.executed == 5_000


def test_ioc_fok_and_limit_maker() -> None:
    eng = make_engine()
    o, _ = order(
        eng,
        "alice",
        side="BUY",
        type="LIMIT",
        timeInForce="IOC",
        price="60010.00",
        quantity="0.80000",
    )
    assert o.status == "EXPIRED" and o.executed == 50_000
    o, _ = order(
        eng,
        "alice",
        side="BUY",
        type="LIMIT",
        timeInForce="FOK",
        price="60020.00",
        quantity="1.10000",
    )
    assert o.status == "EXPIRED" and o.executed == 0
    with pytest.raises(ApiError) as e:
        order(eng, "alice", side="BUY", type="LIMIT_MAKER", price="60020.00", quantity="0.1")
    assert (e.value.code, e.value.msg) == (-2010, "Order would immediately match and take.")
    o, _ = order(eng, "alice", side="BUY", type="LIMIT_MAKER", price="59000.00", quantity="0.1")
    assert o.status == "NEW"
    assert eng.ledger.get("alice", "USDT")[1] == Decimal(5900)


def test_market_by_quote_and_qty() -> None:
    eng = make_engine()
    o, _fills = order(eng, "alice", side="BUY", type="MARKET", quoteOrderQty="6001")
    assert o.status == "FILLED" and o.executed == 10_000  # 0.1 BTC at 60010
    o, _ = order(eng, "alice", side="SELL", type="MARKET", quantity="0.2")
    assert o.status == "FILLED" and o.cum_quote == 20_000 * 5_999_000


@pytest.mark.parametrize(
    "params,code,msg",
    [
        ({"price": "60000.001", "quantity": "0.1"}, -1013, "Filter failure: PRICE_FILTER"),
        ({"price": "60000.00", "quantity": "0.000001"}, -1013, "Filter failure: LOT_SIZE"),
        ({"price": "100.00", "quantity": "0.00001"}, -1013, "Filter failure: NOTIONAL"),
        (
            {"price": "60000.123456789", "quantity": "0.1"},
            -1111,
            "Precision is over the maximum defined for this asset.",
        ),
        ({"price": "59000", "quantity": "1.9", "symbol": "XXXUSDT"}, -1121, "Invalid symbol."),
        (
            {"price": "59000", "quantity": "1.8"},
            -2010,
            "Account has insufficient balance for requested action.",
        ),
    ],
)
def test_rejections_use_binance_codes(params: dict[str, str], code: int, msg: str) -> None:
    eng = make_engine()
    p = {"side": "BUY", "type": "LIMIT", "timeInForce": "GTC"}
    p.update(params)
    with pytest.raises(ApiError) as e:
        order(eng, "alice", **p)
    assert (e.value.code, e.value.msg) == (code, msg)


def test_duplicate_client_id_only_while_open_and_cancel_errors() -> None:
    eng = make_engine()
    o, _ = order(
        eng,
        "alice",
        side="BUY",
        type="LIMIT",
        timeInForce="GTC",
        price="59000",
        quantity="0.1",
        newClientOrderId="abc",
    )
    with pytest.raises(ApiError) as e:
        order(
            eng,
            "alice",
            side="BUY",
            type="LIMIT",
            timeInForce="GTC",
            price="59000",
            quantity="0.1",
            newClientOrderId="abc",
        )
    assert (e.value.code, e.value.msg) == (-2010, "Duplicate order sent.")
    eng.cancel("alice", {"symbol": "BTCUSDT", "origClientOrderId": "abc"})
    assert eng.ledger.get("alice", "USDT") == (Decimal(100000), Decimal(0))
    with pytest.raises(ApiError) as e:
        eng.cancel("alice", {"symbol": "BTCUSDT", "orderId": str(o.order_id)})
    assert (e.value.code, e.value.msg) == (-2011, "Unknown order sent.")
    with pytest.raises(ApiError) as e:
        eng.query("alice", {"symbol": "BTCUSDT", "orderId": "999999"})
    assert (e.value.code, e.value.msg) == (-2013, "Order does not exist.")
    o2, _ = order(
        eng,
        "alice",
        side="BUY",
        type="LIMIT",
        timeInForce="GTC",
        price="59000",
        quantity="0.1",
        newClientOrderId="abc",
    )  # reusable once closed
    assert o2.order_id != o.order_id


def test_conservation_with_two_users_and_market() -> None:
    eng = make_engine()
    before = eng.ledger.totals()
    order(eng, "alice", side="SELL", type="LIMIT", timeInForce="GTC", price="60005", quantity="0.3")
    order(eng, "bob", side="BUY", type="MARKET", quantity="0.4")
    eng.sim_take("BTCUSDT", False, 200_000, None)
    after = eng.ledger.totals()
    assert after == before
    assert eng.ledger.get(FEES, "BTC")[0] > 0
    assert eng.ledger.get(MARKET, "USDT")[0] != 0
