"""The testnet lock: while it is on, no order can reach a venue that moves real money.

It is ON at every start, by construction: `TestnetLock()` takes no argument that could
start it unlocked, and nothing here reads a settings file, an environment variable or
a command-line flag. Unlocking is a deliberate act per venue and account, confirmed by
typing a phrase that names both; it lives in memory for this run only and is journaled.
Locking again is one call and always succeeds.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from terminal.core.callbacks import Callbacks
from terminal.core.safety.events import (
    LOCK_LOCKED,
    LOCK_UNLOCK_REFUSED,
    LOCK_UNLOCKED,
    SafetyJournalWriter,
)
from terminal.domain.enums import VenueMode
from terminal.domain.ids import AccountLabel, VenueId

log = logging.getLogger(__name__)

# Modes that never move real money: orders to them pass the lock.
SAFE_MODES = frozenset({VenueMode.PAPER, VenueMode.PAPER_LIVE, VenueMode.SANDBOX, VenueMode.DEMO})


class UnlockRefused(Exception):
    """The typed phrase did not match; the lock stays on."""


def confirmation_phrase(venue: str, account: str) -> str:
    """The exact text a user types to unlock live orders on `venue` for `account`."""
    return f"UNLOCK LIVE {venue} {account}"


def effective_mode(*modes: VenueMode | str | None) -> VenueMode:
    """The most real-money mode among those given (LIVE > SANDBOX, DEMO > PAPER_LIVE >
    PAPER).

    The gate sees a mode on the ticket and one on the session; if they disagree, the
    riskier one counts, so a ticket labelled PAPER cannot slip onto a live session.
    An unrecognised or missing mode counts as LIVE.
    """
    rank = {
        VenueMode.PAPER: 0,
        VenueMode.PAPER_LIVE: 1,
        VenueMode.SANDBOX: 2,
        VenueMode.DEMO: 2,
        VenueMode.LIVE: 3,
    }
    best = VenueMode.PAPER
    seen = False
    for m in modes:
        if m is None:
            continue
        try:
            mode = VenueMode(m)
        except ValueError:
            return VenueMode.LIVE
        seen = True
        if rank[mode] > rank[best]:
            best = mode
    return best if seen else VenueMode.LIVE


@dataclass(frozen=True)
class LockSnapshot:
    locked: bool  # True while no live venue/account is unlocked
    unlocked: tuple[tuple[str, str], ...]  # (venue, account) pairs open for live orders

    @property
    def label(self) -> str:
        """What the status bar shows: TESTNET while locked, LIVE once anything is unlocked."""
        return "TESTNET" if self.locked else "LIVE"


class TestnetLock:
    """In-memory testnet lock. Thread-unsafe by design: used on the event loop thread."""

    __test__ = False  # not a pytest test class despite the name

    def __init__(self, writer: SafetyJournalWriter | None = None) -> None:
        self._writer = writer or SafetyJournalWriter(None)
        self._unlocked: set[tuple[str, str]] = set()
        self.changed: Callbacks[LockSnapshot] = Callbacks("testnet lock")

    # ---- queries ----------------------------------------------------------------
    @property
    def locked(self) -> bool:
        return not self._unlocked

    def is_unlocked(self, venue: str, account: str) -> bool:
        return (str(venue), str(account)) in self._unlocked

    def snapshot(self) -> LockSnapshot:
        return LockSnapshot(self.locked, tuple(sorted(self._unlocked)))

    def entry_block_reason(
        self, venue: str, mode: VenueMode | str | None, account: str
    ) -> str | None:
        """Why order entry is disabled for this connection, or None if it may trade.

        PAPER, PAPER_LIVE, SANDBOX and DEMO connections always may; a LIVE one only after
        `unlock` for exactly this venue and account in this run. Market data and balances
        of a live connection are not affected: only order entry is.
        """
        if effective_mode(mode) in SAFE_MODES:
            return None
        if self.is_unlocked(venue, account):
            return None
        return (
            f"Testnet lock is ON: orders to the live venue {venue} (account {account}) are "
            f"disabled. Market data and balances still work. To trade real money, unlock it "
            f'by typing "{confirmation_phrase(venue, account)}".'
        )

    # ---- changes ----------------------------------------------------------------
    def unlock(self, venue: str, account: str, typed_phrase: str) -> None:
        """Allow live orders on `venue` for `account` until `lock()` or the app exits.

        Raises UnlockRefused unless `typed_phrase` is exactly the confirmation phrase
        (surrounding whitespace aside). The refusal is journaled too.
        """
        venue_id, label = VenueId(str(venue)), AccountLabel(str(account))
        expected = confirmation_phrase(venue_id, label)
        if not isinstance(typed_phrase, str) or typed_phrase.strip() != expected:
            self._writer.record(LOCK_UNLOCK_REFUSED, {"venue": venue_id, "account": label})
            raise UnlockRefused(f"the typed text does not match; type exactly: {expected}")
        if (venue_id, label) in self._unlocked:
            return
        self._unlocked.add((str(venue_id), str(label)))
        log.warning(
            "testnet lock: live orders unlocked for %s account %s (this run only)", venue_id, label
        )
        self._writer.record(LOCK_UNLOCKED, {"venue": venue_id, "account": label})
        self._notify()

    def lock(self) -> None:
        """Lock everything again (one call, always succeeds, journaled)."""
        was = sorted(self._unlocked)
        self._unlocked.clear()
        self._writer.record(LOCK_LOCKED, {"previously_unlocked": [f"{v}/{a}" for v, a in was]})
        if was:
            log.warning("testnet lock: locked again")
        self._notify()

    # ---- listeners (Qt-free: the UI bridges them to signals) ----------------------
    def subscribe(self, listener: Callable[[LockSnapshot], None]) -> Callable[[], None]:
        return self.changed.add(listener)

    def _notify(self) -> None:
        self.changed.emit(self.snapshot())
