"""Remembered connections: a venue connected in one run is connected again at the next
start, locked as always, without any key in the settings file; one whose keys are gone
is a notice, never a failed start; Venue > Disconnect forgets it.

Real windows against the real paper exchange (loopback): the "live" venue is the paper
exchange posing as LIVE (`paper_live_info`), its keys come from the TT_* environment
variables, and the keychain is an empty in-memory one (so the missing-keys message is
the same on every machine).
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest

from terminal.domain.enums import VenueMode

pytestmark = pytest.mark.timeout(240)


def _notes(run: Any) -> list[str]:
    return [text for _, text in run.panels.notifications.entries()]


def test_remembered_venue_reconnects_locked_and_disconnect_forgets_it(
    make_main_window, paper_for_ui, ui_memory_keyring, monkeypatch, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    from terminal.exchange.catalogue import paper_live_info
    from terminal.paths import AppPaths
    from terminal.settings import SETTINGS_FILE

    key, secret = paper_for_ui.accounts[0]
    monkeypatch.setenv("TT_PAPERLIVE_LIVE_API_KEY", key)
    monkeypatch.setenv("TT_PAPERLIVE_LIVE_SECRET", secret)
    monkeypatch.setenv("TT_PAPERBAD_LIVE_API_KEY", key)  # a key the venue refuses
    monkeypatch.setenv("TT_PAPERBAD_LIVE_SECRET", "not-the-secret")
    for name in ("API_KEY", "SECRET", "PASSPHRASE"):
        monkeypatch.delenv(f"TT_BINANCE_SANDBOX_{name}", raising=False)
    data = tmp_path / "app"
    settings_file = AppPaths.from_override(data).config / SETTINGS_FILE
    venues = [paper_live_info("paperlive"), paper_live_info("paperbad")]

    # First run: connect through the controller, make it active.
    first = make_main_window(paper_for_ui, data_dir=data, extra_venues=venues)
    c, drv = first.controller, first.driver
    drv.run(c.connect_venue("paperlive", VenueMode.LIVE, "default"), 30)
    drv.run(c.switch_venue("paperlive"), 10)
    assert c.venue == "paperlive"
    saved = json.loads(settings_file.read_text(encoding="utf-8"))  # written at connect
    assert saved["connections"]["remembered"] == [
        {"venue": "paperlive", "mode": "live", "account": "default", "market": "spot"}
    ]
    # Earlier runs also connected a Binance testnet whose keys are gone by now, and a
    # venue whose key has been revoked since.
    c.settings.connections.remembered += [
        {"venue": "binance", "mode": "sandbox", "account": "default"},
        {"venue": "paperbad", "mode": "live", "account": "default"},
    ]
    first.close()
    text = settings_file.read_text(encoding="utf-8")
    assert secret not in text and key not in text
    assert json.loads(text)["ui"]["venue"] == "paperlive"

    # Second run, same data dir: paper first, then paperlive comes back and is active.
    second = make_main_window(paper_for_ui, data_dir=data, extra_venues=venues)
    c, w, drv, entry = second.controller, second.window, second.driver, second.panels.entry
    drv.until(lambda: "paperlive" in c.services.sessions, 30, "paperlive to reconnect")
    session = c.services.sessions["paperlive"]
    assert session.mode is VenueMode.LIVE
    drv.until(lambda: c.state.balances(session.key) is not None, 20, "paperlive balances")
    drv.until(lambda: c.venue == "paperlive", 10, "the remembered venue to become active")
    assert w.mode_badge.text() == "LIVE"
    assert w.lock_switch.text() == "TESTNET"  # reconnecting unlocks nothing
    drv.until(
        lambda: entry.blocked_reason and "Testnet lock is ON" in entry.blocked_reason,
        10,
        "entry on paperlive disabled by the lock",
    )

    # The one without keys: a notice naming what is missing; remembered; window fine.
    drv.until(
        lambda: any("binance" in t and "not reconnected" in t for t in _notes(second)),
        15,
        "the missing-keys notice",
    )
    notice = next(t for t in _notes(second) if "binance" in t and "not reconnected" in t)
    assert "TT_BINANCE_SANDBOX_API_KEY" in notice and "keychain" in notice
    drv.until(
        lambda: any("paperbad" in t and "refused the key" in t for t in _notes(second)),
        20,
        "the refused-key notice",
    )
    assert "not-the-secret" not in " ".join(_notes(second))
    for venue in ("binance", "paperbad"):
        assert venue not in c.services.sessions
    assert "paper" in c.services.sessions
    assert c.reconnect.venues() == ["paperlive", "binance", "paperbad"]  # tried next start
    assert c.error is None

    # Venue > Disconnect paperlive: session and feeds closed, paper active, forgotten.
    menu_texts = [a.text() for a in c.reconnect._menu.actions()]
    assert any(t.startswith("Disconnect Paper exchange posing as live") for t in menu_texts)
    assert any(t.startswith("Forget binance") for t in menu_texts)
    drv.do(c.reconnect.actions["paperlive"].trigger)
    drv.until(lambda: "paperlive" not in c.services.sessions, 10, "paperlive to disconnect")
    drv.until(lambda: c.venue == "paper", 10, "paper to become active")
    assert c.services.exchange.get(session.key) is None  # closed in the venue manager
    assert c.market.active.session.venue == "paper"  # the book follows paper again
    drv.do(c.reconnect.actions["binance"].trigger)
    drv.do(c.reconnect.actions["paperbad"].trigger)
    drv.until(lambda: c.reconnect.venues() == [], 5, "the others to be forgotten")
    saved = json.loads(settings_file.read_text(encoding="utf-8"))
    assert saved["connections"]["remembered"] == []
    assert c.reconnect.actions == {}
    second.close()
    assert json.loads(settings_file.read_text(encoding="utf-8"))["ui"]["venue"] == "paper"


def test_remembered_entries_are_validated() -> None:
    from terminal.ui.wiring.reconnect import parse_remembered

    entries = parse_remembered(
        [
            {"venue": "binance", "mode": "sandbox", "account": "main"},
            {"venue": "binance", "mode": "live", "account": "other"},  # one per session
            {"venue": "binance", "mode": "sandbox", "account": "main"},  # twice: once
            {"venue": "paper", "mode": "paper"},  # connected at every start anyway
            {"venue": "paper", "mode": "paper", "account": "alice"},
            {"venue": "bybit", "mode": "demo", "market": "perp"},
            {"venue": "bybit", "mode": "demo", "market": "options"},
            {"venue": "okx", "mode": "paperish"},
            {"mode": "live"},
            "bybit",
            3,
            {"venue": "bybit", "mode": "live"},
        ]
    )
    assert [(e.venue, e.mode.value, e.account, e.market.value) for e in entries] == [
        ("binance", "sandbox", "main", "spot"),
        ("binance", "live", "other", "spot"),
        ("paper", "paper", "alice", "spot"),
        ("bybit", "demo", "default", "perp"),
        ("bybit", "live", "default", "spot"),
    ]
    assert parse_remembered("junk") == []


def test_missing_keys_reason_says_whether_there_is_a_keychain(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import keyring
    import keyring.backends.fail

    from terminal.ui.wiring.reconnect import MissingCredentials, Remembered, resolve_credentials

    entry = Remembered("bybit", VenueMode.SANDBOX, "default")
    for name in ("API_KEY", "SECRET", "PASSPHRASE"):
        monkeypatch.delenv(f"TT_BYBIT_SANDBOX_{name}", raising=False)
    previous = keyring.get_keyring()
    keyring.set_keyring(keyring.backends.fail.Keyring())
    try:
        with pytest.raises(
            MissingCredentials, match=r"no usable OS keychain.*TT_BYBIT_SANDBOX_API_KEY"
        ):
            resolve_credentials(entry, points_at_paper=False)
        assert resolve_credentials(entry, points_at_paper=True) is None  # paper's account
        monkeypatch.setenv("TT_BYBIT_SANDBOX_API_KEY", "k" * 16)
        monkeypatch.setenv("TT_BYBIT_SANDBOX_SECRET", "s" * 16)
        assert resolve_credentials(entry, points_at_paper=False) == {
            "apiKey": "k" * 16,
            "secret": "s" * 16,
        }
        other = Remembered("bybit", VenueMode.SANDBOX, "main")  # env serves 'default' only
        with pytest.raises(MissingCredentials, match="only serve the account label"):
            resolve_credentials(other, points_at_paper=False)
    finally:
        keyring.set_keyring(previous)


def test_every_session_is_remembered_and_restored(
    paper_exchange_factory, make_main_window, ui_memory_keyring, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    """Two further accounts of the paper venue and the session of a second paper
    exchange, connected with keys the keychain holds (as Venue > Connect leaves them):
    all three are remembered as sessions and all three come back at the next start,
    beside paper's default, each on its own account."""
    from terminal.domain.enums import VenueMode
    from terminal.domain.ids import AccountLabel, VenueId
    from terminal.domain.session import SessionKey
    from terminal.paths import AppPaths
    from terminal.secrets import CredentialRef, Credentials, CredentialStore
    from terminal.settings import SETTINGS_FILE

    paper = paper_exchange_factory(faults=False)
    paper_b = paper_exchange_factory(faults=False)
    alice = paper.control.create_account({"USDT": "1000"})
    bob = paper.control.create_account({"USDT": "2000"})
    b_key, b_secret = paper_b.accounts[0]
    keys = {
        ("paper", "alice"): (alice["apiKey"], alice["secret"]),
        ("paper", "bob"): (bob["apiKey"], bob["secret"]),
        ("paper2", "default"): (b_key, b_secret),
    }
    store = CredentialStore()
    for (venue, account), (key, secret) in keys.items():
        store.save(CredentialRef.of(venue, VenueMode.PAPER, account), Credentials(key, secret))
    data = tmp_path / "app"
    config = AppPaths.from_override(data).config
    config.mkdir(parents=True, exist_ok=True)
    settings_file = config / SETTINGS_FILE
    settings_file.write_text(
        json.dumps({"paper": {"others": {"paper2": paper_b.url}}}), encoding="utf-8"
    )
    wanted = [
        SessionKey(VenueId("paper"), VenueMode.PAPER, AccountLabel("alice")),
        SessionKey(VenueId("paper"), VenueMode.PAPER, AccountLabel("bob")),
        SessionKey(VenueId("paper2"), VenueMode.PAPER, AccountLabel("default")),
    ]

    first = make_main_window(paper, data_dir=data)
    c, drv = first.controller, first.driver
    for key in wanted:
        api_key, secret = keys[(str(key.venue), str(key.account))]
        creds = {"apiKey": api_key, "secret": secret}
        drv.run(c.connect_venue(str(key.venue), key.mode, str(key.account), credentials=creds), 60)
    saved = json.loads(settings_file.read_text(encoding="utf-8"))  # written at each connect
    assert saved["connections"]["remembered"] == [
        {"venue": str(k.venue), "mode": "paper", "account": str(k.account), "market": "spot"}
        for k in wanted
    ]
    text = settings_file.read_text(encoding="utf-8")
    assert not any(secret in text for _, secret in keys.values())
    first.close()

    second = make_main_window(paper, data_dir=data)
    c, drv = second.controller, second.driver
    drv.until(lambda: all(k in c.services.by_key for k in wanted), 60, "every session back")
    default = c.trading.session
    assert default.venue == "paper" and default.account == "default"  # still the first
    assert len(c.services.by_key) == 4
    for key in wanted:
        drv.until(lambda k=key: c.services.orders.entry_ready(k), 30, f"{key} reconciled")
        assert any(f"{key.venue}" in t and "reconnected" in t for t in _notes(second))
    # each came back on its own account: alice's and bob's own funding
    for key, usdt in zip(wanted[:2], ("1000", "2000"), strict=True):
        drv.until(lambda k=key: c.state.balances(k) is not None, 20, f"{key} balances")
        assert c.state.balances(key).get("USDT").total == Decimal(usdt)
    second.close()


