"""Private streams of a session that keeps its orders on this machine (paper on live):
the session itself hands over its order reports, fills and balances; nothing is
subscribed at the venue. The loop is LIVE at once and runs the same reconciliation hook
as a venue's private stream."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from terminal.core.marketstate import FeedKind, FeedStatus

if TYPE_CHECKING:
    from .feedparts import FeedLoop
    from .session import VenueSession


def serves_private_locally(session: VenueSession) -> bool:
    return bool(getattr(session, "serves_private_locally", False))


async def run_local_private(hub: Any, loop: FeedLoop, session: VenueSession) -> None:
    """Deliver the session's own private events until the loop is released (`hub`: the
    FeedHub running the loop)."""
    key = loop.key
    source: Any = session
    hub._set_status(loop, FeedStatus.LIVE)
    hub._schedule_reconcile(session)
    while hub._loops.get(key) is loop:
        items = await source.local_private(key.kind)
        for item in items:
            if key.kind is FeedKind.ORDERS:
                await hub._notify(hub._order_listeners, session.key, item)
            elif key.kind is FeedKind.MY_TRADES:
                await hub._notify(hub._fill_listeners, session.key, item)
            elif key.kind is FeedKind.BALANCE:
                hub.state.update_balances(session.key, item)
        session.health.feed_message(key, len(items))
