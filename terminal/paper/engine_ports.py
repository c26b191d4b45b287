"""What the order lists and the trigger watch need from the matching engine, as narrow
protocols: `Engine` owns both and hands itself in, so neither imports the engine."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Protocol

from .book import Book
from .ledger import Ledger
from .markets import MarketSpec
from .newparams import NewOrder
from .orderlist import OrderList
from .orders import ExecEvent, Order


class TriggerWatch(Protocol):
    """The conditional orders waiting for their trigger (`triggers.Triggers`)."""

    def check_algo_count(self, account: str, symbol: str, adding: int) -> None: ...
    def watch(self, order: Order, restoring: bool = False) -> None: ...
    def watch_now(self, order: Order) -> None: ...


class ListLegs(Protocol):
    """The order lists (`orderlists.OrderLists`), as a triggered leg reports to them."""

    def leg_triggered(self, o: Order) -> None: ...


class _EngineBase(Protocol):
    """The state and steps both the order lists and the trigger watch use."""

    books: dict[str, Book]
    open: dict[str, dict[tuple[str, int], Order]]
    clock: Callable[[], int]

    def reference_price(self, symbol: str) -> int: ...
    def work(self, order: Order, fills: list[dict[str, object]]) -> None: ...
    def _emit(self, account: str, ev: ExecEvent) -> None: ...


class ListEngine(_EngineBase, Protocol):
    """What `orderlists.OrderLists` places, locks, cancels and reports through."""

    orders: dict[str, dict[tuple[str, int], Order]]
    ledger: Ledger
    on_list: list[Callable[[str, OrderList], None]]

    @property
    def triggers(self) -> TriggerWatch: ...
    def spec(self, symbol: str | None) -> MarketSpec: ...
    def new_order(
        self, account: str, n: NewOrder, cid: str, list_id: int = -1, offset: int = 0
    ) -> Order: ...
    def admission_check(self, order: Order, list_leg: bool = False) -> None: ...
    def lock_need(self, order: Order) -> tuple[str, Decimal]: ...
    def lock_or_check_funds(self, order: Order) -> None: ...
    def commit_order(self, order: Order, emit: bool = True) -> None: ...
    def settle(self) -> None: ...
    def _cancel(self, o: Order, new_cid: str, status: str = "CANCELED") -> None: ...


class TriggerEngine(_EngineBase, Protocol):
    """What `triggers.Triggers` reads and fires orders through."""

    specs: dict[str, MarketSpec]
    last_price: dict[str, int]

    @property
    def lists(self) -> ListLegs: ...
    def _touch(self, o: Order) -> None: ...
    def _release(self, o: Order) -> None: ...
    def _check_market_funds(
        self, account: str, m: MarketSpec, book: Book, order: Order
    ) -> None: ...
