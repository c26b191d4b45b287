"""The order lifecycle: submit, cancel, amend, settle unknown outcomes, reconcile.

Pure core: talks to venues only through `terminal.core.ports.ExchangePort` sessions and
to storage through the journal port; no I/O library is imported here.
"""

from terminal.core.orders.errors import (
    EntryNotReady,
    NotConnected,
    NotSupported,
    OrderServiceError,
    SubmitRefused,
    UnknownOrder,
)
from terminal.core.orders.gate import BasicGate
from terminal.core.orders.policy import OrderPolicy
from terminal.core.orders.reconcile import ReconcileResult
from terminal.core.orders.service import OrderService

__all__ = [
    "BasicGate",
    "EntryNotReady",
    "NotConnected",
    "NotSupported",
    "OrderPolicy",
    "OrderService",
    "OrderServiceError",
    "ReconcileResult",
    "SubmitRefused",
    "UnknownOrder",
]
