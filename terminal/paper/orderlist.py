"""An order list of the paper exchange (OCO, OTO, OTOCO) as it is stored and reported;
`orderlists` runs what its orders do to each other."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field


@dataclass
class OrderList:
    list_id: int
    symbol: str
    account: str
    client_id: str
    contingency: str  # OCO or OTO (an OTOCO reports OTO, as Binance does)
    order_ids: list[int]
    time: int
    oco_ids: list[int] = field(default_factory=list)  # orders that cancel each other
    pending_ids: list[int] = field(default_factory=list)  # placed once the working fills
    status_type: str = "EXEC_STARTED"
    order_status: str = "EXECUTING"
    update_time: int = 0
    client_ids: list[tuple[int, str]] = field(default_factory=list)  # (orderId, client id)

    @property
    def done(self) -> bool:
        return self.order_status == "ALL_DONE"

    def json(self) -> dict[str, object]:
        """The order-list object of Binance's REST replies (without orderReports)."""
        return {
            "orderListId": self.list_id,
            "contingencyType": self.contingency,
            "listStatusType": self.status_type,
            "listOrderStatus": self.order_status,
            "listClientOrderId": self.client_id,
            "transactionTime": self.update_time or self.time,
            "symbol": self.symbol,
            "orders": [
                {"symbol": self.symbol, "orderId": i, "clientOrderId": c}
                for i, c in self.client_ids
            ],
        }

    def record(self) -> dict[str, object]:
        return asdict(self)
