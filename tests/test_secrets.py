"""Credentials in the keychain: separated by mode, listed without secrets, never on disk."""

from __future__ import annotations

import logging
import pickle
import uuid

import keyring
import keyring.backend
import keyring.backends.fail
import keyring.errors
import pytest

from terminal import logsetup
from terminal.domain.enums import VenueMode
from terminal.secrets import (
    INDEX_SERVICE,
    CredentialRef,
    Credentials,
    CredentialStore,
    KeychainUnavailable,
    SecretsError,
    credentials_from_mapping,
    service_name,
)

KEY = "AKfake1234567890KEYabcdef"
SECRET = "SKfake0987654321SECRETxyz"
PASS = "passphrase-42-xyz"


class MemoryKeyring(keyring.backend.KeyringBackend):
    """A keychain in a dict, for tests only."""

    priority = 1

    def __init__(self) -> None:
        super().__init__()
        self.store: dict[tuple[str, str], str] = {}

    def get_password(self, service, username):
        return self.store.get((service, username))

    def set_password(self, service, username, password):
        self.store[(service, username)] = password

    def delete_password(self, service, username):
        if (service, username) not in self.store:
            raise keyring.errors.PasswordDeleteError("not found")
        del self.store[(service, username)]


@pytest.fixture
def memory_keyring():
    previous = keyring.get_keyring()
    kr = MemoryKeyring()
    keyring.set_keyring(kr)
    yield kr
    keyring.set_keyring(previous)


@pytest.fixture
def no_keyring():
    previous = keyring.get_keyring()
    keyring.set_keyring(keyring.backends.fail.Keyring())
    yield
    keyring.set_keyring(previous)


def store(env=None) -> CredentialStore:
    return CredentialStore(environ=env or {})


def test_save_load_replace_delete(memory_keyring):
    s = store()
    ref = CredentialRef.of("okx", "sandbox", "main")
    assert s.load(ref) is None
    s.save(ref, Credentials(KEY, SECRET, PASS))
    got = s.load(ref)
    assert got == Credentials(KEY, SECRET, PASS)
    assert got.as_ccxt() == {"apiKey": KEY, "secret": SECRET, "password": PASS}
    s.replace(ref, Credentials(KEY + "2", SECRET + "2"))
    assert s.load(ref).as_ccxt() == {"apiKey": KEY + "2", "secret": SECRET + "2"}
    assert s.delete(ref) is True
    assert s.load(ref) is None and s.labels() == []
    assert s.delete(ref) is False


def test_live_and_sandbox_keys_use_different_services_and_never_cross(memory_keyring):
    s = store()
    live = CredentialRef.of("binance", VenueMode.LIVE, "main")
    sandbox = CredentialRef.of("binance", VenueMode.SANDBOX, "main")
    s.save(live, Credentials(KEY, SECRET))
    assert s.load(sandbox) is None
    services = {svc for svc, _ in memory_keyring.store}
    assert service_name("live") in services and service_name("sandbox") not in services
    assert service_name("live") != service_name("sandbox")
    # an entry copied across services (by hand, or a bug) is refused on load
    memory_keyring.store[(service_name("sandbox"), "binance/main")] = memory_keyring.store[
        (service_name("live"), "binance/main")
    ]
    with pytest.raises(SecretsError, match="belongs to another") as info:
        s.load(sandbox)
    assert KEY not in str(info.value) and SECRET not in str(info.value)


def test_labels_are_listed_without_secrets(memory_keyring):
    s = store()
    s.save(CredentialRef.of("binance", "live", "main"), Credentials(KEY, SECRET))
    s.save(CredentialRef.of("okx", "sandbox", "bot 2"), Credentials(KEY, SECRET, PASS))
    labels = s.labels()
    assert [(lbl.ref.venue, lbl.ref.mode.value, lbl.ref.account, lbl.source) for lbl in labels] == [
        ("binance", "live", "main", "keychain"),
        ("okx", "sandbox", "bot 2", "keychain"),
    ]
    index = memory_keyring.store[(INDEX_SERVICE, "labels")]
    assert KEY not in index and SECRET not in index and PASS not in index
    assert KEY not in repr(labels) and SECRET not in repr(labels)


def test_credentials_never_show_their_values():
    c = Credentials(KEY, SECRET, PASS)
    for text in (repr(c), str(c), f"{c}", repr([c])):
        assert KEY not in text and SECRET not in text and PASS not in text
    assert c.masked_key == "AKfa…ef"
    with pytest.raises(TypeError):
        pickle.dumps(c)
    with pytest.raises(SecretsError):
        Credentials("", SECRET)
    with pytest.raises(SecretsError):
        Credentials(KEY, "   ")


def test_loaded_secrets_are_registered_for_log_redaction(memory_keyring):
    key, secret = f"AK{uuid.uuid4().hex}", f"SK{uuid.uuid4().hex}"
    s = store()
    ref = CredentialRef.of("gate", "sandbox", "main")
    memory_keyring.set_password(
        service_name("sandbox"),
        "gate/main",
        f'{{"v":1,"venue":"gate","mode":"sandbox","account":"main",'
        f'"apiKey":"{key}","secret":"{secret}","password":null}}',
    )
    assert logsetup.redact(f"x {key} y") == f"x {key} y"
    s.load(ref)
    assert logsetup.redact(f"x {key} y {secret}") == "x *** y ***"


