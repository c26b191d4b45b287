"""The connect dialog for Hyperliquid: wallet address first, then the API wallet's
private key, both masked; a malformed one is said in one line and cannot be tested or
saved; a well-formed pair becomes wallet credentials for the keychain."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QLineEdit, QWidget

from terminal.domain.enums import VenueMode
from terminal.exchange.catalogue import default_catalogue
from terminal.ui.panels.connect_dialog import ConnectDialog

ADDRESS = "0x" + "5aF3" * 10
KEY = "0x" + "9c1e" * 16


@pytest.fixture
def dlg(qtbot):
    parent = QWidget()
    qtbot.addWidget(parent)
    d = ConnectDialog([default_catalogue().get("hyperliquid")], parent)
    d.open()
    yield d
    d.reject()  # a modal dialog left open would take the mouse from later tests' widgets


def test_wallet_fields_are_checked_before_test_and_save(dlg) -> None:
    assert list(dlg.secret_edits) == ["walletAddress", "privateKey"]
    assert all(e.echoMode() is QLineEdit.EchoMode.Password for e in dlg.secret_edits.values())
    assert dlg.current_mode() is VenueMode.SANDBOX  # its testnet by default
    dlg.secret_edits["walletAddress"].setText(ADDRESS)
    dlg.secret_edits["privateKey"].setText(KEY[:-2])
    assert dlg.result_label.text() == (
        "The private key must be 0x followed by 64 hex digits (an API wallet's key)."
    )
    assert KEY[:-2] not in dlg.result_label.text()
    assert not dlg.test_button.isEnabled() and dlg.current_request() is None
    dlg.secret_edits["walletAddress"].setText("0xnothex")
    assert "wallet address must be 0x followed by 40 hex digits" in dlg.result_label.text()
    dlg.secret_edits["walletAddress"].setText(ADDRESS)
    dlg.secret_edits["privateKey"].setText(KEY)
    assert dlg.test_button.isEnabled()
    req = dlg.current_request()
    assert req is not None and req.ccxt_fields == {"walletAddress": ADDRESS, "privateKey": KEY}
    creds = req.credentials()
    assert creds.wallet and creds.as_ccxt() == {"walletAddress": ADDRESS, "privateKey": KEY}
