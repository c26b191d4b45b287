"""Nothing clipped or squeezed: the ticket with an override checkbox, the Connect and
phrase dialogs as their content grows, Balances after a fill, Reset layout keeping the
window's size, the unlock dialog with no live venue. Real widgets, offscreen."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from decimal import Decimal
from pathlib import Path

from PySide6.QtCore import QPoint, QRect, Qt
from PySide6.QtTest import QSignalSpy, QTest
from PySide6.QtWidgets import QApplication, QDockWidget, QLabel, QLineEdit, QMainWindow, QWidget

from terminal.core.ports import Refusal
from terminal.core.safety.lock import confirmation_phrase
from terminal.domain.enums import VenueMode
from terminal.domain.marketdata import Balance, Balances
from terminal.ui.main_window import MainWindow
from terminal.ui.panels.balances import BalancesPanel
from terminal.ui.panels.connect_dialog import ConnectDialog
from terminal.ui.panels.order_entry import OrderEntryPanel
from terminal.ui.safety_dialogs import ResetStopDialog, UnlockDialog

from .screens import qt_exec_usable  # noqa: F401 (autouse fixture)
from .test_panel_connect_dialog import VENUES, fill
from .test_panel_order_entry import btc_rules

D = Decimal
LONG = (
    "Limit price 98.3% below the mid price 60,010.50 (the precaution allows 5%; "
    "tick the box to send it anyway)"
)


def settle(ms: int = 50) -> None:
    for _ in range(3):
        QApplication.processEvents()
        QTest.qWait(ms // 3 or 1)


def inside(child: QWidget, ancestor: QWidget) -> bool:
    """The child's whole rectangle lies inside `ancestor`'s."""
    top_left = child.mapTo(ancestor, child.rect().topLeft())
    return ancestor.rect().contains(QRect(top_left, child.size()))


def test_override_checkbox_wraps_inside_the_ticket_instead_of_widening_it(qtbot, shot) -> None:  # type: ignore[no-untyped-def]
    entry = OrderEntryPanel(confirm_arm_ms=0)
    qtbot.addWidget(entry)
    entry.set_account("paper", VenueMode.PAPER, "default")
    entry.set_market(btc_rules())
    entry.set_market_prices(D("99.99"), D("100.01"), D("100.00"))
    entry.resize(300, 640)
    shot(entry, "ticket_before_override")
    min_before = entry.minimumSizeHint().width()
    entry.show_refusals(
        [
            Refusal("max_price_deviation", LONG, True),
            Refusal("balance", "Needs 250.31 USDT; 200 available", False),
        ]
    )
    settle()
    shot(entry, "ticket_with_override")
    viewport = entry.scroll_area.viewport()
    assert entry.form.width() <= viewport.width(), "the form is wider than its scroll area"
    box = entry.refusal_checks["max_price_deviation"]
    assert LONG in box.text()
    assert box.height() >= 2 * box.fontMetrics().height(), "the long text did not wrap"
    for widget in (box, entry.submit_button, entry.price_edit, entry.amount_edit, entry.unit_combo):
        assert inside(widget, viewport), f"{widget.objectName()} is clipped"
    assert entry.minimumSizeHint().width() == min_before  # the dock is not pushed wider
    text_end = box.rect().bottomRight() - QPoint(4, 4)  # on the wrapped text
    QTest.mouseClick(box, Qt.MouseButton.LeftButton, pos=text_end)
    assert box.isChecked(), "a click on the wrapped text toggles the box"


def test_connect_dialog_grows_instead_of_squeezing_its_fields(qtbot, shot) -> None:  # type: ignore[no-untyped-def]
    parent = QWidget()
    qtbot.addWidget(parent)
    dialog = ConnectDialog(VENUES, parent)
    dialog.open()
    settle()

    def edits():
        return [*dialog.secret_edits.values(), dialog.account_edit]

    assert dialog.width() >= 520
    dialog.set_keychain_status(
        False,
        "No OS keychain is available (keyring.backends.fail.Keyring): API keys cannot be saved.",
    )
    dialog.set_venue("okx")
    fill(dialog)
    dialog.request_test()
    dialog.show_test_result(
        True,
        True,
        False,
        "The key can read but not trade: ask your "
        "exchange for a key with the spot trading permission.",
    )
    settle()
    shot(dialog, "connect_dialog_grown")
    assert len(dialog.secret_edits) == 3
    for edit in edits():
        assert edit.height() >= edit.sizeHint().height(), (edit.objectName(), edit.height())
        assert inside(edit, dialog)
    for widget in (dialog.result_label, dialog.keychain_label, dialog.save_button):
        assert inside(widget, dialog)
    dialog.close()


def test_phrase_dialog_keeps_its_input_whole_with_a_long_error(qtbot) -> None:  # type: ignore[no-untyped-def]
    parent = QWidget()
    qtbot.addWidget(parent)
    dialog = ResetStopDialog(
        "Emergency stop ENGAGED since 08:12 by the STOP button", "RESET STOP", parent
    )
    dialog.show()
    settle()
    dialog.show_error("The typed phrase does not match. " * 8)
    settle()
    assert dialog.input.height() >= dialog.input.sizeHint().height()
    assert inside(dialog.error, dialog) and inside(dialog.ok_button, dialog)
    dialog.close()


def test_unlock_without_a_live_venue_says_so_and_offers_connect(qtbot, shot) -> None:  # type: ignore[no-untyped-def]
    parent = QWidget()
    qtbot.addWidget(parent)
    dialog = UnlockDialog([], confirmation_phrase, parent)
    dialog.show()
    settle()
    shot(dialog, "unlock_no_live_venue")
    assert "no live venue to unlock" in dialog.message.text()
    shown = [w for w in dialog.findChildren(QLineEdit) if w.isVisible()]
    assert not shown, "an input for a phrase that does not exist"
    assert not dialog.phrase_label.isVisible() and not dialog.ok_button.isVisible()
    button = dialog.connect_button
    assert button is not None and button.isVisible() and "Connect" in button.text()
    assert dialog.focusWidget() is button
    spy = QSignalSpy(dialog.connect_requested)
    QTest.mouseClick(button, Qt.MouseButton.LeftButton)
    assert spy.count() == 1 and not dialog.isVisible()


def test_unlock_with_a_live_venue_still_asks_for_the_phrase(qtbot) -> None:  # type: ignore[no-untyped-def]
    parent = QWidget()
    qtbot.addWidget(parent)
    dialog = UnlockDialog([("paperlive", "main", "Paper as live")], confirmation_phrase, parent)
    dialog.show()
    settle()
    assert dialog.connect_button is None and dialog.input.isVisible()
    assert confirmation_phrase("paperlive", "main") in dialog.phrase_label.text()
    dialog.close()


def test_balances_dock_widens_for_the_longer_amounts_after_a_fill(qtbot) -> None:  # type: ignore[no-untyped-def]
    window = QMainWindow()
    qtbot.addWidget(window)
    window.setCentralWidget(QLabel("chart"))
    panel = BalancesPanel(quote="USDT")
    dock = QDockWidget("Balances", window)
    dock.setWidget(panel)
    window.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, dock)
    panel.set_balances(
        "paper",
        Balances(
            {"USDT": Balance("USDT", D("100000"), D("0")), "BTC": Balance("BTC", D("1"), D("0"))}
        ),
    )
    panel.set_prices({"BTC": D("60007.5")})
    window.resize(1280, 800)
    window.show()
    qtbot.waitExposed(window)
    panel.refresh()
    settle()
    window.resizeDocks([dock], [panel.preferred_width()], Qt.Orientation.Horizontal)
    settle()
    # a buy of 0.01 BTC with a resting sell: exact amounts with more digits
    panel.set_balances(
        "paper",
        Balances(
            {
                "USDT": Balance("USDT", D("99399.39996"), D("1200.04")),
                "BTC": Balance("BTC", D("1.00999"), D("0.02000")),
            }
        ),
    )
    panel.refresh()
    settle(100)
    table = panel.table
    columns = sum(table.horizontalHeader().sectionSize(c) for c in range(panel.model.columnCount()))
    assert columns <= table.viewport().width(), (columns, table.viewport().width())
    assert not table.horizontalScrollBar().isVisible()


def test_reset_layout_keeps_the_window_size(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    window = MainWindow(config_dir=tmp_path / "config")
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    for size in ((1280, 800), (1920, 1080)):
        window.resize(*size)
        settle()
        window.reset_layout()
        settle(100)
        assert (window.width(), window.height()) == size
