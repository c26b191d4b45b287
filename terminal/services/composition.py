"""The composition root shared by the headless commands and the GUI.

`TerminalServices` is the one place that knows every concrete class: it builds the
paths and settings, takes the journal (with its single-writer lock), starts or joins
the paper exchange, connects venue sessions, loads the safety state (testnet lock,
emergency stop, precautions gate), wires the order service and reconciliation to the
sessions, and closes all of it again in bounded time:

    async with TerminalServices(ServicesOptions(data_dir=...)) as services:
        session = await services.connect("paper")      # entry opens after reconcile
        order = await services.orders.submit(request)

Everything heavy (ccxt, SQLAlchemy, the paper child process) starts in `start()`,
never at import; blocking steps (file lock + migrations, child process start/stop,
joining the journal writer) run in a worker thread so a GUI loop never stalls.

The emergency stop beyond the toolbar also lives here, so the GUI and the headless
commands behave alike: the holder of the journal serves the local control channel
(`terminal.control`: `trading-terminal stop` from a shell engages the stop in the running
process), and a stop found engaged at start sweeps every venue once its first
reconciliation is done, so orders left open by a crashed run do not stay open. Such
sweeps are announced on `stop_notices` (the GUI shows them like a toolbar sweep).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from terminal.core.callbacks import Callbacks
from terminal.core.futures.state import PerpGateInputs
from terminal.core.orders import OrderPolicy, OrderService, ReconcileResult
from terminal.core.orders.entry import EntryReadiness
from terminal.domain.enums import VenueMode
from terminal.domain.ids import AccountLabel, Symbol, VenueId
from terminal.domain.session import MarketType, SessionKey
from terminal.logsetup import register_secret
from terminal.paths import AppPaths
from terminal.services.gate_inputs import GateInputs, _Prices
from terminal.services.options import (
    CLOSE_TIMEOUT_S,
    ServicesError,
    ServicesOptions,
    control_advert_path,
)
from terminal.services.paper_host import PaperExchangeHost
from terminal.services.stop import StopSweeps
from terminal.services.window_access import WindowAccess
from terminal.settings import Settings, load_settings
from terminal.stop_control import StopControlHandler, StopNotice

if TYPE_CHECKING:
    from terminal.exchange.manager import ExchangeManager

log = logging.getLogger(__name__)


class TerminalServices(PaperExchangeHost, StopSweeps, GateInputs, WindowAccess):
    def __init__(
        self,
        options: ServicesOptions | None = None,
        *,
        paths: AppPaths | None = None,
        settings: Settings | None = None,
    ) -> None:
        self.options = options or ServicesOptions()
        self.paths = paths or AppPaths.from_override(self.options.data_dir)
        self._settings = settings
        self.settings: Settings = settings or Settings()
        self.journal: Any = None  # terminal.journal.SqlJournal
        self.paper: Any = None  # PaperExchangeHandle when embedded
        self._paper_lock = asyncio.Lock()
        self.paper_endpoint: Any = None  # terminal.exchange.session.PaperEndpoint
        self.safety: Any = None  # terminal.core.safety.state.SafetyState
        self.orders: OrderService | None = None
        self.exchange: ExchangeManager | None = None
        self.live_paper: Any = None  # terminal.livepaper.LivePaperFactory
        # Every connected session by its key; a venue connected more than once (other
        # accounts or environments) has one entry per session.
        self.by_key: dict[SessionKey, Any] = {}
        # venue -> the first session connected of it (what a venue name alone means)
        self.sessions: dict[VenueId, Any] = {}
        self._private: dict[SessionKey, list[Any]] = {}  # private-stream subscriptions
        self._unwire: list[Any] = []
        self._prices = _Prices()
        self._stale_task: asyncio.Task[Any] | None = None
        self._started = False
        self.control: Any = None  # terminal.control.ControlServer while serving
        self._stop_requests: asyncio.Task[Any] | None = None  # watches the stop request file
        self.show_window: Callable[[], None] | None = (
            None  # the GUI's "bring the window to the front", if any
        )
        self.stop_notices: Callbacks[StopNotice] = Callbacks("stop-notice")
        self._tasks: set[asyncio.Task[Any]] = set()  # sweeps started here
        self._connect_sweeps: dict[SessionKey, asyncio.Task[Any]] = {}
        # a perpetual session's mark, leverage and available margin for the gate (no
        # feed carries them): set by whoever polls the session's futures state
        self.perp_inputs: Callable[[SessionKey, Symbol], PerpGateInputs | None] | None = None

    # ---- life cycle ------------------------------------------------------------------
    async def __aenter__(self) -> TerminalServices:
        try:
            await self.start()
        except BaseException:
            await self.aclose()
            raise
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def start(self) -> None:
        from terminal.journal import SqlJournal
        from terminal.journal.store import journal_url_from, lock_path_for

        if self._settings is None:
            self.settings = load_settings(self.paths.config)
        await self._check_paper_url()  # before anything is opened or started
        data = self.paths.ensure_data()
        url = journal_url_from(self.options.journal, data, self.settings.journal.url)
        lock_path = lock_path_for(url, data)
        self.journal = await asyncio.to_thread(
            SqlJournal.open, url, lock_path=lock_path, read_only=self.options.read_only_journal
        )
        log.info("journal: %s", self.journal.display_name)
        self._started = True
        if self.options.read_only_journal:
            return
        if self.options.safety:
            from terminal.core.safety.state import SafetyState

            self.safety = await SafetyState.open(self.journal, self.settings.precautions)
        gate = self.safety.gate if self.safety is not None else None
        self.orders = OrderService(
            self.journal,
            gate=gate,
            context_provider=self.gate_context,
            policy=OrderPolicy.from_settings(self.settings.orders),
        )
        if self.settings.orders.auto_cancel_stale:
            self._stale_task = self.orders.spawn(self.orders.run_stale_sweeper(), "stale-sweeper")
        from terminal.exchange.manager import ExchangeManager, feed_options_from_settings
        from terminal.exchange.session import SessionOptions

        self.exchange = ExchangeManager(
            feed_options=feed_options_from_settings(self.settings.feeds),
            session_options=SessionOptions(heartbeat_s=self.options.session_heartbeat_s),
        )
        await self._add_paper_venues()
        from terminal.livepaper import install as install_paper_on_live

        self.live_paper = install_paper_on_live(self.exchange, data / "paper-on-live")
        self._wire_private_streams()
        if self.options.control_channel and self.safety is not None:
            await self._start_control(control_advert_path(self.options, self.paths, self.settings))

    async def _start_control(self, advert_path: Path) -> None:
        """Serve the control channel and watch the stop request file beside it; the app
        still runs if the channel cannot start (logged), the file is the way in then."""
        from terminal.control import ControlServer
        from terminal.control.stopfile import watch

        handler = StopControlHandler(self, advert_path)
        self._stop_requests = asyncio.ensure_future(watch(advert_path, handler.on_stop_request))
        server = ControlServer(handler, advert_path)
        try:
            advert = await server.start()
        except OSError as exc:
            log.warning(
                "control channel not available (`trading-terminal stop` from a "
                "shell reaches this process through its stop request file "
                "only): %s",
                exc,
            )
            return
        register_secret(advert.token)  # masked should it ever reach a log line
        self.control = server

    def _wire_private_streams(self) -> None:
        """The venue manager's private feeds drive the order service (its FeedHub calls
        these in order and awaits them), and every private (re)connect reconciles."""
        feeds = self._exchange().feeds
        self._unwire = [
            feeds.add_order_listener(self.on_stream_order),
            feeds.add_fill_listener(self.on_stream_fill),
            feeds.add_reconnect_listener(self.on_stream_reconnect),
        ]
        if self.orders is not None:
            self._unwire.append(self.orders.entry_changed.add(self._entry_to_health))

    def _entry_to_health(self, change: EntryReadiness) -> None:
        """The health panel says why a venue takes no orders (reconciling, failed and
        retrying), beside its feeds."""
        health = getattr(self.by_key.get(change.session), "health", None)
        if health is not None:
            health.set_entry_blocked(change.reason)

    async def on_stream_order(self, key: Any, report: Any) -> None:
        if self.orders is not None and key in self.by_key:
            await self.orders.on_order_report(key, report)

    async def on_stream_fill(self, key: Any, fill: Any) -> None:
        if self.orders is not None and key in self.by_key:
            await self.orders.on_fill(key, fill)

    async def on_stream_reconnect(self, key: Any, _open_orders: Any) -> None:
        if self.orders is not None and key in self.by_key:
            await self.orders.on_stream_reconnect(key)
            self._sweep_if_engaged(key)  # not awaited: the stream goes on meanwhile

    async def aclose(self) -> None:
        """Close everything this object started, each step bounded in time."""
        if self._stop_requests is not None:
            self._stop_requests.cancel()
            await asyncio.wait({self._stop_requests}, timeout=CLOSE_TIMEOUT_S)
            self._stop_requests = None
        if self.control is not None:
            control, self.control = self.control, None
            try:
                await asyncio.wait_for(control.aclose(), CLOSE_TIMEOUT_S)
            except Exception:
                log.exception("closing the control channel failed")
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.wait(tasks, timeout=CLOSE_TIMEOUT_S)
        if self.orders is not None:
            await self.orders.aclose(CLOSE_TIMEOUT_S)
        for key in list(self.by_key):
            await self.disconnect_key(key)
        for unwire in self._unwire:
            unwire()
        if self.exchange is not None:
            exchange, self.exchange = self.exchange, None
            try:
                await asyncio.wait_for(exchange.close(), CLOSE_TIMEOUT_S * 2)
            except Exception:
                log.exception("closing the exchange manager failed")
        if self.safety is not None:
            try:
                await asyncio.wait_for(self.safety.aclose(), CLOSE_TIMEOUT_S)
            except Exception:
                log.exception("closing the safety state failed")
            self.safety = None
        if self.journal is not None:
            journal, self.journal = self.journal, None
            await asyncio.to_thread(journal.close, CLOSE_TIMEOUT_S)
        await self.stop_paper(CLOSE_TIMEOUT_S)

    # ---- venues --------------------------------------------------------------------------
    async def connect(
        self,
        venue: str = "paper",
        mode: VenueMode | str | None = None,
        account: str = "default",
        *,
        credentials: Any = None,
        reconcile: bool = True,
        streams: bool | None = None,
        balances: Mapping[str, Decimal] | None = None,
        reset_balances: bool = False,
        market: MarketType = MarketType.SPOT,
    ) -> Any:
        """Connect a venue session, attach it to the order service and reconcile it.

        One venue may be connected several times (other accounts, other environments):
        each is a session of its own, connecting one already connected returns it.
        Entry on a session opens once its reconciliation succeeded
        (`orders.entry_ready(key)`). `credentials` (ccxt names) default to the OS
        keychain's entry for venue/mode/account; the paper venue uses the paper
        exchange's account. `streams` starts the private feeds (orders, own trades,
        balances), each reconnect of which reconciles again. A paper-on-live session
        (mode paper-live) takes no keys; `balances` are its starting balances (for a new
        account, or replacing everything with `reset_balances`).
        `market` PERP connects the venue's perpetual-futures session; its orders and
        positions are read over REST (the private streams are the spot session's), and it
        never becomes what the venue's name alone means.
        """
        vid = VenueId(venue)
        if self.exchange is None:
            raise ServicesError("the exchange layer is not running (read-only journal)")
        key = self.session_key(vid, mode, account, market)
        if key in self.by_key:
            return self.by_key[key]
        try:
            if key.mode is VenueMode.PAPER_LIVE and (balances is not None or reset_balances):
                self.live_paper.prepare(key, balances, reset_balances)
            if vid == "paper":
                self.exchange.paper = await self.paper_exchange()
            # The default account of a paper exchange trades with that exchange's own
            # keys; any other account only with its own (never quietly the default's).
            own_keys_needed = vid != "paper" or str(key.account) != "default"
            if credentials is None and key.mode is not VenueMode.PAPER_LIVE and own_keys_needed:
                # a keychain may wait on D-Bus or a user prompt: never on the loop
                credentials = await asyncio.to_thread(self._stored_credentials, vid, mode, account)
                if credentials is None and (
                    not self._points_at_paper(vid) or str(key.account) != "default"
                ):
                    raise ServicesError(self._no_keys_text(vid, mode, account))
            session = await self.exchange.connect(
                vid, mode, account, credentials=credentials, market=market
            )
        except ServicesError:
            raise
        except Exception as exc:
            text = exc.args[0] if isinstance(exc, KeyError) and exc.args else exc
            raise ServicesError(f"{venue}: cannot connect: {text}") from exc
        for secret in session.secrets:
            register_secret(secret)
        self.by_key[session.key] = session
        if market is MarketType.SPOT:
            self.sessions.setdefault(vid, session)
        if self.orders is not None:
            self.orders.attach(session)
            if reconcile:
                await self.reconcile_key(session.key)
        wants_streams = self.options.private_streams if streams is None else streams
        if wants_streams and market is MarketType.SPOT:
            self._private[session.key] = self.exchange.subscribe_private(session.key)
        return session

    def session_key(
        self,
        venue: str,
        mode: VenueMode | str | None = None,
        account: str = "default",
        market: MarketType = MarketType.SPOT,
    ) -> SessionKey:
        """The key of venue/mode/account (mode None: the venue's default environment)."""
        try:
            info = self._exchange().catalogue.get(venue)
        except KeyError as exc:
            raise ServicesError(
                f"{venue}: cannot connect: {exc.args[0] if exc.args else exc}"
            ) from None
        the_mode = VenueMode(mode) if mode is not None else info.default_mode()
        return SessionKey(VenueId(info.id), the_mode, AccountLabel(account), market)

    def _no_keys_text(self, venue: VenueId, mode: VenueMode | str | None, account: str) -> str:
        """Why a venue without stored keys is not contacted, and where keys go."""
        from terminal.secrets import CredentialRef

        try:
            info = self._exchange().catalogue.get(venue)
        except KeyError as exc:
            return f"{venue}: cannot connect: {exc.args[0] if exc.args else exc}"
        the_mode = VenueMode(mode) if mode is not None else info.default_mode()
        key_var, secret_var, _ = CredentialRef.of(venue, the_mode, account).env_names()
        env = f", or set {key_var} and {secret_var}" if account == "default" else ""
        return (
            f"{venue}: no API keys stored for {the_mode.value} (account {account}); "
            f"save them with Venue > Connect in the app{env}"
        )

    def _points_at_paper(self, venue: VenueId) -> bool:
        try:
            return bool(self._exchange().catalogue.get(venue).points_at_paper)
        except KeyError:
            return False

    def _stored_credentials(
        self, venue: VenueId, mode: VenueMode | str | None, account: str
    ) -> Any:
        from terminal.secrets import CredentialRef, CredentialStore

        info = self._exchange().catalogue.get(venue)
        the_mode = VenueMode(mode) if mode is not None else info.default_mode()
        creds = CredentialStore().load(CredentialRef.of(venue, the_mode, account))
        return creds.as_ccxt() if creds is not None else None

    async def disconnect(self, venue: str) -> None:
        """Disconnect every session of `venue`."""
        for key in [k for k in self.by_key if k.venue == VenueId(venue)]:
            await self.disconnect_key(key)

    async def disconnect_key(self, key: SessionKey) -> None:
        """Disconnect one session; the venue's other sessions stay connected."""
        for sub in self._private.pop(key, []):
            sub.close()
        session = self.by_key.pop(key, None)
        self._connect_sweeps.pop(key, None)
        if session is None:
            return
        if self.sessions.get(key.venue) is session:
            del self.sessions[key.venue]
            others = [
                s
                for k, s in self.by_key.items()
                if k.venue == key.venue and k.market is MarketType.SPOT
            ]
            if others:
                self.sessions[key.venue] = others[0]
        if self.orders is not None:
            self.orders.detach(key)
        try:
            await asyncio.wait_for(self._exchange().disconnect_key(key), CLOSE_TIMEOUT_S)
        except Exception:
            log.exception("closing the %s session failed", key.label)

    async def reconcile(self, venue: str) -> ReconcileResult:
        """Reconcile the first connected session of `venue` (see `reconcile_key`)."""
        session = self.sessions.get(VenueId(venue))
        if session is None:
            raise ServicesError(f"{venue} is not connected")
        return await self.reconcile_key(session.key)

    async def reconcile_key(self, key: SessionKey) -> ReconcileResult:
        """Reconcile one session; with a stop covering it engaged, then sweep it
        (awaited, bounded)."""
        if self.orders is None:
            raise ServicesError("the order service is not running (read-only journal)")
        if key not in self.by_key:
            raise ServicesError(f"{key.label} is not connected")
        result = await self.orders.reconcile(key)
        sweep = self._sweep_if_engaged(key)
        if sweep is not None:
            await asyncio.wait({sweep})
        return result

    @property
    def data_dir(self) -> Path:
        return self.paths.data
