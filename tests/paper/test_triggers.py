"""In-process tests of conditional orders and order lists in the matching engine: the
trigger on the last trade price, trailing deltas, OCO/OTO/OTOCO, locks and refusals."""

from __future__ import annotations

from decimal import Decimal

import pytest

from terminal.paper.cancel_replace import cancel_replace
from terminal.paper.errors import ApiError
from terminal.paper.orders import ExecEvent
from tests.paper.test_engine import make_engine, order

SYM = "BTCUSDT"


def engine_at_60010():
    """The test book (bids 59990/59980, asks 60010/60020) with a last trade at 60010."""
    eng = make_engine()
    eng.sim_take(SYM, True, 1000)  # 0.01 BTC at 60010
    assert eng.last_price[SYM] == 6_001_000
    events: list[tuple[str, ExecEvent]] = []
    eng.on_exec.append(lambda a, ev: events.append((a, ev)))
    lists: list[tuple[str, str, str]] = []
    eng.on_list.append(lambda a, x: lists.append((a, x.status_type, x.order_status)))
    return eng, events, lists


def test_stop_loss_sell_waits_off_book_then_sells_at_market_when_price_trades_through() -> None:
    eng, events, _ = engine_at_60010()
    o, fills = order(
        eng, "alice", side="SELL", type="STOP_LOSS", quantity="0.10000", stopPrice="60000.00"
    )
    assert o.status == "NEW" and not fills and not o.working
    assert eng.ledger.get("alice", "BTC") == (Decimal("1.9"), Decimal("0.1"))
    assert eng.books[SYM].asks.best() == 6_001_000  # not on the book
    eng.sim_take(SYM, True, 1000)  # a trade at 60010: nothing
    assert o.status == "NEW"
    eng.sim_take(SYM, False, 1000)  # a trade at 59990 <= 60000: fires, sells at market
    assert o.status == "FILLED" and o.working
    assert eng.ledger.get("alice", "BTC") == (Decimal("1.9"), Decimal(0))
    kinds = [(ev.exec_type, ev.order.status) for a, ev in events if a == "alice"]
    assert kinds[0] == ("NEW", "FILLED") and kinds[1][0] == "NEW" and kinds[-1][0] == "TRADE"


def test_stop_on_the_wrong_side_would_trigger_immediately() -> None:
    eng, _, _ = engine_at_60010()
    for p in (
        {"side": "SELL", "type": "STOP_LOSS", "stopPrice": "60010.00"},
        {"side": "BUY", "type": "STOP_LOSS", "stopPrice": "60000.00"},
        {"side": "SELL", "type": "TAKE_PROFIT", "stopPrice": "60000.00"},
        {
            "side": "BUY",
            "type": "TAKE_PROFIT_LIMIT",
            "stopPrice": "60020.00",
            "price": "60020.00",
            "timeInForce": "GTC",
        },
    ):
        with pytest.raises(ApiError) as e:
            order(eng, "alice", quantity="0.10000", **p)
        assert (e.value.code, e.value.msg) == (-2010, "Order would trigger immediately.")
    assert eng.ledger.get("alice", "BTC") == (Decimal(2), Decimal(0))
    assert eng.ledger.get("alice", "USDT") == (Decimal(100000), Decimal(0))


