"""Connect dialog: masked secrets, only the venue's fields, testnet rules, test-then-save."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pickle

import pytest
from PySide6.QtWidgets import QLabel, QLineEdit, QWidget

from terminal.domain.enums import VenueMode
from terminal.domain.ids import VenueId
from terminal.exchange.catalogue import VenueInfo
from terminal.ui.panels.connect_dialog import ConnectDialog

from .screens import qt_exec_usable  # noqa: F401 (autouse fixture)

KEY = "AKIAxxKEY1234567890"
SECRET = "s3cr3t-VALUE-0987654321"
PASS = "pass-phrase-777"


def info(vid, name, modes, creds, notes=""):
    return VenueInfo(
        id=VenueId(vid),
        name=name,
        ccxt_id=vid,
        sandbox=VenueMode.SANDBOX in modes,
        demo=False,
        credentials=creds,
        ws_feeds=frozenset(),
        rate_limit_ms=50,
        modes=modes,
        notes=notes,
    )


VENUES = [
    info("binance", "Binance", (VenueMode.LIVE, VenueMode.SANDBOX), ("apiKey", "secret")),
    info("okx", "OKX", (VenueMode.LIVE, VenueMode.SANDBOX), ("apiKey", "secret", "password")),
    info("kraken", "Kraken", (VenueMode.LIVE,), ("apiKey", "secret")),
]


@pytest.fixture
def dlg(qtbot):
    parent = QWidget()
    qtbot.addWidget(parent)
    d = ConnectDialog(VENUES, parent)
    d.open()
    yield d  # the fixture frame keeps `parent` (and so the dialog) alive
    d.reject()  # a modal dialog left open would take the mouse from later tests' widgets


def fill(d, key=KEY, secret=SECRET, passphrase=PASS):
    d.secret_edits["apiKey"].setText(key)
    d.secret_edits["secret"].setText(secret)
    if "password" in d.secret_edits:
        d.secret_edits["password"].setText(passphrase)


def visible_texts(d) -> str:
    parts = [d.windowTitle()]
    for w in d.findChildren(QWidget):
        parts.append(w.toolTip())
        if isinstance(w, QLabel):
            parts.append(w.text())
    return "\n".join(parts)


def test_only_required_fields_all_masked(dlg):
    assert list(dlg.secret_edits) == ["apiKey", "secret"]
    dlg.set_venue("okx")
    assert list(dlg.secret_edits) == ["apiKey", "secret", "password"]
    for edit in dlg.secret_edits.values():
        assert edit.echoMode() is QLineEdit.EchoMode.Password
    fill(dlg)
    assert dlg.secret_edits["secret"].displayText() != SECRET
    dlg.set_venue("binance")
    assert list(dlg.secret_edits) == ["apiKey", "secret"]
    assert len(dlg.findChildren(QLineEdit, "field_password")) in (0, 1)  # deleted later


def test_testnet_is_default_and_disabled_where_absent(dlg):
    assert dlg.current_mode() is VenueMode.SANDBOX
    assert not dlg.mode_buttons[VenueMode.PAPER].isVisible()
    dlg.set_venue("kraken")
    sandbox = dlg.mode_buttons[VenueMode.SANDBOX]
    assert not sandbox.isEnabled()
    assert "no testnet" in sandbox.toolTip()
    assert "no testnet" in dlg.mode_note.text() and dlg.mode_note.isVisible()
    assert dlg.current_mode() is VenueMode.LIVE


def test_test_then_save_flow(dlg):
    tests, saves = [], []
    dlg.testRequested.connect(tests.append)
    dlg.saveRequested.connect(saves.append)
    assert not dlg.test_button.isEnabled()  # nothing entered
    fill(dlg)
    dlg.account_edit.setText("main")
    assert dlg.test_button.isEnabled() and not dlg.save_button.isEnabled()
    dlg.test_button.click()
    dlg.test_button.click()  # in flight: one test at a time
    assert len(tests) == 1
    req = tests[0]
    assert (req.venue, req.mode, req.account) == ("binance", VenueMode.SANDBOX, "main")
    assert req.ccxt_fields == {"apiKey": KEY, "secret": SECRET}
    assert SECRET not in repr(req) and KEY not in str(req)
    with pytest.raises(TypeError):
        pickle.dumps(req)
    creds = req.credentials()
    assert creds.api_key == KEY and creds.secret == SECRET and creds.passphrase is None
    dlg.show_test_result(True, True, False, "")
    assert "read-only key" in dlg.result_label.text()
    assert dlg.save_button.isEnabled()
    # any edit invalidates the test
    dlg.secret_edits["secret"].setText(SECRET + "x")
    assert not dlg.save_button.isEnabled()
    dlg.secret_edits["secret"].setText(SECRET)
    assert not dlg.save_button.isEnabled()
    dlg.test_button.click()
    dlg.show_test_result(True, True, True)
    dlg.save_button.click()
    dlg.save_button.click()
    assert len(saves) == 1 and saves[0] == tests[1]
    dlg.save_finished(False, "keychain locked")
    assert dlg.result_label.text() == "keychain locked" and dlg.isVisible()
    dlg.save_button.click()
    dlg.save_finished(True)
    assert not dlg.isVisible()
    assert all(e.text() == "" for e in dlg.secret_edits.values())


def test_failed_test_does_not_enable_save(dlg):
    fill(dlg)
    dlg.request_test()
    dlg.show_test_result(True, False, False, "AuthenticationError: invalid API key")
    assert not dlg.save_button.isEnabled()
    assert "✖ balance read" in dlg.result_label.text()


def test_keychain_unavailable_is_said_and_blocks_save(dlg):
    dlg.set_keychain_status(
        False,
        "No OS keychain (keyring.backends.fail.Keyring). "
        "Use TERMINAL_* environment variables instead.",
    )
    assert dlg.keychain_label.isVisible() and "No OS keychain" in dlg.keychain_label.text()
    fill(dlg)
    dlg.request_test()
    dlg.show_test_result(True, True, True)
    assert not dlg.save_button.isEnabled()
    assert "No keychain" in dlg.save_button.toolTip()


def test_secrets_cleared_on_close_and_never_shown(qtbot, dlg):
    dlg.set_venue("okx")
    fill(dlg)
    dlg.request_test()
    dlg.show_test_result(False, False, False, "network down")
    text = visible_texts(dlg)
    for s in (KEY, SECRET, PASS):
        assert s not in text
    edits = list(dlg.secret_edits.values())
    dlg.reject()
    for e in edits:
        assert e.text() == ""
        e.undo()  # setText clears the undo history: nothing comes back
        assert e.text() == ""


def test_screenshot(dlg, shot):
    dlg.set_venue("okx")
    fill(dlg)
    dlg.request_test()
    dlg.show_test_result(True, True, False)
    shot(dlg, "connect_dialog")
    dlg.set_venue("kraken")
    dlg.set_keychain_status(
        False,
        "No OS keychain is available (keyring.backends.fail.Keyring): API keys cannot be saved.",
    )
    shot(dlg, "connect_dialog_kraken")


def test_header_demo_is_offered_as_demo_never_as_testnet(qtbot):
    from terminal.exchange.catalogue import default_catalogue

    cat = default_catalogue()
    parent = QWidget()
    qtbot.addWidget(parent)
    d = ConnectDialog([cat.get("binance"), cat.get("okx"), cat.get("bitget")], parent)
    d.open()
    assert d.mode_buttons[VenueMode.SANDBOX].text() == "Testnet"
    assert d.mode_buttons[VenueMode.DEMO].text() == "Demo"
    assert d.current_mode() is VenueMode.SANDBOX  # binance: its testnet first
    for venue, header in (("okx", "x-simulated-trading"), ("bitget", "PAPTRADING")):
        d.set_venue(venue)
        assert not d.mode_buttons[VenueMode.SANDBOX].isEnabled()
        assert d.mode_buttons[VenueMode.DEMO].isEnabled()
        assert d.current_mode() is VenueMode.DEMO  # a test environment by default, not live
        assert header in d.mode_note.text() and d.mode_note.isVisible()
        assert "use Demo" in d.mode_buttons[VenueMode.SANDBOX].toolTip()
    d.close()
