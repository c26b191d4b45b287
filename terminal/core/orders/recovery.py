"""A failed reconciliation is tried again, with backoff, until it succeeds.

Order entry on the venue stays closed meanwhile, and its reason says what failed and
when the next attempt is due, so the ticket and the health panel never show a venue as
ready to trade while its open orders are unknown. The retries end when the reconciliation
succeeds, the venue is detached or the service closes.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from typing import Any, Protocol

from terminal.core.orders.policy import OrderPolicy
from terminal.core.policy import Backoff
from terminal.core.ports import ExchangePort
from terminal.core.retry import Failure, retry_until
from terminal.domain.session import SessionKey


class RecoveryService(Protocol):
    """What the retry loop uses of the order service: public methods only."""

    @property
    def closed(self) -> bool: ...
    @property
    def policy(self) -> OrderPolicy: ...
    def spawn(self, coro: Coroutine[Any, Any, Any], name: str) -> asyncio.Task[Any]: ...
    def session(self, key: SessionKey) -> ExchangePort | None: ...
    def entry_ready(self, key: SessionKey) -> bool: ...
    def set_entry_block(self, key: SessionKey, reason: str | None) -> None: ...
    async def reconcile(
        self, key: SessionKey, *, close_entry: bool = True, retry: bool = True
    ) -> Any: ...


log = logging.getLogger(__name__)


class ReconcileRecovery:
    """One retry loop per venue whose last reconciliation failed."""

    def __init__(self, service: RecoveryService) -> None:
        self.service = service
        self._loops: dict[SessionKey, asyncio.Task[Any]] = {}

    def running(self, venue: SessionKey) -> bool:
        task = self._loops.get(venue)
        return task is not None and not task.done()

    def failed(self, venue: SessionKey, result: Any) -> None:
        """The reconciliation of `venue` failed: retry it (one loop per venue)."""
        service = self.service
        if self.running(venue) or service.closed:
            return
        policy = service.policy
        backoff = Backoff(base=policy.reconcile_retry_base_s, cap=policy.reconcile_retry_max_s)
        delay = backoff.next_delay()
        self._announce(venue, Failure(0, result, None, delay))
        self._loops[venue] = service.spawn(
            self._retry(venue, backoff, delay), f"reconcile-retry:{venue}"
        )

    def cancel(self, venue: SessionKey) -> None:
        task = self._loops.pop(venue, None)
        if task is not None and task is not asyncio.current_task():
            task.cancel()

    def _gone(self, venue: SessionKey) -> bool:
        """Nothing left to retry for: closed, detached, or another pass succeeded."""
        service = self.service
        return service.closed or service.session(venue) is None or service.entry_ready(venue)

    async def _retry(self, venue: SessionKey, backoff: Backoff, first_delay: float) -> None:
        await asyncio.sleep(first_delay)
        if self._gone(venue):
            return
        result = await retry_until(
            lambda: self.service.reconcile(venue, close_entry=True, retry=False),
            backoff=backoff,
            ok=lambda r: bool(getattr(r, "ok", False)),
            retry_on=(Exception,),  # whatever failed, entry stays closed and says why
            on_failure=lambda f: self._announce(venue, f),
            stop=lambda: self._gone(venue),
        )
        if result is not None:
            log.info("%s: reconciliation succeeded on a retry; order entry is open", venue)

    def _announce(self, venue: SessionKey, failure: Failure[Any]) -> None:
        error = getattr(failure.result, "error", None) or failure.error or "failed"
        reason = (
            f"reconciliation with {venue} failed: {error}; retrying in {failure.next_delay_s:.0f} s"
        )
        log.warning(
            "%s (attempt %d)",
            reason,
            failure.attempt + 1,
            exc_info=failure.error if failure.error is not None else None,
        )
        if self.service.session(venue) is not None:
            self.service.set_entry_block(venue, reason)
