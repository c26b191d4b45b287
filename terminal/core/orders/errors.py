"""What the order service refuses with, so callers can show the reason where it belongs."""

from __future__ import annotations

from collections.abc import Sequence

from terminal.core.ports import Refusal
from terminal.domain.order import Order
from terminal.domain.session import SessionKey


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
    """Order entry for this session is disabled (not connected, reconciliation running)."""

    def __init__(self, session: SessionKey, reason: str) -> None:
        self.session = session
        self.venue = session.venue
        self.reason = reason
        super().__init__(f"{session.label}: {reason}")


class UnknownOrder(OrderServiceError):
    """No order with that client order id in the journal."""


class NotConnected(OrderServiceError):
    """No session for that venue."""


class NotSupported(OrderServiceError):
    """The venue does not offer this operation (e.g. amend)."""


class NotSent(OrderServiceError):
    """The journal could not record the intent, so nothing was sent to the venue."""

    def __init__(self, what: str, reason: str) -> None:
        self.reason = reason
        super().__init__(f"nothing was sent: the journal could not record the {what}: {reason}")


class SentNotJournaled(OrderServiceError):
    """The venue was asked (and may have acted) but the journal could not record the
    answer. The request must NOT be repeated: the intent is journaled, so the next
    reconciliation settles it from the venue. `order` is its state in memory."""

    def __init__(self, order: Order, reason: str, action: str = "order") -> None:
        self.order = order
        self.reason = reason
        self.action = action
        super().__init__(sent_message(order, reason, action))


def sent_message(order: Order, reason: str, action: str = "order") -> str:
    """ "sent and accepted as <id>; the journal could not record it: <reason>" and what
    happens next, worded for the order's state in memory."""
    coid, status, vid, venue = (
        order.client_order_id,
        order.status.value,
        order.venue_order_id,
        order.venue,
    )
    extra = f" {venue} order id {vid}, {status}." if vid else ""
    if action == "cancel":
        head = f"cancel of {coid} sent to {venue}"
    elif status in ("open", "partially_filled", "filled", "canceled", "expired"):
        head = f"sent and accepted as {coid}"
    elif status == "rejected":
        head = f"sent as {coid} and rejected by {venue}"
    else:
        head = f"sent as {coid}, outcome unknown"
    return (
        f"{head}; the journal could not record it: {reason}.{extra} Do not send it "
        f"again: the next start reconciles it with {venue}."
    )
