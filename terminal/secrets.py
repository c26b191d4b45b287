"""API credentials: kept only in the OS keychain (through keyring), never in a file.

Where things live
-----------------
* One keychain entry per venue, mode and account label. The keychain *service* name
  carries the mode (`trading-terminal:live`, `trading-terminal:sandbox`,
  `trading-terminal:demo`, `trading-terminal:paper`), the *username* is
  `<venue>/<account>`, the value is a small JSON object with the key, the secret and the
  passphrase (plus venue/mode/account, checked again on load). A sandbox or demo
  connection looks only under its own service, so a live key can never be handed to it,
  nor the other way round (a header-based demo talks to the live host: a live key there
  would be one dropped header away from a real order).
* A non-secret index of the stored labels (`mode/venue/account` strings only) sits in
  the keychain too (service `trading-terminal:index`), so listing never reads a secret.
* Power users may instead export environment variables, read-only, for the account
  label `default`: `TT_<VENUE>_<MODE>_API_KEY`, `TT_<VENUE>_<MODE>_SECRET`,
  `TT_<VENUE>_<MODE>_PASSPHRASE` (VENUE and MODE upper case, e.g.
  `TT_BINANCE_SANDBOX_API_KEY`). They take precedence over the keychain.

When there is no usable keychain (a headless Linux box: keyring's backend is
`keyring.backends.fail.Keyring`) `status()` says so with a message naming the
environment variables, and `save` raises `KeychainUnavailable`: nothing ever falls back
to a plaintext file. Every value loaded or saved is registered with the log redaction
(`terminal.logsetup.register_secret`), and no message raised from here contains one.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import re
from collections.abc import Mapping, MutableMapping
from dataclasses import dataclass
from typing import Any

import keyring
import keyring.errors

from terminal.domain.enums import VenueMode
from terminal.domain.ids import AccountLabel, IdError, VenueId
from terminal.logsetup import redact, register_secret

log = logging.getLogger(__name__)

SERVICE_PREFIX = "trading-terminal"
INDEX_SERVICE = f"{SERVICE_PREFIX}:index"
INDEX_USERNAME = "labels"
ENV_PREFIX = "TT"
ENV_ACCOUNT = AccountLabel("default")
FORMAT_VERSION = 1

# Backends that are not a keychain: "no backend" stand-ins, and plaintext files
# (keyrings.alt) which this app refuses to use for API secrets.
_REFUSED_BACKENDS = (
    "keyring.backends.fail.Keyring",
    "keyring.backends.null.Keyring",
    "keyrings.alt.file.PlaintextKeyring",
)

NO_KEYCHAIN_MESSAGE = (
    "No usable OS keychain was found (keyring backend: {backend}), so API keys cannot be "
    "stored. On a desktop, install and unlock a Secret Service keychain (GNOME Keyring or "
    "KWallet); on a headless machine, set the keys in environment variables instead: "
    "TT_<VENUE>_<MODE>_API_KEY, TT_<VENUE>_<MODE>_SECRET and, where the venue needs one, "
    "TT_<VENUE>_<MODE>_PASSPHRASE (for example TT_BINANCE_SANDBOX_API_KEY). Keys are "
    "never written to a plaintext file."
)


class SecretsError(Exception):
    """A credential operation failed; the message never contains a secret."""


class KeychainUnavailable(SecretsError):
    """There is no usable OS keychain (see `CredentialStore.status()`)."""


class ReadOnlyCredentials(SecretsError):
    """Credentials from environment variables cannot be changed from the app."""


def service_name(mode: VenueMode | str) -> str:
    """The keychain service of one mode: live and test keys never share one."""
    return f"{SERVICE_PREFIX}:{VenueMode(mode).value}"


@dataclass(frozen=True)
class CredentialRef:
    """Which credentials: venue, mode and the user's account label."""

    venue: VenueId
    mode: VenueMode
    account: AccountLabel

    @classmethod
    def of(cls, venue: str, mode: VenueMode | str, account: str = "default") -> CredentialRef:
        return cls(VenueId(str(venue)), VenueMode(mode), AccountLabel(str(account)))

    @property
    def username(self) -> str:
        return f"{self.venue}/{self.account}"

    @property
    def index_key(self) -> str:
        return f"{self.mode.value}/{self.venue}/{self.account}"

    def env_names(self) -> tuple[str, str, str]:
        base = f"{ENV_PREFIX}_{_env_part(self.venue)}_{_env_part(self.mode.value)}"
        return f"{base}_API_KEY", f"{base}_SECRET", f"{base}_PASSPHRASE"

    def __str__(self) -> str:
        return f"{self.venue} ({self.mode.value}, account {self.account})"


