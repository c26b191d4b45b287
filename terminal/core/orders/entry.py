"""The entry gate: may this session take orders now? One owner, one typed event.

Inputs, per session:
- connection and reconciliation, set by the order service (`set_block`): a session
  takes no order until it is attached and its orders are reconciled with the venue;
- conditions the application adds (`add_condition`): the testnet lock and the
  emergency stop, the active market's feed freshness, the venue's circuit breaker;
- the clock: conditions that age (a book turning stale, a breaker's retry countdown)
  are re-read by `refresh()`, which the application calls on a slow timer and whenever
  an input it watches changes (a lock or stop change, another market).

Whenever the answer for a session changes, `changed` emits one `EntryReadiness`; views
keep the latest one they were given instead of asking every frame. `readiness(key)`
answers synchronously for the order path itself (submit checks it before any await).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass

from terminal.core.callbacks import Callbacks
from terminal.domain.session import SessionKey

# A condition: why session `key` takes no orders now, or None.
Condition = Callable[[SessionKey], str | None]


@dataclass(frozen=True)
class EntryReadiness:
    """Whether `session` takes orders now; `reason` says why not (None when ready)."""

    session: SessionKey
    ready: bool
    reason: str | None


class EntryGate:
    """Owns the entry readiness of every session it has heard of (module docstring)."""

    def __init__(self) -> None:
        self.changed: Callbacks[EntryReadiness] = Callbacks("entry readiness")
        self._blocks: dict[SessionKey, str] = {}  # connection / reconciliation
        self._attached: set[SessionKey] = set()
        self._conditions: list[Condition] = []
        self._latest: dict[SessionKey, EntryReadiness] = {}
        self._waiters: dict[SessionKey, list[asyncio.Future[None]]] = {}

    # ---- inputs ----------------------------------------------------------------------
    def attached(self, key: SessionKey, reason: str) -> None:
        """Session `key` is connected; entry stays closed for `reason` (reconciling)."""
        self._attached.add(key)
        self.set_block(key, reason)

    def detached(self, key: SessionKey) -> None:
        self._attached.discard(key)
        self.set_block(key, f"{key} is not connected")

    def set_block(self, key: SessionKey, reason: str | None) -> None:
        """The order service's own reason (connection, reconciliation); None lifts it."""
        if reason is None:
            self._blocks.pop(key, None)
            self._wake(key)
        else:
            self._blocks[key] = reason
        self.refresh(key)

    def add_condition(self, condition: Condition) -> Callable[[], None]:
        """Add a reason source (see the module docstring); returns its removal."""
        self._conditions.append(condition)

        def remove() -> None:
            if condition in self._conditions:
                self._conditions.remove(condition)
                self.refresh()

        self.refresh()
        return remove

    # ---- answers ---------------------------------------------------------------------
    def block_reason(self, key: SessionKey) -> str | None:
        """The order service's reason alone: not connected, reconciling, failed."""
        if key not in self._attached:
            return self._blocks.get(key) or f"{key} is not connected"
        return self._blocks.get(key)

    def readiness(self, key: SessionKey) -> EntryReadiness:
        """Every reason that applies to `key` now, joined (fixing one should not reveal
        another by surprise)."""
        reasons: list[str] = []
        for condition in self._conditions:
            reason = condition(key)
            if reason:
                reasons.append(reason)
        own = self.block_reason(key)
        if own:
            reasons.append(own)
        text = "; ".join(reasons) if reasons else None
        return EntryReadiness(key, text is None, text)

    def latest(self, key: SessionKey) -> EntryReadiness | None:
        """The last readiness `changed` delivered for `key` (None before any)."""
        return self._latest.get(key)

    def refresh(self, key: SessionKey | None = None) -> None:
        """Re-read the inputs for `key` (every known session when None); emit changes."""
        keys = [key] if key is not None else list(self._latest.keys() | self._attached)
        for k in keys:
            now = self.readiness(k)
            if self._latest.get(k) != now:
                self._latest[k] = now
                self.changed.emit(now)

    def watch(self, key: SessionKey) -> EntryReadiness:
        """Start delivering `key`'s changes (a view showing a session not attached yet)
        and return its readiness now."""
        self.refresh(key)
        return self._latest[key]

    async def wait_reconciled(self, key: SessionKey, timeout: float) -> bool:
        """Wait (bounded) until the order service's own reason for `key` is lifted;
        True when it was, False on timeout."""
        if key in self._attached and key not in self._blocks:
            return True
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiters.setdefault(key, []).append(future)
        try:
            await asyncio.wait_for(asyncio.shield(future), timeout)
        except TimeoutError:
            return False
        finally:
            waiting = self._waiters.get(key, [])
            if future in waiting:
                waiting.remove(future)
        return True

    def _wake(self, key: SessionKey) -> None:
        if key not in self._attached:
            return
        for future in self._waiters.pop(key, []):
            if not future.done():
                future.set_result(None)
