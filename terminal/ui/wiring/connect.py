"""Venue > Connect: the connect dialog's credentials tested by the exchange layer, saved
in the OS keychain, then connected and made active.

The test (`TerminalServices.check_connection`) loads markets, reads the balance and
lists open orders on a throwaway session; this part only shows its result. Keychain
calls run in a worker thread: a keychain may wait on D-Bus or a user prompt. Nothing
here logs a credential value.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Any

from terminal.domain.session import MarketType

if TYPE_CHECKING:
    from terminal.core.supervision import TaskOwner
    from terminal.services import TerminalServices
    from terminal.ui.main_window import MainWindow
    from terminal.ui.wiring.ports import Notify, VenueCommands

log = logging.getLogger(__name__)


class ConnectWiring:
    """`commands` connects the tested venue and makes it active."""

    def __init__(
        self,
        window: MainWindow,
        tasks: TaskOwner,
        notify: Notify,
        services: TerminalServices,
        commands: VenueCommands,
    ) -> None:
        self.window = window
        self.tasks = tasks
        self.notify = notify
        self.services = services
        self.commands = commands
        self.dialog: Any = None
        window.actions_by_id["connect"].triggered.connect(self.open)

    def open(self) -> Any:
        """Open (or raise) the non-modal connect dialog."""
        from terminal.ui.panels.connect_dialog import ConnectDialog

        if self.dialog is not None:
            self.dialog.raise_()
            return self.dialog
        if self.services.exchange is None:
            self.notify("warning", "Still starting: connect a venue in a moment.")
            return None
        venues = self.services.venue_infos()
        dialog = ConnectDialog(venues, self.window, venue=None)
        dialog.testRequested.connect(
            lambda req: self.tasks.spawn(self._test(dialog, req), "connect-test")
        )
        dialog.saveRequested.connect(
            lambda req: self.tasks.spawn(self._save(dialog, req), "connect-save")
        )
        dialog.paperLiveRequested.connect(
            lambda req: self.tasks.spawn(self._paper_live(dialog, req), "connect-paper-live")
        )
        dialog.finished.connect(lambda *_: self._closed(dialog))
        self.dialog = dialog
        self.tasks.spawn(self._keychain_status(dialog), "keychain-status")
        dialog.open()
        return dialog

    def _closed(self, dialog: Any) -> None:
        if self.dialog is dialog:
            self.dialog = None
        dialog.deleteLater()

    async def _keychain_status(self, dialog: Any) -> None:
        from terminal.secrets import CredentialStore

        status = await asyncio.to_thread(lambda: CredentialStore().status())
        if self.dialog is dialog:
            dialog.set_keychain_status(status.available, status.message)

    async def _test(self, dialog: Any, req: Any) -> None:
        from terminal.services import ServicesError

        try:
            result = await self.services.check_connection(
                req.venue, req.mode, req.account, req.ccxt_fields, market=req.market
            )
        except ServicesError as exc:  # an unknown venue, the paper exchange down
            if self.dialog is dialog:
                dialog.show_test_result(False, False, False, str(exc))
            return
        if self.dialog is dialog:
            dialog.show_test_result(
                result.markets_ok, result.balance_ok, result.trading_ok, result.message
            )

    async def _save(self, dialog: Any, req: Any) -> None:
        from terminal.secrets import CredentialRef, CredentialStore, SecretsError

        ref = CredentialRef.of(req.venue, req.mode, req.account)
        credentials = req.credentials()
        try:
            await asyncio.to_thread(CredentialStore().save, ref, credentials)
        except SecretsError as exc:
            if self.dialog is dialog:
                dialog.save_finished(False, str(exc))
            return
        if self.dialog is dialog:
            dialog.save_finished(True)
        try:
            # Read back as every later start will (environment first, then keychain), in
            # a worker thread: the keychain may block, the event loop must not.
            stored = await CredentialStore().aload(ref)
            session = await self.commands.connect_venue(
                req.venue,
                req.mode,
                req.account,
                credentials=stored.as_ccxt() if stored else None,
                market=req.market,
            )
        except Exception as exc:
            self.notify("error", f"Connecting {req.venue} failed: {exc}")
            return
        if req.market is not MarketType.SPOT:  # the ticket offers it (Send to)
            self.notify("info", f"{session.key.label} connected: the ticket sends to it.")
            return
        self.notify("info", f"{req.venue} ({req.mode.value}) connected.")
        await self.commands.switch_venue(req.venue)

    async def _paper_live(self, dialog: Any, req: Any) -> None:
        """Paper on the venue's live data: no keys; its starting balances first."""
        key = self.services.session_key(req.venue, req.mode, req.account)
        self.services.live_paper.prepare(key, req.balances, req.reset)
        try:
            await self.commands.connect_venue(req.venue, req.mode, req.account)
        except Exception as exc:
            if self.dialog is dialog:
                dialog.save_finished(False, f"Connecting paper on {req.venue} failed: {exc}")
            return
        if self.dialog is dialog:
            dialog.save_finished(True)
        self.notify("info", f"Paper on {req.venue} connected (orders stay on this machine).")
        await self.commands.switch_venue(req.venue)
