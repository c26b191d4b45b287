"""The paper exchange the services connect the paper venue to: the one given by
--paper-url (or `paper.url` in the settings; it must be loopback), else the embedded one,
started once and stopped again; and the further paper exchanges of `paper.others`, each
registered as a venue of its own. Part of `TerminalServices`."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from terminal.logsetup import register_secret
from terminal.services.options import (
    CLOSE_TIMEOUT_S,
    ServicesError,
    ServicesOptions,
    parse_paper_account,
)

if TYPE_CHECKING:
    from terminal.exchange.manager import ExchangeManager
    from terminal.paths import AppPaths
    from terminal.settings import Settings


class PaperExchangeHost:
    """Starts or joins the paper exchange (state held by `TerminalServices`)."""

    options: ServicesOptions
    paths: AppPaths
    settings: Settings
    exchange: ExchangeManager | None
    paper: Any  # PaperExchangeHandle when embedded
    paper_endpoint: Any  # terminal.exchange.session.PaperEndpoint
    _paper_lock: asyncio.Lock

    async def paper_exchange(self) -> Any:
        """The paper endpoint: --paper-url, else the embedded exchange (started once)."""
        if self.paper_endpoint is not None:
            return self.paper_endpoint
        from terminal.exchange.session import PaperEndpoint

        url, _ = self._paper_url()
        if url:
            await self._check_paper_url()
            if not self.options.paper_account:
                raise ServicesError("--paper-url needs --paper-account KEY:SECRET")
            key, secret = parse_paper_account(self.options.paper_account)
            register_secret(secret)
            self.paper_endpoint = PaperEndpoint(url.rstrip("/"), ((key, secret),))
            return self.paper_endpoint
        if not self.options.start_paper:
            raise ServicesError("no paper exchange: give --paper-url and --paper-account")
        await self.start_embedded_paper()
        accounts = list(self.paper.accounts)
        if self.options.paper_account:
            accounts.insert(0, parse_paper_account(self.options.paper_account))
        self.paper_endpoint = PaperEndpoint(self.paper.url, tuple(accounts))
        return self.paper_endpoint

    async def start_embedded_paper(self) -> None:
        """Start the embedded paper exchange (once; the one place that starts it), unless
        a paper URL is given or starting one is off.

        It needs neither ccxt nor the journal, so the GUI calls this before `start()`
        and the child process boots while the rest loads; `paper_exchange()` then uses
        it. `stop_paper()` (also part of `aclose()`) stops it.
        """
        async with self._paper_lock:
            if self.paper is not None or self._paper_url()[0] or not self.options.start_paper:
                return
            from terminal.paper.embedded import start_paper_exchange_async

            try:
                self.paper = await start_paper_exchange_async(
                    self.paths.ensure_data() / "paper", seed=self.settings.paper.seed
                )
            except Exception as exc:
                raise ServicesError(f"the embedded paper exchange did not start: {exc}") from exc

    async def stop_paper(self, timeout: float = CLOSE_TIMEOUT_S) -> None:
        """Stop the embedded paper exchange, if one runs (its child process, bounded)."""
        if self.paper is not None:
            paper, self.paper = self.paper, None
            await asyncio.to_thread(paper.stop, timeout)

    async def _check_paper_url(self) -> None:
        """A paper URL from the options or settings must be loopback (ServicesError)."""
        url, source = self._paper_url()
        if not url:
            return
        from terminal.loopback import NotLoopbackError, check_loopback_url, paper_refusal_text

        try:
            await asyncio.to_thread(check_loopback_url, url)
        except NotLoopbackError as exc:
            raise ServicesError(paper_refusal_text(source, exc)) from None

    async def _add_paper_venues(self) -> None:
        """`paper.others` in settings.json: further paper exchanges, each a venue."""
        from terminal.exchange.paper_venues import PaperVenueRefused, add_paper_venues

        where = f"paper.others in {self.paths.config / 'settings.json'}"
        try:
            await add_paper_venues(self.exchange, self.settings.paper.others, where)
        except PaperVenueRefused as exc:
            raise ServicesError(str(exc)) from None

    def _paper_url(self) -> tuple[str, str]:
        """The paper URL to join ("" = start the embedded exchange) and where it came from."""
        if self.options.paper_url:
            return self.options.paper_url, "--paper-url"
        if self.settings.paper.url:
            return self.settings.paper.url, f"paper.url in {self.paths.config / 'settings.json'}"
        return "", ""