def test_a_perpetual_session_comes_back_as_a_perpetual_one(
    paper_exchange_factory, make_main_window, ui_memory_keyring, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    """The paper venue's perpetual-futures session is remembered with its market type and
    comes back as a perpetual session beside the spot one (not as a second spot one)."""
    from terminal.domain.ids import AccountLabel, VenueId
    from terminal.domain.session import MarketType, SessionKey
    from terminal.paths import AppPaths
    from terminal.settings import SETTINGS_FILE

    paper = paper_exchange_factory(faults=False)
    data = tmp_path / "app"
    settings_file = AppPaths.from_override(data).config / SETTINGS_FILE
    perp = SessionKey(VenueId("paper"), VenueMode.PAPER, AccountLabel("default"), MarketType.PERP)

    first = make_main_window(paper, data_dir=data)
    c, drv = first.controller, first.driver
    drv.run(c.connect_venue("paper", VenueMode.PAPER, "default", market=MarketType.PERP), 60)
    assert perp in c.services.by_key
    saved = json.loads(settings_file.read_text(encoding="utf-8"))
    assert saved["connections"]["remembered"] == [
        {"venue": "paper", "mode": "paper", "account": "default", "market": "perp"}
    ]
    first.close()

    second = make_main_window(paper, data_dir=data)
    c, drv = second.controller, second.driver
    drv.until(lambda: perp in c.services.by_key, 60, "the perpetual session back")
    assert c.services.by_key[perp].key.market is MarketType.PERP
    assert c.trading.session.market is MarketType.SPOT  # the spot session stays the first
    drv.until(lambda: c.services.orders.entry_ready(perp), 30, "the perpetual reconciled")
    second.close()


def test_forgetting_the_paper_venue_closes_its_further_accounts_only(
    paper_exchange_factory, make_main_window, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    """Venue > Forget paper: the remembered further paper account is closed and forgotten;
    the paper venue's default session (the terminal's own) stays connected."""
    paper = paper_exchange_factory(faults=False)
    alice = paper.control.create_account({"USDT": "100"})
    run = make_main_window(paper, data_dir=tmp_path / "app")
    c, drv = run.controller, run.driver
    default = c.trading.session
    session = drv.run(c.connect_venue("paper", VenueMode.PAPER, "alice", credentials=alice), 60)
    assert [e.account for e in c.reconnect.entries()] == ["alice"]
    action = c.reconnect.actions["paper"]
    assert action.text().startswith("Forget paper (paper, account alice) (connected)")
    drv.do(action.trigger)
    drv.until(lambda: session.key not in c.services.by_key, 10, "alice's session closed")
    assert default in c.services.by_key and c.trading.session == default
    assert c.reconnect.entries() == [] and "paper" not in c.reconnect.actions
    run.close()


def test_a_paper_on_live_session_comes_back_with_its_own_balances(
    paper_exchange_factory, make_main_window, ui_memory_keyring, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    """A paper-on-live session (the paper exchange standing in for the live venue) is
    remembered, comes back at the next start without any key (the keychain is empty),
    and with the account as it was: its starting balances and the funds its resting
    order locks, not a fresh 10,000 USDT."""
    from terminal.domain.ids import AccountLabel, VenueId
    from terminal.domain.session import SessionKey
    from terminal.paths import AppPaths
    from terminal.settings import SETTINGS_FILE
    from tests.ui.test_sessions_window import _place

    paper = paper_exchange_factory(faults=False)
    data = tmp_path / "app"
    settings_file = AppPaths.from_override(data).config / SETTINGS_FILE
    key = SessionKey(VenueId("paper"), VenueMode.PAPER_LIVE, AccountLabel("trial"))

    first = make_main_window(paper, data_dir=data)
    c, drv = first.controller, first.driver
    c.services.live_paper.prepare(key, {"USDT": Decimal(2500), "BTC": Decimal("0.01")})
    drv.run(c.connect_venue("paper", VenueMode.PAPER_LIVE, "trial"), 60)
    assert key in c.services.by_key
    saved = json.loads(settings_file.read_text(encoding="utf-8"))
    assert saved["connections"]["remembered"] == [
        {"venue": "paper", "mode": "paper-live", "account": "trial", "market": "spot"}
    ]
    drv.until(lambda: c.services.orders.entry_ready(key), 30, "it to reconcile")
    drv.do(lambda: first.panels.entry.session_picker.pick(key))
    price = Decimal(paper.control.book("BTC/USDT", 1)["bids"][0][0]) * Decimal("0.97")
    order = _place(first, price)
    assert order.session == key
    locked = c.services.by_key[key].local.balances().get("USDT").used
    assert locked > 0
    first.close()

    second = make_main_window(paper, data_dir=data)
    c, drv = second.controller, second.driver
    drv.until(lambda: key in c.services.by_key, 60, "the paper-on-live session back")
    usdt = c.services.by_key[key].local.balances().get("USDT")
    assert usdt.total == Decimal(2500) and usdt.used == locked  # not reset
    assert c.services.by_key[key].local.balances().get("BTC").total == Decimal("0.01")
    assert any("reconnected" in t for t in _notes(second))
    assert not any("not reconnected" in t for t in _notes(second))
    drv.until(lambda: c.services.orders.entry_ready(key), 30, "it to reconcile again")
    second.close()