def _env_part(text: str) -> str:
    return re.sub(r"[^A-Z0-9]", "_", text.upper())


# Venues whose credentials are a wallet address and an API wallet's private key (ccxt's
# walletAddress/privateKey) rather than an API key pair. Kept in the keychain only.
WALLET_VENUES = frozenset({"hyperliquid"})
_WALLET_ADDRESS = re.compile(r"0x[0-9a-fA-F]{40}")
_PRIVATE_KEY = re.compile(r"0x[0-9a-fA-F]{64}")


def wallet_problem(wallet_address: str, private_key: str) -> str | None:
    """Why a wallet address / API wallet private key pair cannot be right (one line that
    never repeats the values), or None."""
    if not _WALLET_ADDRESS.fullmatch(wallet_address.strip()):
        return "the wallet address must be 0x followed by 40 hex digits"
    if not _PRIVATE_KEY.fullmatch(private_key.strip()):
        return "the private key must be 0x followed by 64 hex digits (an API wallet's key)"
    return None


class Credentials:
    """An API key, secret and optional passphrase, or (`wallet`) a wallet address and an
    API wallet's private key. Its repr never shows them."""

    __slots__ = ("api_key", "passphrase", "secret", "wallet")

    def __init__(
        self, api_key: str, secret: str, passphrase: str | None = None, *, wallet: bool = False
    ) -> None:
        names = ("wallet address", "private key") if wallet else ("API key", "secret")
        for name, value in zip(names, (api_key, secret), strict=True):
            if not isinstance(value, str) or not value.strip():
                raise SecretsError(f"the {name} is empty")
        if passphrase is not None and not isinstance(passphrase, str):
            raise SecretsError("the passphrase must be text")
        if wallet:
            problem = wallet_problem(api_key, secret)
            if problem:
                raise SecretsError(problem)
        self.api_key = api_key.strip()
        self.secret = secret.strip()
        self.passphrase = passphrase.strip() if passphrase and passphrase.strip() else None
        self.wallet = wallet

    def as_ccxt(self) -> dict[str, str]:
        """The ccxt constructor fields (`password` is ccxt's name for the passphrase)."""
        if self.wallet:
            return {"walletAddress": self.api_key, "privateKey": self.secret}
        out = {"apiKey": self.api_key, "secret": self.secret}
        if self.passphrase:
            out["password"] = self.passphrase
        return out

    def values(self) -> tuple[str, ...]:
        return tuple(v for v in (self.api_key, self.secret, self.passphrase) if v)

    def register_for_redaction(self) -> None:
        for value in self.values():
            register_secret(value)

    @property
    def masked_key(self) -> str:
        """Enough of the key for a user to recognise it: first 4 and last 2 characters."""
        k = self.api_key
        return f"{k[:4]}…{k[-2:]}" if len(k) > 10 else "****"

    def __repr__(self) -> str:
        return (
            f"Credentials(api_key={self.masked_key!r}, secret='***', "
            f"passphrase={'***' if self.passphrase else None!r})"
        )

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Credentials) and self.values() == other.values()

    def __hash__(self) -> int:
        return hash(self.values())

    def __reduce__(self) -> Any:  # no pickling into crash dumps or caches
        raise TypeError("Credentials cannot be pickled")


@dataclass(frozen=True)
class StoredLabel:
    """One set of credentials the user has, without any secret."""

    ref: CredentialRef
    source: str  # "keychain" or "environment"
    read_only: bool = False


@dataclass(frozen=True)
class KeychainStatus:
    available: bool
    backend: str
    message: str


