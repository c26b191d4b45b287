"""What the order service refuses with, so callers can show the reason where it belongs."""

from __future__ import annotations

from typing import Sequence

from terminal.core.ports import Refusal


class OrderServiceError(Exception):
    """Base of the order service's named errors."""


class SubmitRefused(OrderServiceError):
    """The gate (or double-submit protection) refused the ticket; nothing was sent.

    `overridable` is True when every refusal may be confirmed by the user (then resubmit
    with `confirmed` holding their rule names).
    """

    def __init__(self, refusals: Sequence[Refusal]) -> None:
        self.refusals = tuple(refusals)
        super().__init__("; ".join(r.message for r in self.refusals) or "refused")

    @property
    def overridable(self) -> bool:
        return bool(self.refusals) and all(r.overridable for r in self.refusals)

    @property
    def rules(self) -> frozenset[str]:
        return frozenset(r.rule for r in self.refusals)


class EntryNotReady(OrderServiceError):
    """Order entry for this venue is disabled (not connected, reconciliation running)."""

    def __init__(self, venue: str, reason: str) -> None:
        self.venue = venue
        self.reason = reason
        super().__init__(f"{venue}: {reason}")


class UnknownOrder(OrderServiceError):
    """No order with that client order id in the journal."""


class NotConnected(OrderServiceError):
    """No session for that venue."""


class NotSupported(OrderServiceError):
    """The venue does not offer this operation (e.g. amend)."""
