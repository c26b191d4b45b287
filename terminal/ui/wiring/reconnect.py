"""Remembered connections: every session the user connected comes back at the next start.

A connection that succeeds (Venue > Connect, or `TerminalController.connect_venue`) is
remembered in `settings.connections.remembered` as its session: venue, mode, account
label and market type (two accounts of one venue, or its testnet beside its live
account, are two entries). Venue, mode and account are the names the OS keychain or the
TT_<VENUE>_<MODE>_* environment variables file the keys under, never a key or secret.
The paper venue's default session is not remembered (it is connected at every start);
its further accounts are, and so are paper-on-live sessions (mode paper-live: no keys;
their account keeps its balances, orders and fills in its own store, so coming back
never resets it). At start, once the paper venue is live, every remembered
session is reconnected in the background, concurrently, each bounded in time. Credentials
are read in a worker thread (a keychain may wait on D-Bus or a prompt). A failure (no
keys, no keychain, network, the venue refusing the key) is a notice with its reason and
keeps the entry, so the next start tries again; only Venue > Disconnect (or Forget, for
one that did not come back) removes it.

Reconnecting never touches the testnet lock: a LIVE venue comes back locked, like any
connection. If the venue active at the last exit was a remembered one, it becomes the
active venue again once it connects, unless the user picked another venue meanwhile.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from terminal.domain.enums import VenueMode
from terminal.domain.ids import AccountLabel, VenueId
from terminal.domain.session import MarketType, SessionKey
from terminal.ui.wiring.venues import display_name

if TYPE_CHECKING:
    from PySide6.QtGui import QAction
    from PySide6.QtWidgets import QMenu

    from terminal.core.supervision import TaskOwner
    from terminal.services import TerminalServices
    from terminal.settings import Settings
    from terminal.ui.main_window import MainWindow
    from terminal.ui.wiring.ports import ActiveVenue, Notify, VenueCommands

log = logging.getLogger(__name__)

PAPER = "paper"
FIRST_BOOK_WAIT_S = 3.0  # reconnects start after the first paper book, or this late
REMEMBERED_MODES = (
    VenueMode.LIVE,
    VenueMode.SANDBOX,
    VenueMode.DEMO,
    VenueMode.PAPER,
    VenueMode.PAPER_LIVE,
)
ENV_NAMES = {
    VenueMode.SANDBOX: "testnet",
    VenueMode.DEMO: "demo",
    VenueMode.PAPER: "paper",
    VenueMode.PAPER_LIVE: "paper on live data",
}


class MissingCredentials(Exception):
    """No keys for a remembered venue; the message says where they were looked for."""


@dataclass(frozen=True)
class Remembered:
    """One remembered session (no secret in here, by construction)."""

    venue: str
    mode: VenueMode
    account: str
    market: MarketType = MarketType.SPOT

    def as_dict(self) -> dict[str, str]:
        return {
            "venue": self.venue,
            "mode": self.mode.value,
            "account": self.account,
            "market": self.market.value,
        }

    @property
    def key(self) -> SessionKey:
        return SessionKey(VenueId(self.venue), self.mode, AccountLabel(self.account), self.market)

    @property
    def label(self) -> str:
        env = ENV_NAMES.get(self.mode, "LIVE")
        perp = ", perpetual futures" if self.market is MarketType.PERP else ""
        return f"{self.venue} ({env}, account {self.account}{perp})"

    @classmethod
    def of(cls, key: SessionKey) -> Remembered:
        return cls(str(key.venue), key.mode, str(key.account), key.market)


def parse_remembered(raw: Any) -> list[Remembered]:
    """The valid entries of `settings.connections.remembered` (one per session, in order).

    Hand-edited junk is skipped with a warning rather than failing the start. The paper
    venue's default session is not among them: it is connected at every start anyway.
    """
    from terminal.domain.ids import IdError

    out: dict[SessionKey, Remembered] = {}
    for item in raw if isinstance(raw, list) else []:
        try:
            if not isinstance(item, dict):
                raise TypeError("not an object")
            venue = str(VenueId(str(item["venue"])))
            mode = VenueMode(str(item.get("mode", "")))
            if mode not in REMEMBERED_MODES:
                raise ValueError(f"mode {mode.value} is not reconnected")
            account = str(AccountLabel(str(item.get("account") or "default")))
            market = MarketType(str(item.get("market") or MarketType.SPOT.value))
            entry = Remembered(venue, mode, account, market)
            if _always_connected(entry):
                raise ValueError("the paper venue's default session is connected at start")
        except (KeyError, TypeError, ValueError, IdError) as exc:
            log.warning("settings: ignoring remembered connection %r (%s)", item, exc)
            continue
        out.setdefault(entry.key, entry)
    return list(out.values())


def _always_connected(entry: Remembered) -> bool:
    return (
        entry.venue == PAPER
        and entry.account == "default"
        and entry.mode is VenueMode.PAPER
        and entry.market is MarketType.SPOT
    )


def resolve_credentials(entry: Remembered, points_at_paper: bool) -> dict[str, str] | None:
    """The ccxt credential fields of `entry`, from the environment or the keychain,
    exactly where Venue > Connect saved them. Blocking: run it in a worker thread.

    None for a venue that points at the paper exchange and has no keys of its own (it
    then uses the paper account, as a connect without keys does). Raises
    MissingCredentials (or the store's SecretsError) with a reason a user can act on.
    """
    from terminal.secrets import CredentialRef, CredentialStore

    store = CredentialStore()
    ref = CredentialRef.of(entry.venue, entry.mode, entry.account)
    creds = store.load(ref)
    if creds is not None:
        return creds.as_ccxt()
    if points_at_paper:
        return None
    key_var, secret_var, _ = ref.env_names()
    env_hint = (
        f"{key_var} and {secret_var} are not set"
        if ref.account == "default"
        else "environment variables only serve the account label 'default'"
    )
    status = store.status()
    if not status.available:
        raise MissingCredentials(
            f"no API key: there is no usable OS keychain ({status.backend}) and {env_hint}"
        )
    raise MissingCredentials(f"no API key is stored in the keychain for {ref}, and {env_hint}")


class ReconnectWiring:
    """Keeps the remembered list, reconnects it at start, offers Venue > Disconnect."""

    def __init__(
        self,
        window: MainWindow,
        tasks: TaskOwner,
        notify: Notify,
        settings: Settings,
        save_settings: Callable[[], None],
        services: TerminalServices,
        commands: VenueCommands,
        active: ActiveVenue,
        wanted_venue: str,
    ) -> None:
        self.window = window
        self.tasks = tasks
        self.notify = notify
        self.ui = settings.ui
        self.save_settings = save_settings
        self.services = services
        self.commands = commands
        self.active = active
        self.settings = settings.connections
        # Hand-edited junk is dropped once here (and logged once), not at every look.
        self.settings.remembered = [e.as_dict() for e in parse_remembered(self.settings.remembered)]
        self.wanted_venue = wanted_venue  # the active venue at the last exit
        self.pending: dict[SessionKey, asyncio.Task[Any]] = {}
        self.failures: dict[SessionKey, str] = {}  # why it did not reconnect this run
        self._task: asyncio.Task[Any] | None = None
        self._menu: QMenu | None = _venue_menu(window)
        self._separator: QAction | None = None
        self.actions: dict[str, QAction] = {}  # venue -> its Disconnect/Forget action

    # ------------------------------------------------------------------ the list
    def entries(self) -> list[Remembered]:
        return parse_remembered(self.settings.remembered)

    def venues(self) -> list[str]:
        """The venues with a remembered session, each once, in order."""
        return list(dict.fromkeys(e.venue for e in self.entries()))

    def will_reconnect(self, venue: str) -> bool:
        """`venue` is remembered and reconnected at start (so it may still come back)."""
        return bool(self.settings.reconnect_at_start) and venue in self.venues()

    def remember(self, session: Any) -> None:
        """A connection succeeded: remember its session (venue, mode, account, market),
        beside the venue's other sessions. The file is written at once, so a crash does
        not lose it."""
        key = getattr(session, "key", None)
        if not isinstance(key, SessionKey):
            return
        entry = Remembered.of(key)
        if entry.mode not in REMEMBERED_MODES or _always_connected(entry):
            return
        self.failures.pop(key, None)
        before = self.entries()
        if entry not in before:
            self._store([*before, entry])
        else:
            self.refresh_menu()

    def forget(self, venue: str) -> None:
        """Forget every remembered session of `venue`."""
        for key in [k for k in self.pending if str(k.venue) == venue]:
            self.pending.pop(key).cancel()
        for key in [k for k in self.failures if str(k.venue) == venue]:
            del self.failures[key]
        before = self.entries()
        after = [e for e in before if e.venue != venue]
        if after != before:
            self._store(after)
        ui = self.ui
        if ui.venue == venue:
            active = self.active.venue
            ui.venue = active if active != venue else PAPER
        self.refresh_menu()

    def _store(self, entries: list[Remembered]) -> None:
        self.settings.remembered = [e.as_dict() for e in entries]
        self.save_settings()  # now: a crash must not lose the list
        self.refresh_menu()

    # ------------------------------------------------------------------ start-up
    def start(self) -> asyncio.Task[Any] | None:
        """Reconnect every remembered venue in the background (a task of `tasks`)."""
        entries = self.entries()
        self.refresh_menu()
        if not entries or not self.settings.reconnect_at_start or self._task is not None:
            return None
        self._task = self.tasks.spawn(self._reconnect_all(entries), "reconnect-remembered")
        return self._task

    async def aclose(self, timeout: float) -> None:
        """Cancel reconnects still under way (before the services close under them)."""
        tasks = [t for t in (self._task, *self.pending.values()) if t is not None and not t.done()]
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.wait(tasks, timeout=timeout)

    async def _reconnect_all(self, entries: list[Remembered]) -> None:
        from terminal.ui.probe import marks

        deadline = time.monotonic() + FIRST_BOOK_WAIT_S
        while time.monotonic() < deadline and "first_book" not in marks():
            await asyncio.sleep(0.05)  # the first live paper book is not delayed
        names = ", ".join(e.label for e in entries)
        self.window.show_status(f"Reconnecting {names}…", 6_000)
        for entry in entries:
            task = asyncio.ensure_future(self._reconnect_one(entry))
            self.pending[entry.key] = task
        self.refresh_menu()
        try:
            await asyncio.gather(*self.pending.values(), return_exceptions=True)
        finally:
            self.pending.clear()
        self.refresh_menu()

    async def _reconnect_one(self, entry: Remembered) -> None:
        services = self.services
        if entry.key in services.by_key:
            return  # connected meanwhile (the dialog)
        timeout = max(1.0, float(self.settings.reconnect_timeout_s))
        try:
            async with asyncio.timeout(timeout):
                credentials = await self._credentials(entry)
                if entry.key in services.by_key:
                    return
                # a perpetual-futures session names its market; spot is the default
                market = {} if entry.market is MarketType.SPOT else {"market": entry.market}
                session = await self.commands.connect_venue(
                    entry.venue, entry.mode, entry.account, credentials=credentials, **market
                )
        except asyncio.CancelledError:
            raise
        except TimeoutError:
            self._failed(entry, f"no answer within {timeout:.0f} s")
            return
        except Exception as exc:
            self._failed(entry, _reason(exc))
            return
        if not await self._key_accepted(entry, session, timeout):
            return
        self.failures.pop(entry.key, None)
        self.notify("info", f"{display_name(session)} reconnected.")
        active = self.active
        if (
            entry.venue == self.wanted_venue
            and entry.venue != PAPER
            and not active.venue_picked
            and active.venue == PAPER
            and entry.venue in services.sessions
        ):
            await self.commands.switch_venue(entry.venue)
            active.venue_picked = False  # this was the remembered choice, not the user's

    async def _credentials(self, entry: Remembered) -> dict[str, str] | None:
        """The keys `entry` connects with. A paper-on-live session takes none: its
        account (balances, orders, fills) is kept by its own store and comes back as it
        was, since nothing here passes starting balances."""
        if entry.mode is VenueMode.PAPER_LIVE:
            return None
        on_paper = self.services.points_at_paper(entry.venue)
        return await asyncio.to_thread(resolve_credentials, entry, on_paper)

    async def _key_accepted(self, entry: Remembered, session: Any, timeout: float) -> bool:
        """Connecting reads only public data: one balance read shows whether the venue
        still accepts the key. A refused key disconnects the venue again (no private
        stream keeps retrying it) and is reported; any other trouble with this read is
        left to the streams and the reconciliation, which report it themselves."""
        from terminal.core.errors import AuthenticationError

        try:
            async with asyncio.timeout(timeout):
                await session.fetch_balances()
        except AuthenticationError as exc:
            await self.commands.disconnect_session(session.key)  # the venue's others stay
            self._failed(entry, _reason(exc))
            return False
        except Exception as exc:
            log.warning("%s: balance check after reconnecting failed: %s", entry.venue, exc)
        return True

    def _failed(self, entry: Remembered, reason: str) -> None:
        log.warning("remembered %s not reconnected: %s", entry.label, reason)
        self.failures[entry.key] = reason
        self.notify(
            "error",
            f"{entry.label} was not reconnected: {reason}. It stays remembered "
            "and the next start tries again (Venue > Connect exchange… to fix the "
            f"keys, Venue > Forget {entry.venue} to stop).",
        )
        self.refresh_menu()

    # ------------------------------------------------------------------ the Venue menu
    async def disconnect(self, venue: str) -> None:
        """Venue > Disconnect: close the venue's sessions and feeds, forget the venue.
        The paper venue stays connected (its default session is the terminal's own):
        its remembered further accounts are forgotten and disconnected only."""
        if venue == PAPER:
            remembered = [e.key for e in self.entries() if e.venue == PAPER]
            self.forget(venue)
            for key in remembered:
                if key in self.services.by_key:
                    await self.commands.disconnect_session(key)
            self.notify("info", "Further paper accounts disconnected and forgotten.")
            return
        connected = venue in self.services.sessions
        try:
            await self.commands.disconnect_venue(venue, forget=True)
        except Exception as exc:
            log.exception("Disconnecting %s failed", venue)
            self.notify("error", f"Disconnecting {venue} failed: {exc}")
            return
        done = "disconnected" if connected else "forgotten"
        self.notify("info", f"{venue} {done}; it is not reconnected at the next start.")

    def refresh_menu(self) -> None:
        """One action per non-paper venue that is connected or remembered."""
        menu = self._menu
        if menu is None:
            return
        wanted: dict[str, str] = {}
        for vid, session in self.services.sessions.items():
            if str(vid) != PAPER:
                wanted[str(vid)] = f"Disconnect {display_name(session)}"
        for entry in self.entries():
            if entry.venue not in wanted:
                if entry.key in self.services.by_key:
                    state = "connected"
                else:
                    state = "reconnecting" if entry.key in self.pending else "not connected"
                wanted[entry.venue] = f"Forget {entry.label} ({state})"
        for venue in [v for v in self.actions if v not in wanted]:
            action = self.actions.pop(venue)
            menu.removeAction(action)
            action.deleteLater()
        if wanted and self._separator is None:
            self._separator = menu.addSeparator()
        for venue, text in wanted.items():
            existing = self.actions.get(venue)
            if existing is None:
                action = menu.addAction(text)
                action.setObjectName(f"disconnect-{venue}")
                action.triggered.connect(
                    lambda _=False, v=venue: self.tasks.spawn(self.disconnect(v), f"disconnect-{v}")
                )
                self.actions[venue] = action
            else:
                action = existing
            action.setText(text)


def _venue_menu(window: Any) -> QMenu | None:
    """The window's Venue menu (MainWindow.venue_menu)."""
    menu = getattr(window, "venue_menu", None)
    if menu is None:
        log.warning("no Venue menu: Disconnect actions are not offered")
    return menu


def _reason(exc: BaseException) -> str:
    from terminal.core.errors import AuthenticationError
    from terminal.services import VenueUnknown

    if isinstance(exc, MissingCredentials):
        return str(exc)
    if isinstance(exc, VenueUnknown):
        return "it is not a venue this version knows"
    cause = exc.__cause__ if exc.__cause__ is not None else exc
    if isinstance(cause, AuthenticationError) or isinstance(exc, AuthenticationError):
        return f"the venue refused the key ({cause})"
    return f"{exc}" or type(exc).__name__
