"""Futures orders and their wire forms: the REST order object and the ``o`` payload of the
``ORDER_TRADE_UPDATE`` user-data event (field names as Binance documents them)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from .risk import ZERO, q8

CONDITIONAL = ("STOP", "STOP_MARKET", "TAKE_PROFIT", "TAKE_PROFIT_MARKET", "TRAILING_STOP_MARKET")
OPEN_STATUSES = ("NEW", "PARTIALLY_FILLED")


def s(d: Decimal) -> str:
    return f"{q8(d).normalize():f}" if d else "0"


@dataclass
class FOrder:
    order_id: int
    client_id: str
    account: str
    symbol: str
    side: str  # BUY / SELL
    position_side: str  # BOTH / LONG / SHORT
    type: str  # LIMIT, MARKET, LIQUIDATION (a triggered conditional keeps orig_type)
    orig_type: str
    tif: str
    price: Decimal
    orig_qty: Decimal
    time: int
    reduce_only: bool = False
    close_position: bool = False
    stop_price: Decimal = ZERO
    working_type: str = "CONTRACT_PRICE"
    activate_price: Decimal = ZERO
    callback_rate: Decimal = ZERO
    price_protect: bool = False
    status: str = "NEW"
    executed: Decimal = ZERO
    cum_quote: Decimal = ZERO
    update_time: int = 0
    # algo (conditional) orders: the id and status on the algo service
    algo_id: int = 0
    algo_status: str = ""
    actual_order_id: int = 0
    trigger_time: int = 0
    extreme: Decimal = ZERO  # trailing stop: best price seen since activation
    activated: bool = False

    @property
    def is_buy(self) -> bool:
        return self.side == "BUY"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def avg_price(self) -> Decimal:
        return self.cum_quote / self.executed if self.executed else ZERO

    @property
    def remaining(self) -> Decimal:
        return self.orig_qty - self.executed

    def json(self) -> dict[str, object]:
        """GET /fapi/v1/order (and the POST/DELETE replies, which add cumQty)."""
        return {
            "orderId": self.order_id,
            "symbol": self.symbol,
            "status": self.status,
            "clientOrderId": self.client_id,
            "price": s(self.price),
            "avgPrice": s(self.avg_price),
            "origQty": s(self.orig_qty),
            "executedQty": s(self.executed),
            "cumQty": s(self.executed),
            "cumQuote": s(self.cum_quote),
            "timeInForce": self.tif,
            "type": self.type,
            "reduceOnly": self.reduce_only,
            "closePosition": self.close_position,
            "side": self.side,
            "positionSide": self.position_side,
            "stopPrice": s(self.stop_price),
            "workingType": self.working_type,
            "priceProtect": self.price_protect,
            "origType": self.orig_type,
            "priceMatch": "NONE",
            "selfTradePreventionMode": "EXPIRE_MAKER",
            "goodTillDate": 0,
            "time": self.time,
            "updateTime": self.update_time or self.time,
            **(
                {"activatePrice": s(self.activate_price), "priceRate": s(self.callback_rate)}
                if self.orig_type == "TRAILING_STOP_MARKET"
                else {}
            ),
        }

    def algo_json(self) -> dict[str, object]:
        """POST/GET/DELETE /fapi/v1/algoOrder: the conditional order on the algo service."""
        return {
            "algoId": self.algo_id,
            "clientAlgoId": self.client_id,
            "algoType": "CONDITIONAL",
            "orderType": self.orig_type,
            "symbol": self.symbol,
            "side": self.side,
            "positionSide": self.position_side,
            "timeInForce": self.tif,
            "quantity": s(self.orig_qty),
            "algoStatus": self.algo_status,
            "actualOrderId": str(self.actual_order_id) if self.actual_order_id else "",
            "actualPrice": s(self.avg_price),
            "triggerPrice": s(self.stop_price),
            "price": s(self.price),
            "icebergQuantity": None,
            "tpTriggerPrice": "0",
            "tpPrice": "0",
            "slTriggerPrice": "0",
            "slPrice": "0",
            "tpOrderType": "",
            "selfTradePreventionMode": "EXPIRE_MAKER",
            "workingType": self.working_type,
            "priceMatch": "NONE",
            "closePosition": self.close_position,
            "priceProtect": self.price_protect,
            "reduceOnly": self.reduce_only,
            "activatePrice": s(self.activate_price),
            "callbackRate": s(self.callback_rate),
            "createTime": self.time,
            "updateTime": self.update_time or self.time,
            "triggerTime": self.trigger_time,
            "goodTillDate": 0,
        }

    def trade_update(
        self,
        exec_type: str,
        last_qty: Decimal = ZERO,
        last_price: Decimal = ZERO,
        fee: Decimal = ZERO,
        trade_id: int = 0,
        maker: bool = False,
        realized: Decimal = ZERO,
        now: int = 0,
    ) -> dict[str, object]:
        """The ``o`` object of ORDER_TRADE_UPDATE."""
        o: dict[str, object] = {
            "s": self.symbol,
            "c": self.client_id,
            "S": self.side,
            "o": self.type,
            "f": self.tif,
            "q": s(self.orig_qty),
            "p": s(self.price),
            "ap": s(self.avg_price),
            "sp": s(self.stop_price),
            "x": exec_type,
            "X": self.status,
            "i": self.order_id,
            "l": s(last_qty),
            "z": s(self.executed),
            "L": s(last_price),
            "T": now,
            "t": trade_id,
            "b": "0",
            "a": "0",
            "m": maker,
            "R": self.reduce_only,
            "wt": self.working_type,
            "ot": self.orig_type,
            "ps": self.position_side,
            "cp": self.close_position,
            "rp": s(realized),
            "pP": self.price_protect,
            "si": 0,
            "ss": 0,
            "V": "EXPIRE_MAKER",
            "pm": "NONE",
            "gtd": 0,
        }
        if fee:
            o["N"], o["n"] = "USDT", s(fee)
        if self.orig_type == "TRAILING_STOP_MARKET":
            o["AP"], o["cr"] = s(self.activate_price), s(self.callback_rate)
        return o

    def algo_update(self, now: int) -> dict[str, object]:
        """The ``o`` object of ALGO_UPDATE."""
        return {
            "caid": self.client_id,
            "aid": self.algo_id,
            "at": "CONDITIONAL",
            "o": self.orig_type,
            "s": self.symbol,
            "S": self.side,
            "ps": self.position_side,
            "f": self.tif,
            "q": s(self.orig_qty),
            "X": self.algo_status,
            "ai": str(self.actual_order_id) if self.actual_order_id else "",
            "ap": s(self.avg_price),
            "aq": s(self.executed),
            "act": self.type,
            "tp": s(self.stop_price),
            "p": s(self.price),
            "V": "EXPIRE_MAKER",
            "wt": self.working_type,
            "pm": "NONE",
            "cp": self.close_position,
            "pP": self.price_protect,
            "R": self.reduce_only,
            "tt": self.trigger_time,
            "gtd": 0,
        }
