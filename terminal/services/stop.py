"""The emergency stop beyond the toolbar: engaging it as the toolbar does and sweeping
every session it covers, and sweeping a session once more after its reconciliation while
a stop covering it is still engaged (orders left by a crashed run). Part of
`TerminalServices`; every sweep is announced on its `stop_notices`."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from terminal.core.callbacks import Callbacks
from terminal.core.orders import OrderService
from terminal.domain.session import SessionKey
from terminal.services.options import ServicesError
from terminal.stop_control import StopNotice

if TYPE_CHECKING:
    pass

log = logging.getLogger(__name__)


class StopSweeps:
    """The stop commands of `TerminalServices` (which holds the state used here)."""

    options: Any  # ServicesOptions
    safety: Any  # terminal.core.safety.state.SafetyState, None when not loaded
    orders: OrderService | None
    by_key: dict[SessionKey, Any]
    stop_notices: Callbacks[StopNotice]
    _tasks: set[asyncio.Task[Any]]
    _connect_sweeps: dict[SessionKey, asyncio.Task[Any]]

    def connected_sessions(self) -> Sequence[Any]:
        """Every connected session, several per venue when it is connected more than once."""
        return list(self.by_key.values())

    # ---- the emergency stop beyond the toolbar ---------------------------------------------
    def engage_stop(
        self,
        scope: Any = "all",
        reason: str = "",
        source: str = "local",
        *,
        origin: str = "",
        settle_timeout: float = 10.0,
        target: Any = None,
    ) -> tuple[Any, asyncio.Task[Any]]:
        """Engage the stop as the toolbar does, and sweep every connected session it
        covers (`target`: a StopTarget, everything when None).

        `engage()` blocks new orders before this returns (no await before it); the sweep
        runs as a task this object owns, and its result is also announced on
        `stop_notices`. Returns (StopState, sweep task -> StopResult).
        """
        if self.safety is None:
            raise ServicesError("the safety state is not loaded")
        from terminal.core.safety import EVERYTHING

        target = target if target is not None else EVERYTHING
        state = self.safety.stop.engage(scope, reason, source, target)
        origin = origin or source
        where = (
            "every open order on every connected venue"
            if target.is_all
            else f"the open orders of {target.label}"
        )
        self.stop_notices.emit(
            StopNotice(
                "engaged",
                origin,
                "error",
                f"EMERGENCY STOP engaged ({origin}): new orders blocked; cancelling {where}…",
            )
        )
        task = self._spawn(
            self._sweep(self.connected_sessions(), origin, settle_timeout), "emergency-sweep"
        )
        return state, task

    def _sweep_if_engaged(self, key: SessionKey) -> asyncio.Task[Any] | None:
        """After a session's reconciliation: with a stop covering it engaged, sweep that
        session once.

        Orders found open at start (left by a crashed run, or placed elsewhere while the
        terminal was down) are cancelled within the stop's scope. A sweep that did not
        finish clean is tried again after the next reconciliation.
        """
        if (
            not self.options.sweep_engaged_on_connect
            or self.safety is None
            or not any(s.target.covers_session(key) for s in self.safety.stop.states)
        ):
            return None
        session = self.by_key.get(key)
        if session is None:
            return None
        running = self._connect_sweeps.get(key)
        if running is not None:
            return running if not running.done() else None
        origin = "stop still engaged at start-up"
        task = self._spawn(self._sweep([session], origin, 5.0), f"stop-sweep-{key.label}")
        self._connect_sweeps[key] = task

        def forget_unless_clean(t: asyncio.Task[Any]) -> None:
            clean = not t.cancelled() and t.exception() is None and t.result().ok
            if not clean and self._connect_sweeps.get(key) is t:
                del self._connect_sweeps[key]

        task.add_done_callback(forget_unless_clean)
        return task

    async def _sweep(self, sessions: Sequence[Any], origin: str, settle_timeout: float) -> Any:
        from terminal.core.safety import order_service_sink

        sink = order_service_sink(self.orders) if self.orders is not None else None
        try:
            result = await self.safety.stop.sweep(
                sessions, report_sink=sink, settle_timeout=settle_timeout
            )
        except Exception as exc:
            log.exception("emergency stop sweep (%s) failed", origin)
            self.stop_notices.emit(
                StopNotice(
                    "sweep", origin, "error", f"Emergency stop ({origin}): cancelling failed: {exc}"
                )
            )
            raise
        lines = "; ".join(result.lines())
        self.stop_notices.emit(
            StopNotice(
                "sweep",
                origin,
                "warning" if result.ok else "error",
                f"Emergency stop sweep ({origin}): {lines}",
                result,
            )
        )
        return result

    def _spawn(self, coro: Any, name: str) -> asyncio.Task[Any]:
        task = asyncio.get_running_loop().create_task(coro, name=name)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        task.add_done_callback(lambda t: t.cancelled() or t.exception())  # logged in _sweep
        return task