class CredentialStore:
    """Save, load, list, replace and delete credentials. Synchronous (the keychain is).

    The keychain may take a moment (D-Bus, a user prompt): callers on the event loop run
    these methods in a worker thread (`asyncio.to_thread`).
    `keyring_module` and `environ` exist for tests (an in-memory backend is set with
    `keyring.set_keyring` instead of replacing the module, normally).
    """

    def __init__(
        self, *, environ: Mapping[str, str] | None = None, keyring_module: Any = None
    ) -> None:
        self._environ = os.environ if environ is None else environ
        self._kr = keyring_module or keyring

    # ---- availability --------------------------------------------------------------
    def status(self) -> KeychainStatus:
        try:
            backend = self._kr.get_keyring()
        except Exception as exc:  # a broken keyring configuration
            name = f"error: {type(exc).__name__}"
            return KeychainStatus(False, name, NO_KEYCHAIN_MESSAGE.format(backend=name))
        name = f"{type(backend).__module__}.{type(backend).__qualname__}"
        if (
            name in _REFUSED_BACKENDS
            or "plaintext" in name.lower()
            or _is_chainer_without_backends(backend)
        ):
            return KeychainStatus(False, name, NO_KEYCHAIN_MESSAGE.format(backend=name))
        return KeychainStatus(True, name, f"API keys are kept in the OS keychain ({name}).")

    def _require_keychain(self) -> None:
        st = self.status()
        if not st.available:
            raise KeychainUnavailable(st.message)

    # ---- write -------------------------------------------------------------------
    def save(self, ref: CredentialRef, credentials: Credentials) -> None:
        """Store (or replace) the credentials of `ref` in the keychain."""
        self._require_keychain()
        credentials.register_for_redaction()
        blob = json.dumps(
            {
                "v": FORMAT_VERSION,
                "venue": ref.venue,
                "mode": ref.mode.value,
                "account": ref.account,
                "apiKey": credentials.api_key,
                "secret": credentials.secret,
                "password": credentials.passphrase,
                "kind": "wallet" if credentials.wallet else "api-key",
            }
        )
        self._call(
            "store the credentials of",
            ref,
            lambda: self._kr.set_password(service_name(ref.mode), ref.username, blob),
        )
        index = self._read_index()
        if ref.index_key not in index:
            index.append(ref.index_key)
            self._write_index(index)
        log.info("credentials saved for %s (key %s)", ref, credentials.masked_key)

    replace = save

    def delete(self, ref: CredentialRef) -> bool:
        """Remove the keychain entry of `ref`; False if there was none."""
        self._require_keychain()
        existed = True
        try:
            self._kr.delete_password(service_name(ref.mode), ref.username)
        except keyring.errors.PasswordDeleteError:
            existed = False
        except keyring.errors.KeyringError as exc:
            raise SecretsError(
                f"cannot delete the credentials of {ref}: {type(exc).__name__}: {redact(str(exc))}"
            ) from None
        index = self._read_index()
        if ref.index_key in index:
            index.remove(ref.index_key)
            self._write_index(index)
            existed = True
        log.info("credentials deleted for %s", ref)
        return existed

    # ---- read ----------------------------------------------------------------------
    def load(self, ref: CredentialRef) -> Credentials | None:
        """The credentials of `ref`: environment variables first, then the keychain.

        None when neither has them (or the keychain is unavailable and no variables
        are set). Every value returned is registered with the log redaction first.
        """
        creds = self._from_env(ref)
        if creds is None:
            creds = self._from_keychain(ref)
        if creds is not None:
            creds.register_for_redaction()
        return creds

    def source(self, ref: CredentialRef) -> str | None:
        """'environment', 'keychain' or None, without returning any secret."""
        if self._from_env(ref, register=False) is not None:
            return "environment"
        if self.status().available and ref.index_key in self._read_index():
            return "keychain"
        return None

    def labels(self) -> list[StoredLabel]:
        """Every stored label (keychain index and environment), no secrets."""
        out: dict[str, StoredLabel] = {}
        if self.status().available:
            for key in self._read_index():
                ref = _ref_from_index_key(key)
                if ref is not None:
                    out[key] = StoredLabel(ref, "keychain")
        for ref in self._env_refs():
            out[ref.index_key] = StoredLabel(ref, "environment", read_only=True)
        return sorted(out.values(), key=lambda s: s.ref.index_key)

    # ---- for callers on the event loop (the keychain may block: D-Bus, a prompt) -----
    async def aload(self, ref: CredentialRef) -> Credentials | None:
        return await asyncio.to_thread(self.load, ref)

    async def asave(self, ref: CredentialRef, credentials: Credentials) -> None:
        await asyncio.to_thread(self.save, ref, credentials)

    async def adelete(self, ref: CredentialRef) -> bool:
        return await asyncio.to_thread(self.delete, ref)

    async def alabels(self) -> list[StoredLabel]:
        return await asyncio.to_thread(self.labels)

    # ---- internals -----------------------------------------------------------------
    def _from_keychain(self, ref: CredentialRef) -> Credentials | None:
        if not self.status().available:
            return None
        blob = self._call(
            "read the credentials of",
            ref,
            lambda: self._kr.get_password(service_name(ref.mode), ref.username),
        )
        if blob is None:
            return None
        try:
            data = json.loads(blob)
            if (data.get("venue"), data.get("mode"), data.get("account")) != (
                ref.venue,
                ref.mode.value,
                ref.account,
            ):
                raise SecretsError(
                    f"the keychain entry for {ref} belongs to another venue/mode/account; not used"
                )
            return Credentials(
                data["apiKey"],
                data["secret"],
                data.get("password"),
                wallet=data.get("kind") == "wallet",
            )
        except SecretsError:
            raise
        except (ValueError, KeyError, TypeError, AttributeError):
            raise SecretsError(
                f"the keychain entry for {ref} is not readable; save the keys again"
            ) from None

    def _from_env(self, ref: CredentialRef, register: bool = True) -> Credentials | None:
        if ref.account != ENV_ACCOUNT or ref.venue in WALLET_VENUES:
            return None  # a wallet's private key is read from the keychain only
        key_name, secret_name, pass_name = ref.env_names()
        key, secret = self._environ.get(key_name), self._environ.get(secret_name)
        if not key and not secret:
            return None
        if not key or not secret:
            missing = key_name if not key else secret_name
            raise SecretsError(
                f"environment variable {missing} is not set (both the key "
                "and the secret are needed)"
            )
        return Credentials(key, secret, self._environ.get(pass_name) or None)

    def _env_refs(self) -> list[CredentialRef]:
        pattern = re.compile(rf"^{ENV_PREFIX}_([A-Z0-9_]+)_(LIVE|SANDBOX|DEMO|PAPER)_API_KEY$")
        refs = []
        for name in list(self._environ):
            m = pattern.fullmatch(name)
            if not m:
                continue
            try:
                refs.append(CredentialRef.of(m.group(1).lower(), m.group(2).lower(), ENV_ACCOUNT))
            except (IdError, ValueError):
                continue
        return refs

    def _read_index(self) -> list[str]:
        raw = self._call(
            "read the list of stored keys",
            None,
            lambda: self._kr.get_password(INDEX_SERVICE, INDEX_USERNAME),
        )
        if not raw:
            return []
        try:
            items = json.loads(raw)
        except ValueError:
            log.warning("the keychain index of stored keys is unreadable; starting a new one")
            return []
        return [str(i) for i in items if isinstance(i, str)] if isinstance(items, list) else []

    def _write_index(self, index: list[str]) -> None:
        text = json.dumps(sorted(set(index)))
        self._call(
            "update the list of stored keys",
            None,
            lambda: self._kr.set_password(INDEX_SERVICE, INDEX_USERNAME, text),
        )

    @staticmethod
    def _call(what: str, ref: CredentialRef | None, fn: Any) -> Any:
        target = f" {ref}" if ref is not None else ""
        try:
            return fn()
        except keyring.errors.NoKeyringError:
            raise KeychainUnavailable(NO_KEYCHAIN_MESSAGE.format(backend="none")) from None
        except keyring.errors.KeyringError as exc:
            raise SecretsError(
                f"cannot {what}{target}: {type(exc).__name__}: {redact(str(exc))}"
            ) from None

    # "list the stored labels" (last in the class: inside it, `list` would hide the builtin)
    list = labels


def _ref_from_index_key(key: str) -> CredentialRef | None:
    parts = key.split("/", 2)
    if len(parts) != 3:
        return None
    try:
        return CredentialRef.of(parts[1], parts[0], parts[2])
    except (IdError, ValueError):
        return None


def _is_chainer_without_backends(backend: Any) -> bool:
    name = f"{type(backend).__module__}.{type(backend).__qualname__}"
    if name != "keyring.backends.chainer.ChainerBackend":
        return False
    try:
        return not list(backend.backends)
    except Exception:
        return True


def credentials_from_mapping(values: MutableMapping[str, str] | Mapping[str, str]) -> Credentials:
    """Credentials from a dialog's fields ('api_key'/'apiKey', 'secret', 'passphrase')."""
    key = values.get("api_key") or values.get("apiKey") or ""
    return Credentials(
        key, values.get("secret") or "", values.get("passphrase") or values.get("password") or None
    )
