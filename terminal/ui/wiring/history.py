"""Order history and fills from the journal, refreshed after order changes (debounced).

The journal queries are async (they run on the journal's own thread), so the GUI never
waits on SQLite. A burst of order events causes one query per `REFRESH_PERIOD_S`, not
one per event.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from terminal.ui.frame import FrameCounter

if TYPE_CHECKING:
    from terminal.core.supervision import TaskOwner
    from terminal.ui.main_window import MainWindow
    from terminal.ui.wiring.ports import HistoryJournal

log = logging.getLogger(__name__)

REFRESH_PERIOD_S = 1.0
ORDER_LIMIT = 1000
FILL_LIMIT = 2000


class HistoryWiring:
    """`orders_version` grows with every order change (the trading wiring's count)."""

    def __init__(
        self,
        window: MainWindow,
        tasks: TaskOwner,
        journal: HistoryJournal | None,
        orders_version: Callable[[], int],
        panel: Any,
    ) -> None:
        self.window = window
        self.tasks = tasks
        self.journal = journal
        self.orders_version = orders_version
        self.panel = panel
        self.frame = HistoryFrame(self)
        self.query: Any = None
        self._running = False
        self.loads = 0
        panel.queryChanged.connect(self._query_changed)
        actions = window.actions_by_id
        actions["export_history"].triggered.connect(lambda: self.export(panel.ORDERS_TAB))
        actions["export_fills"].triggered.connect(lambda: self.export(1 - panel.ORDERS_TAB))

    def _query_changed(self, query: Any) -> None:
        self.query = query
        self.frame.force()

    def export(self, tab: int) -> None:
        window = self.window
        window.docks["history"].show()
        window.docks["history"].raise_()
        self.panel.tabs.setCurrentIndex(tab)
        self.panel.choose_export_file()

    def reload(self) -> None:
        if not self._running and self.journal is not None:
            self._running = True
            self.tasks.spawn(self._load(), "history")

    async def _load(self) -> None:
        try:
            journal = self.journal
            if journal is None:
                return
            q = self.query
            filters: dict[str, Any] = {}
            if q is not None:
                filters = {
                    k: v
                    for k, v in (
                        ("venue", q.venue),
                        ("session", q.session),
                        ("symbol", q.symbol),
                        ("since_ms", q.since_ms),
                        ("until_ms", q.until_ms),
                    )
                    if v is not None
                }
            orders = await journal.order_history(limit=ORDER_LIMIT, **filters)
            fills = await journal.fills(limit=FILL_LIMIT, **filters)
            self.panel.set_orders(orders)
            self.panel.set_fills(fills)
            self.loads += 1
        except Exception:
            log.exception("Loading the order history failed")
        finally:
            self._running = False


class HistoryFrame:
    def __init__(self, wiring: HistoryWiring) -> None:
        self.wiring = wiring
        self.frames = FrameCounter()
        self._seen_version = -1
        self._next = 0.0

    def force(self) -> None:
        self._seen_version = -1
        self._next = 0.0

    def refresh(self) -> bool:
        version = self.wiring.orders_version()
        now = time.monotonic()
        if version != self._seen_version and now >= self._next:
            self._seen_version = version
            self._next = now + REFRESH_PERIOD_S
            self.wiring.reload()
        return False
