"""The async half of the emergency stop: cancel every open order, venue by venue.

Per venue (all venues concurrently):
1. list what is open: the venue's open orders (one call, all symbols) united with the
   journal's open orders for that venue/account, so an order the venue forgot to list
   or the journal does not know is still swept;
2. scope ALL: `cancel_all_orders(symbol)` per symbol where the venue has it, else one
   cancel per order; scope TERMINAL: one cancel per journal-known, non-external order
   (never cancel-all, which would hit orders this terminal did not place);
3. wait (bounded) for orders in flight (PENDING_SUBMIT in the journal) to settle, then
   sweep once more, then list open orders again to verify.
A stop reset meanwhile ends the sweep after the step under way: an order placed after
the reset is the user's again and is never cancelled by a sweep of the lifted stop.
Transient errors, rate limits and unknown outcomes are retried a bounded number of
times (cancelling twice is harmless; "not found" means already gone). What could not be
cancelled is reported per venue: failures, and orders whose outcome stayed unknown.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, TypeVar, cast

from terminal.core.errors import (
    OrderNotFoundError,
    OutcomeUnknownError,
    RateLimitedError,
    TransientError,
    VenueError,
)
from terminal.core.ports import ExchangePort, JournalPort
from terminal.core.retry import Failure, Schedule, retry_until
from terminal.core.safety.sweep_results import StopResult, SweepPlan, VenueStopResult, order_key
from terminal.core.safety.targets import StopScope, StopTarget
from terminal.domain.enums import HeldBy, OrderType, Side
from terminal.domain.ids import ClientOrderId, IdError, Symbol, VenueOrderId
from terminal.domain.order import EventSource, IllegalTransition, Order, OrderError, OrderStatus
from terminal.domain.reports import OrderReport, events_for_report

log = logging.getLogger(__name__)

T = TypeVar("T")
# The order service (when running) takes the venue's cancel reports and updates its own
# orders; without one the sweeper applies them to the journal itself.
ReportSink = Callable[[ExchangePort, Sequence[OrderReport]], Awaitable[None]]

RETRYABLE = (TransientError, RateLimitedError, OutcomeUnknownError)


class StopSweeper:
    """One sweep over a set of sessions. Bounded in time by retries and settle_timeout."""

    def __init__(
        self,
        journal: JournalPort | None,
        *,
        report_sink: ReportSink | None = None,
        settle_timeout: float = 10.0,
        attempts: int = 4,
        backoff: Sequence[float] = (0.2, 0.5, 1.0),
        max_retry_after: float = 3.0,
        concurrency: int = 4,
        poll_interval: float = 0.1,
        venue_timeout: float = 90.0,
        engaged: Callable[[], bool] | None = None,
    ) -> None:
        self._journal = journal
        self._engaged = engaged or (lambda: True)
        self._sink = report_sink
        self._settle_timeout = settle_timeout
        self._attempts = max(1, attempts)
        self._backoff = tuple(backoff) or (0.2,)
        self._max_retry_after = max_retry_after
        self._concurrency = max(1, concurrency)
        self._poll = poll_interval
        self._venue_timeout = venue_timeout

    async def sweep(self, sessions: Sequence[ExchangePort], scope: StopScope) -> StopResult:
        """Every open order (of `scope`) on every one of `sessions`."""
        return await self.sweep_plans([SweepPlan(s, scope) for s in sessions], scope)

    async def sweep_plans(
        self,
        plans: Sequence[SweepPlan],
        scope: StopScope,
        targets: Sequence[StopTarget] = (),
    ) -> StopResult:
        """Each plan's session, concurrently, limited to the plan's scope and symbols."""
        result = StopResult(scope, targets=list(targets))
        outcomes = await asyncio.gather(
            *(self._sweep_session(p) for p in plans), return_exceptions=True
        )
        for session, outcome in zip([p.session for p in plans], outcomes, strict=False):
            if isinstance(outcome, VenueStopResult):
                result.venues.append(outcome)
            else:  # a bug or cancellation inside one venue's sweep must not hide the others
                r = _new_result(session)
                r.failures.append(f"sweep failed: {type(outcome).__name__}: {outcome}")
                result.venues.append(r)
        for r in result.venues:
            log.warning("emergency stop: %s", r.line())
        return result

    # ---- one venue ------------------------------------------------------------------
    async def _sweep_session(self, plan: SweepPlan) -> VenueStopResult:
        """One venue, bounded by `venue_timeout`; partial results survive a timeout."""
        res = _new_result(plan.session)
        try:
            await asyncio.wait_for(self._sweep_into(plan, res), self._venue_timeout)
        except TimeoutError:
            res.remaining_open = None
            res.failures.append(
                f"sweep did not finish within {self._venue_timeout:g}s; "
                "check this venue's open orders"
            )
        return res

    async def _sweep_into(self, plan: SweepPlan, res: VenueStopResult) -> None:
        await self._pass(plan, res)
        pending = [o for o in await self._wait_in_flight(plan.session) if plan.takes(o)]
        if self._lifted(res):
            return
        await self._pass(plan, res)
        for order in pending:
            key = order_key(order)
            now = await self._journal.get_order(order.client_order_id) if self._journal else None
            if now is not None and now.status is not OrderStatus.PENDING_SUBMIT:
                continue
            if key not in res.cancelled:
                res.unknown.append(
                    f"{key} ({order.symbol}): submission still unanswered "
                    f"after {self._settle_timeout:g}s"
                )
        if self._lifted(res):
            return
        await self._verify(plan, res)

    def _lifted(self, res: VenueStopResult) -> bool:
        if not self._engaged():
            res.lifted = True
            log.info("emergency stop reset during the sweep of %s: it ends here", res.venue)
        return res.lifted

    async def _pass(self, plan: SweepPlan, res: VenueStopResult) -> None:
        session, scope = plan.session, plan.scope
        venue_open = await self._call(
            session, res, "list open orders", lambda: session.fetch_open_orders(None)
        )
        if venue_open is not None:
            venue_open = [r for r in venue_open if plan.takes(r)]
        journal_open = [o for o in await self._journal_open(session) if plan.takes(o)]
        try:
            await self._pass_cancel(session, scope, res, venue_open, journal_open)
        finally:
            for o in journal_open:
                if o.held_by is HeldBy.TERMINAL and order_key(o) in res.cancelled:
                    res.terminal_held.add(order_key(o))

    async def _pass_cancel(
        self,
        session: ExchangePort,
        scope: StopScope,
        res: VenueStopResult,
        venue_open: list[OrderReport] | None,
        journal_open: list[Order],
    ) -> None:
        if scope is StopScope.TERMINAL:
            await self._cancel_terminal_orders(session, res, venue_open or [], journal_open)
            return
        symbols = {r.symbol for r in venue_open or []} | {o.symbol for o in journal_open}
        if session.has_cancel_all:
            sem = asyncio.Semaphore(self._concurrency)

            async def one(symbol: Symbol) -> None:
                async with sem:
                    await self._cancel_all_symbol(
                        session, res, symbol, venue_open or [], journal_open
                    )

            await asyncio.gather(*(one(s) for s in sorted(symbols)))
        else:
            targets: dict[str, Order | OrderReport] = {}
            for o in journal_open:
                targets[order_key(o)] = o
            for r in venue_open or []:
                targets.setdefault(order_key(r), r)
            await self._cancel_each(session, res, list(targets.values()))

    async def _cancel_terminal_orders(
        self,
        session: ExchangePort,
        res: VenueStopResult,
        venue_open: list[OrderReport],
        journal_open: list[Order],
    ) -> None:
        ours = {o.client_order_id: o for o in journal_open if not o.external}
        # Orders the venue lists whose client id the journal knows as ours but which the
        # journal already thinks final (a missed event): still ours, still cancel.
        if self._journal is not None:
            for r in venue_open:
                cid = r.client_order_id
                if cid and cid not in ours:
                    known = await self._journal.get_order(cid)
                    if known is not None and not known.external and _same_account(known, session):
                        ours[cid] = known
        await self._cancel_each(session, res, list(ours.values()))

    async def _cancel_all_symbol(
        self,
        session: ExchangePort,
        res: VenueStopResult,
        symbol: Symbol,
        venue_open: list[OrderReport],
        journal_open: list[Order],
    ) -> None:
        pending: list[Order | OrderReport] = [*venue_open, *journal_open]
        try:
            reports = await self._retry(lambda: session.cancel_all_orders(symbol))
        except OrderNotFoundError:
            # Binance answers a cancel-all on a symbol with nothing open with -2011
            # "Unknown order sent.": the journal's open order there has just filled or
            # been cancelled (a stream event not yet applied). Nothing to cancel, as for a
            # single cancel; the verification pass still lists anything left open.
            for o in pending:
                if o.symbol == symbol and order_key(o) not in res.cancelled:
                    _add_once(res.already_closed, order_key(o))
                    _discard(res.unknown, order_key(o))
            return
        except OutcomeUnknownError as exc:
            for o in pending:
                if o.symbol == symbol:
                    _add_once(
                        res.unknown, f"{order_key(o)} ({symbol}): cancel-all outcome unknown: {exc}"
                    )
            return
        except VenueError as exc:
            res.failures.append(f"cancel all {symbol}: {_err(exc)}")
            return
        for r in reports:
            if r.status in (OrderStatus.CANCELED, OrderStatus.EXPIRED) or r.status.is_open:
                _add_once(res.cancelled, order_key(r))
                if r.list_id:
                    res.order_lists.add(r.list_id)
        await self._ingest(session, reports)

    async def _cancel_each(
        self, session: ExchangePort, res: VenueStopResult, targets: list[Order | OrderReport]
    ) -> None:
        sem = asyncio.Semaphore(self._concurrency)

        async def one(target: Order | OrderReport) -> None:
            key = order_key(target)
            if key in res.cancelled or key in res.already_closed:
                return
            order = target if isinstance(target, Order) else _order_from_report(session, target)
            if order is None:
                res.failures.append(f"order on {target.symbol} without any id: cannot cancel")
                return
            async with sem:
                try:
                    report = await self._retry(lambda: session.cancel_order(order))
                except OrderNotFoundError:
                    _add_once(res.already_closed, key)
                    _discard(res.unknown, key)
                    return
                except OutcomeUnknownError as exc:
                    _add_once(res.unknown, f"{key} ({order.symbol}): cancel outcome unknown: {exc}")
                    return
                except VenueError as exc:
                    res.failures.append(f"cancel {key} ({order.symbol}): {_err(exc)}")
                    return
            _add_once(res.cancelled, key)
            _discard(res.unknown, key)
            if report is not None and report.list_id:
                res.order_lists.add(report.list_id)
            if report is not None:
                await self._ingest(session, [report])

        await asyncio.gather(*(one(t) for t in targets))

    async def _wait_in_flight(self, session: ExchangePort) -> list[Order]:
        """Poll the journal until no order of this session is PENDING_SUBMIT (bounded)."""
        if self._journal is None:
            return []
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self._settle_timeout
        while True:
            pending = [
                o
                for o in await self._journal_open(session)
                if o.status is OrderStatus.PENDING_SUBMIT
            ]
            if not pending or loop.time() >= deadline or not self._engaged():
                return pending
            await asyncio.sleep(self._poll)

    async def _verify(self, plan: SweepPlan, res: VenueStopResult) -> None:
        session, scope = plan.session, plan.scope
        remaining = await self._call(
            session, res, "verify open orders", lambda: session.fetch_open_orders(None)
        )
        if remaining is None:
            return
        remaining = [r for r in remaining if plan.takes(r)]
        if scope is StopScope.TERMINAL:
            mine = []
            for r in remaining:
                o = (
                    await self._journal.get_order(r.client_order_id)
                    if (self._journal is not None and r.client_order_id)
                    else None
                )
                if o is not None and not o.external:
                    mine.append(r)
            remaining = mine
        if remaining:  # one last per-order attempt, then count what is left
            await self._cancel_each(session, res, list(remaining))
            again = await self._call(
                session, res, "verify open orders", lambda: session.fetch_open_orders(None)
            )
            if again is None:
                return
            again = [r for r in again if plan.takes(r)]
            if scope is StopScope.TERMINAL:
                keys = {order_key(r) for r in remaining}
                again = [r for r in again if order_key(r) in keys]
            remaining = again
            for r in remaining:
                _discard(res.cancelled, order_key(r))
                res.failures.append(f"{order_key(r)} ({r.symbol}) is still open at the venue")
        res.remaining_open = len(remaining)

    # ---- helpers ----------------------------------------------------------------------
    async def _journal_open(self, session: ExchangePort) -> list[Order]:
        if self._journal is None:
            return []
        return await self._journal.open_orders(session=session.key)

    async def _call(
        self, session: ExchangePort, res: VenueStopResult, what: str, fn: Callable[[], Awaitable[T]]
    ) -> T | None:
        try:
            return await self._retry(fn)
        except VenueError as exc:
            res.failures.append(f"{what}: {_err(exc)}")
            return None

    async def _retry(self, fn: Callable[[], Awaitable[T]]) -> T:
        """`fn` (a cancel: safe to repeat) tried up to `attempts` times on a retryable
        error, waiting the backoff schedule (or the venue's Retry-After, capped) between;
        the last error is raised as it is."""

        def wait_for(exc: BaseException | None, delay: float) -> float:
            if isinstance(exc, RateLimitedError) and exc.retry_after:
                return min(max(delay, exc.retry_after), self._max_retry_after)
            return delay

        def on_failure(failure: Failure[T]) -> None:
            log.info(
                "emergency stop: retrying after %s (%.2fs)",
                type(failure.error).__name__,
                failure.next_delay_s,
            )

        result = await retry_until(
            fn,
            backoff=Schedule(self._backoff),
            retry_on=RETRYABLE,
            give_up=lambda _exc, attempt: attempt >= self._attempts,
            wait_for=wait_for,
            on_failure=on_failure,
        )
        # without `stop` or an attempt cap it ends with fn's own result or its error
        return cast(T, result)

    async def _ingest(self, session: ExchangePort, reports: Sequence[OrderReport]) -> None:
        """Hand cancel reports to the order service, or apply them to the journal."""
        if not reports:
            return
        try:
            if self._sink is not None:
                await self._sink(session, reports)
                return
            if self._journal is None:
                return
            for report in reports:
                if not report.client_order_id:
                    continue
                order = await self._journal.get_order(report.client_order_id)
                if order is None or order.is_final:
                    continue
                for event in events_for_report(order, report, EventSource.REST):
                    try:
                        if order.apply(event):
                            await self._journal.record_event(order, event)
                    except (IllegalTransition, OrderError):
                        continue
        except Exception:  # bookkeeping must never abort the cancelling itself
            log.exception("emergency stop: could not record cancel reports")


def order_service_sink(service: Any) -> ReportSink:
    """A ReportSink feeding cancel reports to an order service's `on_order_report`.

    Use it whenever an order service is running, so its in-memory orders and the
    journal move together (the sweeper must not write behind the service's back).
    """

    async def sink(session: ExchangePort, reports: Sequence[OrderReport]) -> None:
        for report in reports:
            await service.on_order_report(session.key, report, EventSource.REST)

    return sink


def _new_result(session: ExchangePort) -> VenueStopResult:
    mode = getattr(session.mode, "value", session.mode)
    return VenueStopResult(str(session.venue), str(mode), str(session.account))


def _same_account(order: Order, session: ExchangePort) -> bool:
    return (
        order.venue == session.venue
        and order.account == session.account
        and order.mode == session.mode
    )


def _order_from_report(session: ExchangePort, report: OrderReport) -> Order | None:
    """An Order to hand to cancel_order for a venue order the journal does not know."""
    cid = report.client_order_id
    if cid is None and report.venue_order_id is None:
        return None
    if cid is None:
        try:  # the adapter cancels by venue id when it has one; this id is never sent
            cid = ClientOrderId(f"ext-{report.venue_order_id}"[:64])
        except IdError:
            cid = ClientOrderId.generate()
    return Order(
        client_order_id=cid,
        venue=session.venue,
        symbol=report.symbol,
        side=report.side or Side.BUY,
        type=report.type or OrderType.LIMIT,
        amount=report.amount or report.filled,
        price=report.price,
        mode=session.mode,
        account=session.account,
        status=OrderStatus.OPEN,
        venue_order_id=VenueOrderId(report.venue_order_id) if report.venue_order_id else None,
        filled=report.filled,
        external=True,
    )


def _err(exc: VenueError) -> str:
    return f"{type(exc).__name__}: {exc}"


def _add_once(items: list[str], value: str) -> None:
    if value not in items:
        items.append(value)


def _discard(items: list[str], key: str) -> None:
    items[:] = [i for i in items if i != key and not i.startswith(key + " ")]