@pytest.mark.parametrize(
    ("p", "code", "msg"),
    [
        (
            {"type": "STOP_LOSS", "quantity": "0.1"},
            -1102,
            "Param 'stopPrice' or 'trailingDelta' must be sent, but both were empty/null!",
        ),
        (
            {"type": "STOP_LOSS", "quantity": "0.1", "stopPrice": "59000", "price": "59000"},
            -1106,
            "Parameter 'price' sent when not required.",
        ),
        (
            {"type": "STOP_LOSS_LIMIT", "quantity": "0.1", "stopPrice": "59000", "price": "59000"},
            -1102,
            "Mandatory parameter 'timeInForce' was not sent, was empty/null, or malformed.",
        ),
        (
            {
                "type": "LIMIT",
                "quantity": "0.1",
                "price": "59000",
                "timeInForce": "GTC",
                "stopPrice": "59000",
            },
            -1106,
            "Parameter 'stopPrice' sent when not required.",
        ),
        (
            {"type": "STOP_LOSS", "quantity": "0.1", "trailingDelta": "5"},
            -1013,
            "Filter failure: TRAILING_DELTA",
        ),
        (
            {"type": "STOP_LOSS", "quantity": "0.1", "stopPrice": "59000.001"},
            -1013,
            "Filter failure: PRICE_FILTER",
        ),
        (
            {
                "type": "STOP_LOSS_LIMIT",
                "quantity": "0.00001",
                "stopPrice": "59000",
                "price": "59000",
                "timeInForce": "GTC",
            },
            -1013,
            "Filter failure: NOTIONAL",
        ),
    ],
)
def test_parameter_and_filter_refusals(p: dict[str, str], code: int, msg: str) -> None:
    eng, _, _ = engine_at_60010()
    with pytest.raises(ApiError) as e:
        order(eng, "alice", side="SELL", **p)
    assert (e.value.code, e.value.msg) == (code, msg)


def test_max_num_algo_orders() -> None:
    eng, _, _ = engine_at_60010()
    for i in range(5):
        order(
            eng, "alice", side="SELL", type="STOP_LOSS", quantity="0.01000", stopPrice=f"5900{i}.00"
        )
    with pytest.raises(ApiError) as e:
        order(eng, "alice", side="SELL", type="STOP_LOSS", quantity="0.01000", stopPrice="58000.00")
    assert e.value.msg == "Filter failure: MAX_NUM_ALGO_ORDERS"


def test_take_profit_limit_buy_rests_at_its_limit_once_triggered() -> None:
    eng, _, _ = engine_at_60010()
    o, _ = order(
        eng,
        "alice",
        side="BUY",
        type="TAKE_PROFIT_LIMIT",
        quantity="0.10000",
        stopPrice="59995.00",
        price="59985.00",
        timeInForce="GTC",
    )
    assert eng.ledger.get("alice", "USDT")[1] == Decimal("5998.5")
    eng.sim_take(SYM, False, 1000)  # 59990 <= 59995: fires, a buy limit at 59985 rests
    assert o.status == "NEW" and o.working
    assert eng.books[SYM].bids.qty(5_998_500) == 10_000  # 0.1 BTC resting at 59985


def test_trailing_stop_sell_tracks_the_high_then_fires_on_the_drop() -> None:
    eng, _, _ = engine_at_60010()
    book = eng.books[SYM]
    o, _ = order(
        eng, "alice", side="SELL", type="STOP_LOSS", quantity="0.10000", trailingDelta="100"
    )  # 1 % below the highest trade since placement
    assert o.track == 6_001_000
    book.asks.set_sim(6_200_000, 10_000)
    eng.sim_take(SYM, True, 10**9, 6_200_000)  # sweeps the asks up to 62000
    assert o.track == 6_200_000 and o.status == "NEW"
    book.bids.set_sim(6_140_000, 10_000)  # 61400 is a 0.97 % drop: nothing
    eng.sim_take(SYM, False, 10_000, 6_140_000)
    assert o.status == "NEW"
    book.bids.set_sim(6_138_000, 10_000)  # 61380 = 62000 * 0.99: fires
    eng.sim_take(SYM, False, 10_000, 6_138_000)
    assert o.status == "FILLED"


