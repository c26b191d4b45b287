"""Safety: testnet lock, emergency stop, pre-trade precautions and the gate combining them.

Pure core (no Qt, no I/O library). Typical wiring (the composition root does this):

    safety = await SafetyState.open(journal, settings.precautions)
    order_service = OrderService(..., gate=safety.gate)
    safety.subscribe(ui_bridge)           # TESTNET/LIVE and stop ENGAGED in the UI
    safety.stop.engage()                  # STOP button: blocks new orders at once
    result = await safety.stop.sweep(sessions)   # then cancels what is open
"""

from terminal.core.safety.events import SafetyJournalWriter
from terminal.core.safety.gate import EMERGENCY_STOP, TESTNET_LOCK, OrderBlocked, SafetyGate
from terminal.core.safety.lock import (
    LockSnapshot,
    TestnetLock,
    UnlockRefused,
    confirmation_phrase,
    effective_mode,
)
from terminal.core.safety.precautions import PrecautionConfig, Precautions
from terminal.core.safety.state import SafetySnapshot, SafetyState
from terminal.core.safety.stop import (
    RESET_PHRASE,
    EmergencyStop,
    ResetRefused,
    StopSnapshot,
    StopState,
)
from terminal.core.safety.sweep import StopSweeper, order_service_sink
from terminal.core.safety.sweep_results import StopResult, VenueStopResult
from terminal.core.safety.targets import (
    EVERYTHING,
    BadStopTarget,
    StopScope,
    StopTarget,
    targets_named,
)

__all__ = [
    "EMERGENCY_STOP",
    "EVERYTHING",
    "RESET_PHRASE",
    "TESTNET_LOCK",
    "BadStopTarget",
    "EmergencyStop",
    "LockSnapshot",
    "OrderBlocked",
    "PrecautionConfig",
    "Precautions",
    "ResetRefused",
    "SafetyGate",
    "SafetyJournalWriter",
    "SafetySnapshot",
    "SafetyState",
    "StopResult",
    "StopScope",
    "StopSnapshot",
    "StopState",
    "StopSweeper",
    "StopTarget",
    "TestnetLock",
    "UnlockRefused",
    "VenueStopResult",
    "confirmation_phrase",
    "effective_mode",
    "order_service_sink",
    "targets_named",
]
