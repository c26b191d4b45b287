"""Order lists: OCO, OTO and OTOCO (POST /api/v3/orderList/oco|oto|otoco), their cancel,
and what their orders do to each other inside the engine step.

- OCO: two orders, one "above" and one "below" the last trade price; one is a stop-loss
  (STOP_LOSS/STOP_LOSS_LIMIT), the other a LIMIT_MAKER or take-profit. The quantity is
  locked once for the pair. When one order starts executing (its stop triggers, or it
  fills, even partially) the other EXPIRES in the same engine step.
- OTO: a working LIMIT/LIMIT_MAKER order and a pending order (status PENDING_NEW, nothing
  locked, not on the book) placed only once the working order is FULLY filled.
- OTOCO: a working order and a pending OCO pair.
- Canceling the list, or any one order of it, cancels every open order of the list.

Every change goes out as executionReports (``g`` = orderListId) and a ``listStatus``
event when the list starts executing and when it is ALL_DONE.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import replace
from decimal import Decimal
from typing import TYPE_CHECKING

from .errors import DUPLICATE_ORDER, ApiError, missing_param
from .newparams import NewOrder, check_new_order, is_stop_loss
from .orderlist import OrderList
from .orders import ExecEvent, Order

if TYPE_CHECKING:
    from .engine_ports import ListEngine

ABOVE_TYPES = ("STOP_LOSS_LIMIT", "STOP_LOSS", "LIMIT_MAKER", "TAKE_PROFIT", "TAKE_PROFIT_LIMIT")
BELOW_TYPES = ("STOP_LOSS", "STOP_LOSS_LIMIT", "TAKE_PROFIT", "TAKE_PROFIT_LIMIT")
FINAL = frozenset({"FILLED", "CANCELED", "EXPIRED", "REJECTED"})
UNKNOWN_LIST = "Unknown order list sent."
NO_SUCH_LIST = "Order list does not exist."
BAD_RELATION = "The relationship of the prices for the orders is not correct."
LEG_FIELDS = ("side", "type", "quantity", "price", "stopPrice", "trailingDelta", "timeInForce")


def leg_params(
    p: Mapping[str, str], prefix: str, shared: Mapping[str, str]
) -> tuple[dict[str, str], dict[str, str]]:
    """One order of a list as POST /api/v3/order parameters, and the renames that turn
    their names in error messages back into the list's parameter names."""
    leg = {"symbol": p.get("symbol") or ""}
    names: dict[str, str] = {}
    for f in LEG_FIELDS:
        src = shared.get(f) or prefix + f[0].upper() + f[1:]
        names[f] = src
        if p.get(src):
            leg[f] = p[src]
    return leg, names


def _renamed(e: ApiError, names: Mapping[str, str]) -> ApiError:
    msg = e.msg
    for f, src in names.items():
        msg = msg.replace(f"'{f}'", f"'{src}'")
    return ApiError(e.code, msg, e.status)


