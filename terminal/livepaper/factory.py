"""Building paper-on-live sessions for the exchange manager: each venue and account has
its own local venue (balances, orders, fills) in a folder of its own under the data
directory, and the starting balances the user chose for it."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from pathlib import Path
from typing import Any

from terminal.domain.enums import VenueMode
from terminal.domain.ids import AccountLabel, VenueId
from terminal.domain.session import SessionKey
from terminal.exchange.catalogue import VenueInfo
from terminal.exchange.manager import ExchangeManager

from .session import LivePaperSession


class LivePaperFactory:
    """`ExchangeManager.session_factories[VenueMode.PAPER_LIVE]`."""

    def __init__(self, manager: ExchangeManager, data_dir: Path | None) -> None:
        self.manager = manager
        self.data_dir = data_dir
        self._pending: dict[SessionKey, tuple[dict[str, Decimal] | None, bool]] = {}

    def prepare(
        self, key: SessionKey, balances: Mapping[str, Decimal] | None, reset: bool = False
    ) -> None:
        """The starting balances of the session `key` connects next (None: 10,000 USDT):
        they apply to a new account, or replace everything of an existing one when
        `reset`."""
        self._pending[key] = (None if balances is None else dict(balances), reset)

    def folder(self, venue: str, account: str) -> Path | None:
        if self.data_dir is None:
            return None
        return self.data_dir / venue / account

    def __call__(
        self, info: VenueInfo, mode: VenueMode, account: str = "default", **kwargs: Any
    ) -> LivePaperSession:
        key = SessionKey(VenueId(info.id), mode, AccountLabel(account))
        balances, reset = self._pending.pop(key, (None, False))
        return LivePaperSession(
            info,
            mode,
            account,
            hub=self.manager.feeds,
            balances=balances,
            reset=reset,
            data_dir=self.folder(str(info.id), str(account)),
            **kwargs,
        )


def install(manager: ExchangeManager, data_dir: Path | None) -> LivePaperFactory:
    """Let `manager` connect paper-on-live sessions (mode paper-live) of every venue."""
    factory = LivePaperFactory(manager, data_dir)
    manager.session_factories[VenueMode.PAPER_LIVE] = factory
    return factory