def test_environment_variables_are_a_read_only_alternative(memory_keyring):
    env = {
        "TT_BINANCE_SANDBOX_API_KEY": KEY,
        "TT_BINANCE_SANDBOX_SECRET": SECRET,
        "TT_OKX_LIVE_API_KEY": KEY,
        "TT_OKX_LIVE_SECRET": SECRET,
        "TT_OKX_LIVE_PASSPHRASE": PASS,
        "TT_NOPE_WRONGMODE_API_KEY": "x",
    }
    s = store(env)
    sandbox = CredentialRef.of("binance", "sandbox")
    assert s.load(sandbox).as_ccxt() == {"apiKey": KEY, "secret": SECRET}
    assert s.load(CredentialRef.of("binance", "live")) is None  # env names carry the mode
    assert s.load(CredentialRef.of("okx", "live")).passphrase == PASS
    assert s.source(sandbox) == "environment"
    labels = [(lbl.ref.index_key, lbl.source, lbl.read_only) for lbl in s.labels()]
    assert labels == [
        ("live/okx/default", "environment", True),
        ("sandbox/binance/default", "environment", True),
    ]
    assert sandbox.env_names() == (
        "TT_BINANCE_SANDBOX_API_KEY",
        "TT_BINANCE_SANDBOX_SECRET",
        "TT_BINANCE_SANDBOX_PASSPHRASE",
    )
    half = store({"TT_BINANCE_SANDBOX_API_KEY": KEY})
    with pytest.raises(SecretsError, match="TT_BINANCE_SANDBOX_SECRET") as info:
        half.load(sandbox)
    assert KEY not in str(info.value)


def test_no_keychain_says_so_and_never_writes_a_file(no_keyring, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HOME", str(tmp_path))
    s = store()
    st = s.status()
    assert not st.available and st.backend == "keyring.backends.fail.Keyring"
    assert "TT_<VENUE>_<MODE>_API_KEY" in st.message and "plaintext" in st.message
    ref = CredentialRef.of("binance", "sandbox", "main")
    with pytest.raises(KeychainUnavailable, match="environment variables"):
        s.save(ref, Credentials(KEY, SECRET))
    assert s.load(ref) is None
    assert s.labels() == []
    written = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert written == []
    # the environment still works without a keychain
    env_store = store({"TT_BINANCE_SANDBOX_API_KEY": KEY, "TT_BINANCE_SANDBOX_SECRET": SECRET})
    assert env_store.load(CredentialRef.of("binance", "sandbox")).api_key == KEY


def test_keyring_errors_become_messages_without_secrets(memory_keyring):
    class Failing(MemoryKeyring):
        def set_password(self, service, username, password):
            raise keyring.errors.PasswordSetError(f"locked while storing {password}")

    keyring.set_keyring(Failing())
    s = store()
    with pytest.raises(SecretsError) as info:
        s.save(CredentialRef.of("binance", "sandbox", "main"), Credentials(KEY, SECRET))
    assert KEY not in str(info.value) and SECRET not in str(info.value)
    assert "PasswordSetError" in str(info.value)


def test_plaintext_backends_are_refused(memory_keyring):
    class PlaintextKeyring(MemoryKeyring):
        pass

    PlaintextKeyring.__module__ = "keyrings.alt.file"
    PlaintextKeyring.__qualname__ = "PlaintextKeyring"
    keyring.set_keyring(PlaintextKeyring())
    assert not store().status().available


def test_credentials_from_dialog_fields():
    c = credentials_from_mapping({"api_key": f" {KEY} ", "secret": SECRET, "passphrase": ""})
    assert c.api_key == KEY and c.passphrase is None


def test_saving_logs_only_the_masked_key(memory_keyring, caplog):
    caplog.set_level(logging.DEBUG, logger="terminal.secrets")
    store().save(CredentialRef.of("binance", "sandbox", "main"), Credentials(KEY, SECRET))
    text = caplog.text
    assert "AKfa…ef" in text and KEY not in text and SECRET not in text


def test_async_wrappers_run_off_the_loop(memory_keyring):
    import asyncio

    s = store()
    ref = CredentialRef.of("bybit", "sandbox", "main")

    async def main():
        await s.asave(ref, Credentials(KEY, SECRET))
        got = await s.aload(ref)
        labels = await s.alabels()
        deleted = await s.adelete(ref)
        return got, labels, deleted

    got, labels, deleted = asyncio.run(main())
    assert got.api_key == KEY and [lbl.ref for lbl in labels] == [ref] and deleted


def test_demo_keys_have_a_keychain_service_of_their_own(memory_keyring):
    """A header-based demo talks to the live host: a live or testnet key must never be
    handed to it, and its keys never to them."""
    s = store()
    demo = CredentialRef.of("okx", VenueMode.DEMO, "main")
    s.save(demo, Credentials(KEY, SECRET, PASS))
    assert service_name("demo") == "trading-terminal:demo"
    assert {svc for svc, _ in memory_keyring.store} >= {service_name("demo")}
    assert s.load(CredentialRef.of("okx", VenueMode.LIVE, "main")) is None
    assert s.load(CredentialRef.of("okx", VenueMode.SANDBOX, "main")) is None
    assert s.load(demo).passphrase == PASS
    memory_keyring.store[(service_name("live"), "okx/main")] = memory_keyring.store[
        (service_name("demo"), "okx/main")
    ]
    with pytest.raises(SecretsError, match="belongs to another"):
        s.load(CredentialRef.of("okx", VenueMode.LIVE, "main"))
    env = store(
        {"TT_OKX_DEMO_API_KEY": KEY, "TT_OKX_DEMO_SECRET": SECRET, "TT_OKX_DEMO_PASSPHRASE": PASS}
    )
    assert env.load(CredentialRef.of("okx", "demo")).passphrase == PASS
    assert env.load(CredentialRef.of("okx", "live")) is None
    assert [lbl.ref.index_key for lbl in env.labels() if lbl.source == "environment"] == [
        "demo/okx/default"
    ]
