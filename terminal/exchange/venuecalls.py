"""The call wrappers of a venue session: every ccxt call goes through the request policy
(rate budget, REST pause, circuit breaker), is timed for the health tracker and has its
exception classified once (`terminal.exchange.errors`). Reads retry transient failures
with backoff; create, cancel and edit are never retried.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar, cast

from terminal.core.errors import ClockOutOfSyncError, ErrorKind, VenueError
from terminal.core.health import VenueHealthTracker
from terminal.core.policy import RequestPolicy
from terminal.core.retry import retry_until
from terminal.core.supervision import TaskOwner
from terminal.domain.session import SessionKey

from .catalogue import VenueInfo
from .errors import Op, classify, is_clock_refusal

log = logging.getLogger(__name__)
T = TypeVar("T")


# Error kinds that count as a venue failure in the health error rate (a rejected order
# or an unknown order id is the venue answering properly).
_FAILURE_KINDS = frozenset(
    {
        ErrorKind.TRANSIENT,
        ErrorKind.UNKNOWN_OUTCOME,
        ErrorKind.RATE_LIMITED,
        ErrorKind.AUTHENTICATION,
        ErrorKind.INTERNAL,
    }
)


class VenueCalls:
    """The call wrappers (mixed into `VenueSession`, which owns the policy, the health
    tracker, the REST client and the clock re-measure they use)."""

    info: VenueInfo
    venue: Any
    key: SessionKey
    policy: RequestPolicy
    health: VenueHealthTracker
    _rest: Any
    _secrets: tuple[str, ...]
    _owner: TaskOwner
    probe: Callable[[], Awaitable[bool]]
    resync_clock: Callable[[], Awaitable[float | None]]

    async def _resync_quietly(self) -> None:
        try:
            await self.resync_clock()
        except VenueError as exc:
            log.info("%s: clock re-measure failed: %s", self.key.label, exc)

    def _record_success(self) -> None:
        self.policy.record_success()
        self.health.record_request(True)

    def _record_failure(self, err: VenueError) -> None:
        retry_after = getattr(err, "retry_after", None)
        self.policy.record_error(err.kind, retry_after)
        if err.kind in _FAILURE_KINDS:
            self.health.record_request(False, str(err))
        else:
            self.health.record_request(True)
            self.health.record_error_text(str(err))

    async def _call_once(
        self, fn: Callable[..., Awaitable[T]], *args: Any, op: Op = Op.READ, **kwargs: Any
    ) -> T:
        try:
            result = await fn(*args, **kwargs)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            err = classify(exc, op=op, venue=self.venue, exchange=self._rest, secrets=self._secrets)
            self._record_failure(err)
            if op is Op.WRITE and is_clock_refusal(exc) and self.info.has_fetch_time:
                # refused, so nothing happened; the next order must not be refused too
                self._owner.spawn(self._resync_quietly(), "clock-resync")
            raise err from None
        self._record_success()
        return result

    async def read(self, fn: Callable[..., Awaitable[T]], *args: Any, **kwargs: Any) -> T:
        """An idempotent read: waits out a REST pause, retries transient failures (the
        policy says which and how often), with the read backoff between attempts."""
        resynced = False

        async def attempt() -> T:
            nonlocal resynced
            wait = self.policy.read_wait()
            if wait > 0:
                await asyncio.sleep(wait)
            try:
                return await self._call_once(fn, *args, **kwargs)
            except ClockOutOfSyncError:
                if resynced or not self.info.has_fetch_time:
                    raise
                resynced = True
                await self.resync_clock()  # then again at once: the stamp was the fault
                return await self._call_once(fn, *args, **kwargs)

        def give_up(err: BaseException, n: int) -> bool:
            return not (isinstance(err, VenueError) and self.policy.should_retry_read(err.kind, n))

        result = await retry_until(
            attempt, backoff=self.policy.read_backoff(), retry_on=(VenueError,), give_up=give_up
        )
        return cast(T, result)  # never None: without `stop` it returns or raises

    async def _order_call(self, fn: Callable[..., Awaitable[T]], *args: Any) -> T:
        """create/edit: breaker, pause and order budget first; never retried."""
        self.policy.check_order_allowed(consume=False)
        if self.policy.needs_probe():
            await self.probe()
        self.policy.check_order_allowed(consume=True)
        return await self._call_once(fn, *args, op=Op.WRITE)

    async def _cancel_call(self, fn: Callable[..., Awaitable[T]], *args: Any) -> T:
        self.policy.check_cancel_allowed()
        return await self._call_once(fn, *args, op=Op.WRITE)
