"""Paper on a venue's live data from the window: Venue > Connect offers "Paper on <venue>"
for every venue, asks for no keys (only starting balances, a malformed entry refused
under the field), connects a session of its own (mode paper-live, label PAPER, a test
colour), and an order placed through the ticket on it stays on this machine. The venue
is the paper exchange on loopback standing in for the live one."""

from __future__ import annotations

import os
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from terminal.domain.enums import VenueMode
from terminal.domain.ids import AccountLabel, VenueId
from terminal.domain.session import SessionKey
from terminal.ui.session_style import TEST_COLOURS, colour_of, short_label
from tests.ui.test_sessions_window import _place

pytestmark = pytest.mark.timeout(300)
PAPER_LIVE = SessionKey(VenueId("paper"), VenueMode.PAPER_LIVE, AccountLabel("trial"))


def test_paper_on_live_from_the_connect_dialog(  # type: ignore[no-untyped-def]
    paper_exchange_factory, make_main_window, tmp_path
) -> None:
    paper = paper_exchange_factory(faults=False)
    run = make_main_window(paper)
    drv, c, w = run.driver, run.controller, run.window

    w.actions_by_id["connect"].trigger()
    dialog = drv.until(lambda: c.connect.dialog, 5, "the connect dialog")
    names = {str(v.id): v.name for v in c.services.venue_infos()}
    for vid in ("binance", "bybit", "okx", "paper"):  # every venue offers it, no keys
        dialog.set_venue(vid)
        button = dialog.mode_buttons[VenueMode.PAPER_LIVE]
        assert button.isEnabled() and button.text() == f"Paper on {names[vid]}", vid
    # choosing it on a venue that asks for keys hides the key fields and the Test
    dialog.set_venue("binance")
    dialog.set_mode(VenueMode.PAPER_LIVE)
    assert dialog.secret_edits and not any(e.isVisible() for e in dialog.secret_edits.values())
    assert not dialog.test_button.isVisible() and dialog.save_button.text() == "Connect"
    assert dialog.paper_fields.is_shown() and dialog.paper_fields.balances_edit.isVisible()
    _shots(dialog, tmp_path)
    dialog.set_mode(VenueMode.LIVE)  # back to a keyed environment: the keys are asked
    assert all(e.isVisible() for e in dialog.secret_edits.values())
    assert dialog.test_button.isVisible() and dialog.save_button.text() == "Save"

    dialog.set_venue("paper")
    dialog.set_mode(VenueMode.PAPER_LIVE)
    dialog.account_edit.setText("trial")
    dialog.paper_fields.balances_edit.setText("2500 USDT, lots BTC")
    assert not dialog.save_button.isEnabled()
    assert dialog.paper_fields.note.text() == "'lots' is not a number."
    dialog.paper_fields.balances_edit.setText("2500 USDT, 0.01 BTC")
    drv.until(dialog.save_button.isEnabled, 5, "Connect to enable")
    drv.do(dialog.request_save)
    drv.until(lambda: PAPER_LIVE in c.services.by_key, 60, "the paper-on-live session")
    drv.until(lambda: c.connect.dialog is None, 10, "the dialog to close")
    drv.until(lambda: c.services.orders.entry_ready(PAPER_LIVE), 30, "it to reconcile")
    session = c.services.by_key[PAPER_LIVE]
    assert session.local.balances().get("USDT").total == Decimal(2500)
    assert short_label(PAPER_LIVE) == "paper/trial PAPER"
    assert colour_of(PAPER_LIVE) in TEST_COLOURS

    # an order through the ticket on that session: it rests locally, not at the venue
    picker = run.panels.entry.session_picker
    drv.until(lambda: picker.isVisible() and picker.count() >= 2, 10, "the Send-to list")
    drv.do(lambda: picker.pick(PAPER_LIVE))
    assert c.trading.session == PAPER_LIVE
    book = paper.control.book("BTC/USDT", 1)
    price = Decimal(book["bids"][0][0]) * Decimal("0.97")
    order = _place(run, price)
    assert order.session == PAPER_LIVE
    assert [o.client_order_id for o in session.local.open_orders()] == [order.client_order_id]
    assert paper.control.open_orders(paper.accounts[0][0]) == []
    drv.until(
        lambda: (
            (c.state.balances(PAPER_LIVE) or None) is not None
            and c.state.balances(PAPER_LIVE).get("USDT").used > 0
        ),
        20,
        "the locked funds in the session's balances",
    )
    for width, height in ((1280, 800), (1920, 1080)):
        w.resize(width, height)
        drv.until(lambda wanted=width: w.width() == wanted, 5, "the resize")
        drv.sleep(0.5)
        assert w.grab().save(str(_shot_dir(tmp_path) / f"window-paper-live-{width}.png"))
    drv.run(c.services.orders.cancel(str(order.client_order_id)), 30)


def _shot_dir(tmp_path: Path) -> Path:
    """Where SHOTS_DIR says (else the test's temporary folder)."""
    out = Path(os.environ.get("SHOTS_DIR") or tmp_path)
    out.mkdir(parents=True, exist_ok=True)
    return out


def _shots(dialog: Any, tmp_path: Path) -> None:
    """The dialog with Paper on <venue> chosen."""
    out = _shot_dir(tmp_path)
    dialog.adjustSize()
    picture = dialog.grab()
    assert picture.width() >= dialog.minimumSizeHint().width()
    assert picture.save(str(out / "connect-paper-live.png"))
