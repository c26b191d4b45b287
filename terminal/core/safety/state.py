"""SafetyState: the lock, the stop and the gate together, with Qt-free listeners.

The UI subscribes once and repaints the two always-visible switches (TESTNET/LIVE,
stop OFF/ENGAGED) from the snapshot it gets; the composition root builds one
SafetyState per app run (`await SafetyState.open(journal, settings.precautions)`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from terminal.core.callbacks import Callbacks
from terminal.core.ports import JournalPort
from terminal.core.safety.events import SafetyJournalWriter
from terminal.core.safety.gate import SafetyGate
from terminal.core.safety.lock import LockSnapshot, TestnetLock
from terminal.core.safety.precautions import PrecautionConfig, Precautions
from terminal.core.safety.stop import EmergencyStop, StopSnapshot

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SafetySnapshot:
    lock: LockSnapshot
    stop: StopSnapshot

    @property
    def lock_label(self) -> str:
        return self.lock.label  # "TESTNET" or "LIVE"

    @property
    def stop_label(self) -> str:
        return self.stop.label  # "LOADING", "OFF" or "ENGAGED"

    @property
    def stop_engaged(self) -> bool:
        return self.stop.engaged is not None


class SafetyState:
    """Facade owning one journal writer shared by the lock, the stop and the gate."""

    def __init__(
        self, journal: JournalPort | None = None, precautions: PrecautionConfig | None = None
    ) -> None:
        self.writer = SafetyJournalWriter(journal)
        self.lock = TestnetLock(self.writer)
        self.stop = EmergencyStop(self.writer)
        self.gate = SafetyGate(self.lock, self.stop, Precautions(precautions), self.writer)
        self.changed: Callbacks[SafetySnapshot] = Callbacks("safety")
        self.lock.subscribe(lambda _s: self._notify())
        self.stop.subscribe(lambda _s: self._notify())

    @classmethod
    async def open(
        cls, journal: JournalPort | None, precaution_settings: Any = None
    ) -> SafetyState:
        """Build and load the stop's persisted state (blocking entry until loaded)."""
        config = (
            PrecautionConfig.from_settings(precaution_settings)
            if precaution_settings is not None
            else None
        )
        state = cls(journal, config)
        await state.stop.load()
        return state

    def set_precautions(self, precaution_settings: Any) -> None:
        """Apply edited settings (the gate reads the new config from the next ticket on)."""
        self.gate.precautions = Precautions(PrecautionConfig.from_settings(precaution_settings))

    def snapshot(self) -> SafetySnapshot:
        return SafetySnapshot(self.lock.snapshot(), self.stop.snapshot())

    def subscribe(
        self, listener: Callable[[SafetySnapshot], None], *, call_now: bool = True
    ) -> Callable[[], None]:
        """Call `listener(snapshot)` on every change; returns an unsubscribe function."""
        remove = self.changed.add(listener)
        if call_now:
            self._call(listener, self.snapshot())
        return remove

    async def aclose(self) -> None:
        """Write any queued safety events and stop the writer task."""
        await self.writer.aclose()

    def _notify(self) -> None:
        self.changed.emit(self.snapshot())

    @staticmethod
    def _call(listener: Callable[[SafetySnapshot], None], snap: SafetySnapshot) -> None:
        try:
            listener(snap)
        except Exception:
            log.exception("safety listener failed")
