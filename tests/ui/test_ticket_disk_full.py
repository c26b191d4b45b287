"""An order the venue accepted is never shown as "not sent", even when the journal's
disk takes no more writes right after: the real main window, a real paper exchange
(child process) and the real journal file; the disk "fills" through this process's
file-size limit between the venue's reply and the journal's write of it."""

from __future__ import annotations

import resource
import signal
from decimal import Decimal
from typing import Any

import pytest

from terminal.domain.enums import Side
from terminal.domain.order import OrderStatus
from tests.ui.test_main_window_trading import _mid, _paper_open_ids, _place_from_ticket

pytestmark = pytest.mark.timeout(240)


def test_an_order_sent_before_the_disk_filled_is_shown_as_sent(
    make_main_window, paper_for_ui
) -> None:  # type: ignore[no-untyped-def]
    run = make_main_window(paper_for_ui)
    session = run.controller.services.sessions["paper"]
    real = session.create_order
    soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    previous = signal.getsignal(signal.SIGXFSZ)
    active = [True]  # no disk filling once the test has restored the limit

    async def accepted_then_disk_full(order: Any) -> Any:
        report = await real(order)
        if active[0]:
            signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # EFBIG instead of being killed
            resource.setrlimit(resource.RLIMIT_FSIZE, (1, hard))
        return report

    session.create_order = accepted_then_disk_full
    try:
        price = _mid(run) * Decimal("0.97")
        order = _place_from_ticket(run, Side.BUY, price, "0.001")
    finally:
        active[0] = False
        resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))
        signal.signal(signal.SIGXFSZ, previous)
        session.create_order = real
    assert order.status is OrderStatus.OPEN
    status = run.panels.entry.status_label.text()
    assert status.startswith(
        f"sent and accepted as {order.client_order_id}; the journal could not record it: disk full"
    ), status
    assert "not sent" not in status.lower()
    notes = [text for _level, text in run.panels.notifications.entries()]
    assert any("Do not send it again" in text for text in notes), notes
    assert not any("not sent" in text.lower() for text in notes), notes
    assert _paper_open_ids(paper_for_ui) >= {str(order.client_order_id)}
    table = run.panels.open_orders  # the row shows the venue's answer, not PENDING

    def row_text() -> str:
        model = table.model
        for r in range(model.rowCount()):
            cells = [str(model.data(model.index(r, c)) or "") for c in range(model.columnCount())]
            if str(order.client_order_id) in cells:
                return " ".join(cells)
        return ""

    run.driver.until(
        lambda: " OPEN " in f" {row_text().upper()} ",
        10,
        "the open orders row to show the order open",
    )
    run.driver.run(run.controller.services.orders.cancel(order.client_order_id), timeout=20)