def test_oco_sell_maker_fill_expires_the_stop_in_the_same_step() -> None:
    eng, _, lists = engine_at_60010()
    lst, reports = eng.lists.place(
        "alice",
        "OCO",
        {
            "symbol": SYM,
            "side": "SELL",
            "quantity": "0.10000",
            "aboveType": "LIMIT_MAKER",
            "abovePrice": "60100.00",
            "belowType": "STOP_LOSS_LIMIT",
            "belowStopPrice": "59900.00",
            "belowPrice": "59800.00",
            "belowTimeInForce": "GTC",
        },
    )
    stop, maker = (o for o, _ in reports)
    assert stop.type == "STOP_LOSS_LIMIT" and maker.type == "LIMIT_MAKER"
    assert eng.ledger.get("alice", "BTC") == (Decimal("1.9"), Decimal("0.1"))  # locked once
    assert lists == [("alice", "EXEC_STARTED", "EXECUTING")]
    for t in (6_001_000, 6_002_000):  # only our maker left on the ask side
        eng.books[SYM].asks.set_sim(t, 0)
    eng.sim_take(SYM, True, 5000, 6_010_000)  # a buyer lifts half of the maker
    maker_o, stop_o = (eng.orders["alice"][(SYM, o.order_id)] for o in (maker, stop))
    assert maker_o.status == "PARTIALLY_FILLED" and stop_o.status == "EXPIRED"
    assert lists[-1] == ("alice", "EXEC_STARTED", "EXECUTING")
    eng.sim_take(SYM, True, 5000, 6_010_000)
    assert maker_o.status == "FILLED" and lst.done
    assert lists[-1] == ("alice", "ALL_DONE", "ALL_DONE")
    assert eng.ledger.get("alice", "BTC") == (Decimal("1.9"), Decimal(0))


def test_oco_stop_trigger_takes_the_lock_and_expires_the_maker() -> None:
    eng, _, _ = engine_at_60010()
    lst, reports = eng.lists.place(
        "alice",
        "OCO",
        {
            "symbol": SYM,
            "side": "SELL",
            "quantity": "0.10000",
            "aboveType": "LIMIT_MAKER",
            "abovePrice": "60100.00",
            "belowType": "STOP_LOSS",
            "belowStopPrice": "60000.00",
        },
    )
    eng.sim_take(SYM, False, 1000)  # 59990: the stop fires and sells at market
    stop, maker = (eng.orders["alice"][(SYM, o.order_id)] for o, _ in reports)
    assert stop.status == "FILLED" and maker.status == "EXPIRED" and lst.done
    assert eng.books[SYM].asks.best() == 6_001_000  # the maker left the book
    assert eng.ledger.get("alice", "BTC") == (Decimal("1.9"), Decimal(0))


def test_oco_rules() -> None:
    eng, _, _ = engine_at_60010()
    base = {"symbol": SYM, "side": "SELL", "quantity": "0.10000"}
    cases = [
        (
            {
                "aboveType": "STOP_LOSS",
                "aboveStopPrice": "60100.00",
                "belowType": "TAKE_PROFIT",
                "belowStopPrice": "59900.00",
            },
            -1197,
            "A stop loss order in a sell OCO must be below.",
        ),
        (
            {
                "aboveType": "LIMIT_MAKER",
                "abovePrice": "59000.00",
                "belowType": "STOP_LOSS",
                "belowStopPrice": "58000.00",
            },
            -2010,
            "The relationship of the prices for the orders is not correct.",
        ),
        (
            {"aboveType": "MARKET", "belowType": "STOP_LOSS", "belowStopPrice": "58000.00"},
            -1158,
            "Order type not supported in OCO.",
        ),
        (
            {
                "aboveType": "LIMIT_MAKER",
                "abovePrice": "60100.00",
                "belowType": "STOP_LOSS_LIMIT",
                "belowStopPrice": "58000.00",
                "belowPrice": "58000.00",
            },
            -1102,
            "Mandatory parameter 'belowTimeInForce' was not sent, was empty/null, or malformed.",
        ),
    ]
    for extra, code, msg in cases:
        with pytest.raises(ApiError) as e:
            eng.lists.place("alice", "OCO", {**base, **extra})
        assert (e.value.code, e.value.msg) == (code, msg)
    assert eng.ledger.get("alice", "BTC") == (Decimal(2), Decimal(0))
    assert not eng.open["alice"]


