"""The start of one GUI run, for the GUI's controller: the paper child process, the
ccxt import (in a worker thread) and the light panels in parallel, then the services
(journal, safety state), the core wiring, the paper venue with the remembered
connections behind it, and the late panels. A start that fails says why in the window
(and in every dock) instead of a traceback. Part of `TerminalController`."""

from __future__ import annotations

import argparse
import asyncio
import logging
import time
from typing import TYPE_CHECKING, Any

from terminal.ui.probe import mark

log = logging.getLogger(__name__)

PAPER = "paper"


class StartSequence:
    """The start-up of `TerminalController` (which holds the state used here)."""

    window: Any  # MainWindow
    paths: Any  # AppPaths
    settings: Any  # Settings
    args: argparse.Namespace
    services: Any  # TerminalServices
    _services_options: Any
    _extra_venues: tuple[Any, ...]
    started: Any  # Signal()
    start_failed: Any  # Signal(str)
    services_up: Any  # Signal()
    ready: bool
    error: str | None
    journal_held_elsewhere: bool

    tasks: Any  # TaskOwner
    reconnect: Any  # ReconnectWiring
    symbol: str
    timeframe: str
    _start_task: asyncio.Task[Any] | None
    _closed: bool

    if TYPE_CHECKING:

        def _build_panels(self) -> None: ...

        async def connect_venue(self, venue: str) -> Any: ...

        async def _activate(self, venue: str, symbol: str, timeframe: str) -> None: ...

        async def _build_late_panels(self) -> None: ...

        async def _wire_core(self) -> None: ...

        def bring_to_front(self) -> None: ...

    def start(self) -> asyncio.Task[Any] | None:
        """Start building panels and services (returns the owned start task)."""
        if self._start_task is None and not self._closed:
            self._start_task = self.tasks.spawn(self._start(), "start")
        return self._start_task

    async def _start(self) -> None:
        try:
            await self._start_inner()
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            from terminal.services import journal_held_elsewhere

            if journal_held_elsewhere(exc):
                # another process runs on this journal: this window must not overwrite
                # its settings or layout when it closes
                self.journal_held_elsewhere = True
                self.window.discard_layout_changes()
                log.warning("The terminal is already running: %s", exc)
            else:
                log.exception("The terminal could not start")
            self.error = f"{type(exc).__name__}: {exc}"
            self.window.show_notice(f"Could not start: {exc}")
            for name in self.window.docks:
                self.window.set_placeholder(name, f"Not connected:\n{exc}")
            self.start_failed.emit(self.error)

    async def _start_inner(self) -> None:
        t0 = time.monotonic()
        from terminal.services import ServicesOptions, TerminalServices, preload_exchange_layer

        options = self._services_options or ServicesOptions.from_args(self.args)
        options.private_streams = True
        services = self.services = TerminalServices(
            options, paths=self.paths, settings=self.settings
        )
        # Critical path to a live book: the paper child process boots first (its own
        # process, in parallel), ccxt is imported in a worker thread (off the GUI thread),
        # the panels are built meanwhile on this thread, then the journal opens.
        loop = asyncio.get_running_loop()
        preload = loop.run_in_executor(None, preload_exchange_layer)
        paper = asyncio.ensure_future(services.start_embedded_paper())
        await asyncio.sleep(0)
        self._build_panels()
        await asyncio.sleep(0)
        try:
            await preload
            mark("ccxt_imported")
            await services.start()
            mark("journal_open")
            services.show_window = self.bring_to_front
            self.services_up.emit()
            services.register_venues(self._extra_venues)
            await paper
            mark("paper_exchange_up")
            await services.paper_exchange()
        finally:
            if not paper.done():
                paper.cancel()
        log.info("services up after %.2f s", time.monotonic() - t0)
        await self._wire_core()
        await self._connect_initial()
        mark("venue_connected")
        self.ready = True
        self.started.emit()
        log.info("terminal ready after %.2f s", time.monotonic() - t0)
        await self._build_late_panels()

    async def _connect_initial(self) -> None:
        """Paper first (the first live book waits for nothing else), then the remembered
        connections in the background; none of them can delay or fail the start."""
        await self.connect_venue(PAPER)
        await self._activate(PAPER, self.symbol, self.timeframe)
        self.reconnect.start()
