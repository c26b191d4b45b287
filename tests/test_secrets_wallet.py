"""Wallet credentials (Hyperliquid): a wallet address and an API wallet's private key,
validated for format, kept in the keychain only, handed to ccxt under its names."""

from __future__ import annotations

import pytest

from terminal.domain.enums import VenueMode
from terminal.secrets import CredentialRef, Credentials, CredentialStore, SecretsError
from tests.test_secrets import memory_keyring  # noqa: F401 - fixture

ADDRESS = "0x" + "5aF3" * 10
KEY = "0x" + "9c1e" * 16


def test_format_is_checked_and_never_echoed() -> None:
    creds = Credentials(ADDRESS, KEY, wallet=True)
    assert creds.as_ccxt() == {"walletAddress": ADDRESS, "privateKey": KEY}
    assert KEY not in repr(creds)
    for address, key, why in (
        ("0x1234", KEY, "wallet address must be 0x followed by 40 hex digits"),
        (ADDRESS, KEY[:-1], "private key must be 0x followed by 64 hex digits"),
        (ADDRESS, KEY[2:] + "ab", "private key must be 0x"),
        (ADDRESS, KEY[:-1] + "g", "private key must be 0x"),
        (ADDRESS, "", "the private key is empty"),
    ):
        with pytest.raises(SecretsError) as err:
            Credentials(address, key, wallet=True)
        assert why in str(err.value) and "\n" not in str(err.value)
        assert key[2:10] not in str(err.value) if len(key) > 10 else True


def test_saved_and_read_back_from_the_keychain_as_a_wallet(memory_keyring) -> None:  # noqa: F811
    store = CredentialStore(environ={})
    ref = CredentialRef.of("hyperliquid", VenueMode.SANDBOX, "main")
    store.save(ref, Credentials(ADDRESS, KEY, wallet=True))
    loaded = store.load(ref)
    assert loaded is not None and loaded.wallet
    assert loaded.as_ccxt() == {"walletAddress": ADDRESS, "privateKey": KEY}


def test_environment_variables_are_not_read_for_a_wallet_venue(memory_keyring) -> None:  # noqa: F811
    env = {
        "TT_HYPERLIQUID_SANDBOX_API_KEY": ADDRESS,
        "TT_HYPERLIQUID_SANDBOX_SECRET": KEY,
    }
    store = CredentialStore(environ=env)
    ref = CredentialRef.of("hyperliquid", VenueMode.SANDBOX, "default")
    assert store.load(ref) is None and store.source(ref) is None