class OrderLists:
    def __init__(self, engine: ListEngine) -> None:
        self.engine = engine
        self.lists: dict[str, dict[int, OrderList]] = {}
        self.next_id = 1
        self._touched: set[tuple[str, int]] = set()
        self.dirty: dict[tuple[str, int], OrderList] = {}

    # --- lookup ---------------------------------------------------------------------------
    def get(self, account: str, list_id: int) -> OrderList:
        lst = self.lists.get(account, {}).get(list_id)
        if lst is None:
            raise ApiError(-2011, UNKNOWN_LIST)
        return lst

    def find(
        self, account: str, list_id: str | None, client_id: str | None, id_name: str
    ) -> OrderList | None:
        lists = self.lists.get(account, {})
        if list_id:
            if not list_id.isdigit():
                raise ApiError(
                    -1100,
                    "Illegal characters found in parameter 'orderListId'; "
                    "legal range is '^[0-9]{1,20}$'.",
                )
            lst = lists.get(int(list_id))
            if lst is not None and client_id and lst.client_id != client_id:
                return None
            return lst
        if client_id:
            found = [x for x in lists.values() if x.client_id == client_id]
            return max(found, key=lambda x: x.list_id) if found else None
        raise ApiError(
            -1102, f"Param '{id_name}' or 'orderListId' must be sent, but both were empty/null!"
        )

    def orders_of(self, lst: OrderList) -> list[Order]:
        book = self.engine.orders[lst.account]
        return [book[(lst.symbol, i)] for i in lst.order_ids]

    def restore(self, lst: OrderList) -> None:
        self.lists.setdefault(lst.account, {})[lst.list_id] = lst
        self.next_id = max(self.next_id, lst.list_id + 1)

    # --- placement ------------------------------------------------------------------------
    def _check(self, leg: Mapping[str, str], names: Mapping[str, str]) -> NewOrder:
        eng = self.engine
        try:
            return check_new_order(eng.spec, eng.reference_price, leg)
        except ApiError as e:
            raise _renamed(e, names) from None

    def _oco_rules(self, side: str, above: NewOrder, below: NewOrder) -> None:
        """The OCO type and price rules of Binance's "New Order list - OCO" page."""
        if is_stop_loss(above.type) == is_stop_loss(below.type):
            raise ApiError(-1014, "Unsupported order combination")
        stop, other = (above, below) if is_stop_loss(above.type) else (below, above)
        if side == "SELL" and stop is above:
            raise ApiError(-1197, "A stop loss order in a sell OCO must be below.")
        if side == "BUY" and stop is below:
            raise ApiError(-1196, "A stop loss order in a buy OCO must be above.")
        last = self.engine.reference_price(above.market.symbol)
        other_ref = other.stop_price if other.type == "TAKE_PROFIT" else other.price
        if not last:
            return
        ok_other = not other_ref or (other_ref > last if side == "SELL" else other_ref < last)
        ok_stop = not stop.stop_price or (
            stop.stop_price < last if side == "SELL" else stop.stop_price > last
        )
        if not (ok_other and ok_stop):
            raise ApiError(-2010, BAD_RELATION)

    def place(
        self, account: str, kind: str, p: Mapping[str, str]
    ) -> tuple[OrderList, list[tuple[Order, list[dict[str, object]]]]]:
        """POST /api/v3/orderList/{oco,oto,otoco}. Returns the list and each order with its
        fills as they stood when the reply was made (an OTO whose working order filled at
        once still shows its pending order PENDING_NEW, as Binance documents)."""
        eng = self.engine
        m = eng.spec(p.get("symbol"))
        legs: list[tuple[str, NewOrder]] = []  # (clientOrderId parameter, checked order)
        pair: list[NewOrder] = []
        if kind in ("OTO", "OTOCO"):
            wtype = p.get("workingType")
            if not wtype:
                raise missing_param("workingType")
            if wtype not in ("LIMIT", "LIMIT_MAKER"):
                raise ApiError(
                    -1100,
                    "Illegal characters found in parameter 'workingType'; "
                    "legal range is 'LIMIT, LIMIT_MAKER'.",
                )
            legs.append(("workingClientOrderId", self._check(*leg_params(p, "working", {}))))
        if kind == "OTO":
            if not p.get("pendingType"):
                raise missing_param("pendingType")
            legs.append(("pendingClientOrderId", self._check(*leg_params(p, "pending", {}))))
        else:
            pre = ("above", "below") if kind == "OCO" else ("pendingAbove", "pendingBelow")
            shared = (
                {"side": "side", "quantity": "quantity"}
                if kind == "OCO"
                else {"side": "pendingSide", "quantity": "pendingQuantity"}
            )
            for name in (shared["side"], shared["quantity"], pre[0] + "Type", pre[1] + "Type"):
                if not p.get(name):
                    raise missing_param(name)
            if p[pre[0] + "Type"] not in ABOVE_TYPES or p[pre[1] + "Type"] not in BELOW_TYPES:
                raise ApiError(-1158, "Order type not supported in OCO.")
            above = self._check(*leg_params(p, pre[0], shared))
            below = self._check(*leg_params(p, pre[1], shared))
            if kind == "OCO":
                self._oco_rules(above.side, above, below)
            elif is_stop_loss(above.type) == is_stop_loss(below.type):
                raise ApiError(-1014, "Unsupported order combination")
            # the stop-loss order takes the first id, as in Binance's examples
            first, second = (above, below) if is_stop_loss(above.type) else (below, above)
            names = {id(above): pre[0] + "ClientOrderId", id(below): pre[1] + "ClientOrderId"}
            pair = [first, second]
            legs += [(names[id(first)], first), (names[id(second)], second)]
        list_cid = p.get("listClientOrderId") or "paper_list_" + secrets.token_hex(8)
        if any(
            x.client_id == list_cid and not x.done for x in self.lists.get(account, {}).values()
        ):
            raise ApiError(-2010, DUPLICATE_ORDER)
        orders = [
            eng.new_order(
                account,
                n,
                p.get(cid_param) or "paper_" + secrets.token_hex(10),
                self.next_id,
                offset=i,
            )
            for i, (cid_param, n) in enumerate(legs)
        ]
        if len({o.client_id for o in orders}) < len(orders):
            raise ApiError(-2010, DUPLICATE_ORDER)
        working = orders[0] if kind != "OCO" else None
        pending = orders[1:] if working is not None else []
        oco = orders[-2:] if pair else []
        # the engine's refusals and the funds: only what goes on (or waits for) the book now
        live = [working] if working is not None else oco
        for o in live:
            eng.admission_check(o, list_leg=True)
        eng.triggers.check_algo_count(account, m.symbol, sum(o.conditional for o in live))
        if working is not None:
            eng.lock_or_check_funds(working)
        else:
            self._lock_pair(oco)
        now = eng.clock()
        lst = OrderList(
            self.next_id,
            m.symbol,
            account,
            list_cid,
            "OCO" if kind == "OCO" else "OTO",
            [o.order_id for o in orders],
            now,
            oco_ids=[o.order_id for o in oco],
            pending_ids=[o.order_id for o in pending],
            client_ids=[(o.order_id, o.client_id) for o in orders],
        )
        self.next_id += 1
        self.lists.setdefault(account, {})[lst.list_id] = lst
        self.dirty[(account, lst.list_id)] = lst
        for o in pending:
            o.status = "PENDING_NEW"
            o.working_time = -1
        for o in orders:
            eng.commit_order(o)
        self._emit(lst)
        fills: dict[int, list[dict[str, object]]] = {o.order_id: [] for o in orders}
        for o in live:
            if o.conditional:
                eng.triggers.watch(o)
            else:
                eng.work(o, fills[o.order_id])
        eng.books[m.symbol].commit()
        snapshot = [(_copy(o), fills[o.order_id]) for o in orders]
        eng.settle()
        return lst, snapshot

    def _lock_pair(self, pair: list[Order]) -> None:
        """Lock an OCO's funds once (the larger need of its two orders); the order that is
        not a stop holds the lock until the other one triggers."""
        eng = self.engine
        needs = [eng.lock_need(o) for o in pair]
        asset, amount = needs[0][0], max(n[1] for n in needs)
        eng.ledger.lock(pair[0].account, asset, amount)
        holder = next((o for o in pair if not o.conditional), pair[0])
        for o in pair:
            o.locked_asset = asset
        holder.locked = amount

    # --- what the orders do to each other ------------------------------------------------
    def touched(self, o: Order) -> None:
        self._touched.add((o.account, o.order_list_id))

    def leg_triggered(self, o: Order) -> None:
        """A stop of an OCO fired: it takes over the pair's lock, the other order expires."""
        lst = self.get(o.account, o.order_list_id)
        if o.order_id not in lst.oco_ids:
            return
        for other in self.orders_of(lst):
            if other is o or other.order_id not in lst.oco_ids:
                continue
            o.locked += other.locked
            other.locked = Decimal(0)
            if other.is_open:
                self.engine._cancel(other, "", status="EXPIRED")

    def process(self) -> bool:
        """Advance every list one of whose orders changed. True if anything happened."""
        if not self._touched:
            return False
        todo, self._touched = self._touched, set()
        acted = False
        for account, list_id in sorted(todo):
            lst = self.lists.get(account, {}).get(list_id)
            if lst is not None and not lst.done:
                acted |= self._advance(lst)
        return acted

    def _advance(self, lst: OrderList) -> bool:
        eng = self.engine
        orders = {o.order_id: o for o in self.orders_of(lst)}
        acted = False
        if lst.pending_ids:
            working = orders[lst.order_ids[0]]
            pending = [orders[i] for i in lst.pending_ids]
            if working.status == "FILLED":
                lst.pending_ids = []
                self._activate(lst, pending)
                acted = True
            elif working.status in FINAL:
                lst.pending_ids = []
                for o in pending:
                    eng._cancel(o, "", status="EXPIRED")
                acted = True
        oco = [orders[i] for i in lst.oco_ids]
        for o in oco:  # one order executing (even partly) or ended ends the other
            if (
                o.is_open
                and not o.executed
                and o.status != "PENDING_NEW"
                and any(x is not o and (x.executed or x.status in FINAL) for x in oco)
            ):
                eng._cancel(o, "", status="EXPIRED")
                acted = True
        if all(o.status in FINAL for o in orders.values()):
            lst.status_type = lst.order_status = "ALL_DONE"
            lst.update_time = eng.clock()
            self._emit(lst)
            acted = True
        self.dirty[(lst.account, lst.list_id)] = lst
        return acted

    def _activate(self, lst: OrderList, pending: list[Order]) -> None:
        """The working order filled: its pending order(s) go live now."""
        eng = self.engine
        now = eng.clock()
        try:
            if len(pending) == 2:
                self._lock_pair(pending)
            else:
                eng.lock_or_check_funds(pending[0])
        except ApiError:
            for o in pending:
                eng._cancel(o, "", status="EXPIRED")
            return
        for o in pending:
            o.status = "NEW"
            o.update_time = now
            if not o.conditional:
                o.working_time = now
            eng._emit(o.account, ExecEvent(o, "NEW", now))
        lst.update_time = now
        self._emit(lst)
        for o in pending:
            if o.conditional:
                eng.triggers.watch_now(o)
            else:
                eng.open[o.account].pop((o.symbol, o.order_id), None)
                eng.work(o, [])
        eng.books[lst.symbol].commit()

    def cancel(self, lst: OrderList, cancel_cid: str) -> None:
        """Cancel every open order of the list (DELETE /api/v3/orderList, or DELETE
        /api/v3/order on one of its orders)."""
        eng = self.engine
        for o in self.orders_of(lst):
            if o.is_open:
                eng._cancel(o, cancel_cid)
        lst.pending_ids = []
        lst.status_type = lst.order_status = "ALL_DONE"
        lst.update_time = eng.clock()
        self.dirty[(lst.account, lst.list_id)] = lst
        self._emit(lst)

    def cancel_request(self, account: str, p: Mapping[str, str]) -> tuple[OrderList, str]:
        eng = self.engine
        m = eng.spec(p.get("symbol"))
        lst = self.find(
            account, p.get("orderListId"), p.get("listClientOrderId"), "listClientOrderId"
        )
        if lst is None or lst.symbol != m.symbol or lst.done:
            raise ApiError(-2011, UNKNOWN_LIST)
        cid = p.get("newClientOrderId") or "cancel_" + secrets.token_hex(10)
        self.cancel(lst, cid)
        eng.books[m.symbol].commit()
        eng.settle()
        return lst, cid

    def _emit(self, lst: OrderList) -> None:
        self.dirty[(lst.account, lst.list_id)] = lst
        for cb in self.engine.on_list:
            cb(lst.account, lst)


def _copy(o: Order) -> Order:
    """A snapshot of an order for a reply built after the engine step went on."""
    return replace(o)