def test_oto_pending_goes_live_only_when_working_fully_fills() -> None:
    eng, _, lists = engine_at_60010()
    _lst, reports = eng.lists.place(
        "alice",
        "OTO",
        {
            "symbol": SYM,
            "workingType": "LIMIT",
            "workingSide": "BUY",
            "workingPrice": "59995.00",
            "workingQuantity": "0.10000",
            "workingTimeInForce": "GTC",
            "pendingType": "STOP_LOSS",
            "pendingSide": "SELL",
            "pendingQuantity": "0.10000",
            "pendingStopPrice": "59000.00",
        },
    )
    working, pending = (eng.orders["alice"][(SYM, o.order_id)] for o, _ in reports)
    assert pending.status == "PENDING_NEW"
    assert eng.ledger.get("alice", "BTC")[1] == 0  # the pending order locks nothing yet
    eng.sim_take(SYM, False, 5000, 5_999_500)  # half of the working order
    assert working.status == "PARTIALLY_FILLED" and pending.status == "PENDING_NEW"
    eng.sim_take(SYM, False, 5000, 5_999_500)
    assert working.status == "FILLED" and pending.status == "NEW" and not pending.working
    assert eng.ledger.get("alice", "BTC")[1] == Decimal("0.1")
    assert ("alice", "EXEC_STARTED", "EXECUTING") in lists[1:]


def test_otoco_and_cancel_of_one_order_cancels_the_list() -> None:
    eng, _, lists = engine_at_60010()
    lst, reports = eng.lists.place(
        "alice",
        "OTOCO",
        {
            "symbol": SYM,
            "workingType": "LIMIT",
            "workingSide": "BUY",
            "workingPrice": "59995.00",
            "workingQuantity": "0.10000",
            "workingTimeInForce": "GTC",
            "pendingSide": "SELL",
            "pendingQuantity": "0.10000",
            "pendingAboveType": "LIMIT_MAKER",
            "pendingAbovePrice": "61000.00",
            "pendingBelowType": "STOP_LOSS",
            "pendingBelowStopPrice": "59000.00",
        },
    )
    assert [o.status for o, _ in reports] == ["NEW", "PENDING_NEW", "PENDING_NEW"]
    eng.sim_take(SYM, False, 10_000, 5_999_500)  # working fills: the OCO pair goes live
    working, stop, maker = (eng.orders["alice"][(SYM, o.order_id)] for o, _ in reports)
    assert working.status == "FILLED" and stop.status == "NEW" and maker.status == "NEW"
    assert eng.books[SYM].asks.best() == 6_001_000 and maker.working
    assert eng.ledger.get("alice", "BTC")[1] == Decimal("0.1")
    eng.cancel("alice", {"symbol": SYM, "orderId": str(stop.order_id)})
    assert stop.status == maker.status == "CANCELED" and lst.done
    assert eng.ledger.get("alice", "BTC")[1] == 0
    assert lists[-1] == ("alice", "ALL_DONE", "ALL_DONE")


def test_waiting_orders_lists_and_trailing_state_survive_a_restart(tmp_path) -> None:
    from terminal.paper.engine import Engine
    from terminal.paper.store import Store
    from tests.paper.test_engine import Clock

    eng, _, _ = engine_at_60010()
    store = Store(tmp_path)
    for acct in ("alice", "bob"):
        store.add_account(acct, "secret", {}, acct == "alice")
    trailing, _ = order(
        eng, "alice", side="SELL", type="STOP_LOSS", quantity="0.01000", trailingDelta="100"
    )
    lst, reports = eng.lists.place(
        "alice",
        "OCO",
        {
            "symbol": SYM,
            "side": "SELL",
            "quantity": "0.10000",
            "aboveType": "LIMIT_MAKER",
            "abovePrice": "60100.00",
            "belowType": "STOP_LOSS",
            "belowStopPrice": "60000.00",
        },
    )
    store.save(eng)
    store.close()

    again = Engine(list(eng.specs.values()), Clock())
    store = Store(tmp_path)
    store.load_into(again)
    store.close()
    again.books[SYM].bids.set_sim(5_999_000, 50_000)
    again.last_price[SYM] = 6_001_000
    t2 = again.orders["alice"][(SYM, trailing.order_id)]
    assert t2.track == 6_001_000 and not t2.working and t2.trailing_delta == 100
    lst2 = again.lists.get("alice", lst.list_id)
    assert lst2.order_status == "EXECUTING" and lst2.client_ids == lst.client_ids
    assert again.ledger.get("alice", "BTC")[1] == Decimal("0.11")
    again.sim_take(SYM, False, 1000)  # 59990: the OCO's stop and the trailing stop fire
    stop, maker = (again.orders["alice"][(SYM, o.order_id)] for o, _ in reports)
    assert stop.status == "FILLED" and maker.status == "EXPIRED" and lst2.done
    assert t2.status == "NEW"  # 59990 is only 0.03 % under the 60010 high
    assert again.ledger.get("alice", "BTC")[1] == Decimal("0.01")


def test_cancel_replace_of_one_order_of_a_list_cancels_the_list() -> None:
    eng, _, lists = engine_at_60010()
    lst, reports = eng.lists.place(
        "alice",
        "OCO",
        {
            "symbol": SYM,
            "side": "SELL",
            "quantity": "0.10000",
            "aboveType": "LIMIT_MAKER",
            "abovePrice": "60100.00",
            "belowType": "STOP_LOSS",
            "belowStopPrice": "60000.00",
        },
    )
    stop = reports[0][0]
    res = cancel_replace(
        eng,
        "alice",
        {
            "symbol": SYM,
            "cancelReplaceMode": "STOP_ON_FAILURE",
            "cancelOrderId": str(stop.order_id),
            "side": "SELL",
            "type": "LIMIT",
            "timeInForce": "GTC",
            "quantity": "0.10000",
            "price": "60200.00",
        },
    )
    assert res.canceled is not None and res.new_order is not None
    assert [eng.orders["alice"][(SYM, o.order_id)].status for o, _ in reports] == [
        "CANCELED",
        "CANCELED",
    ]
    assert lst.done and lists[-1] == ("alice", "ALL_DONE", "ALL_DONE")
    assert eng.ledger.get("alice", "BTC")[1] == Decimal("0.1")  # only the new order's lock


def test_order_list_lookup_by_id_and_client_id() -> None:
    eng, _, _ = engine_at_60010()
    lst, _ = eng.lists.place(
        "alice",
        "OCO",
        {
            "symbol": SYM,
            "side": "SELL",
            "quantity": "0.10000",
            "listClientOrderId": "my-oco",
            "aboveType": "LIMIT_MAKER",
            "abovePrice": "60100.00",
            "belowType": "STOP_LOSS",
            "belowStopPrice": "60000.00",
        },
    )
    lists = eng.lists
    assert lists.find("alice", str(lst.list_id), None, "origClientOrderId") is lst
    assert lists.find("alice", None, "my-oco", "origClientOrderId") is lst
    assert lists.find("alice", str(lst.list_id), "other", "origClientOrderId") is None
    assert lists.find("bob", str(lst.list_id), None, "origClientOrderId") is None
    with pytest.raises(ApiError) as e:
        lists.find("alice", None, None, "origClientOrderId")
    assert e.value.code == -1102
    with pytest.raises(ApiError) as e:  # a second open list with the same client id
        eng.lists.place(
            "alice",
            "OCO",
            {
                "symbol": SYM,
                "side": "SELL",
                "quantity": "0.10000",
                "listClientOrderId": "my-oco",
                "aboveType": "LIMIT_MAKER",
                "abovePrice": "60100.00",
                "belowType": "STOP_LOSS",
                "belowStopPrice": "60000.00",
            },
        )
    assert (e.value.code, e.value.msg) == (-2010, "Duplicate order sent.")
