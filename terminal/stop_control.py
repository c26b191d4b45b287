"""The emergency stop's commands on the control channel (`trading-terminal stop` -> app).

`StopControlHandler` is what `terminal.control.ControlServer` calls in the process that
holds the journal. Engage does exactly what the toolbar's STOP does (through
`TerminalServices.engage_stop`: block first, synchronously, then sweep every connected
venue) and answers with the per-venue result. Reset is allowed only with the
confirmation phrase, which the command line sends after the same confirmation as a
local reset (typed on a terminal, or --yes); the core checks the phrase again.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import TYPE_CHECKING, Any

from terminal.control.server import CommandRefused
from terminal.core.safety import ResetRefused, StopScope

if TYPE_CHECKING:
    from terminal.services import TerminalServices

ORIGIN = "trading-terminal stop from a shell"


class StopControlHandler:
    def __init__(self, services: TerminalServices) -> None:
        self._services = services

    def _safety(self) -> Any:
        safety = self._services.safety
        if safety is None:
            raise CommandRefused("the safety state is not loaded in the running terminal")
        return safety

    def engage(self, scope: str, reason: str, settle_timeout: float
               ) -> tuple[dict[str, Any], Awaitable[dict[str, Any]]]:
        self._safety()
        try:
            the_scope = StopScope(scope)
        except ValueError:
            raise CommandRefused(f"unknown scope {scope!r} (all or terminal)") from None
        swept = [str(s.venue) for s in self._services.connected_sessions()]
        state, task = self._services.engage_stop(
            the_scope, reason or "command line", "cli", origin=ORIGIN,
            settle_timeout=settle_timeout)
        return ({"description": state.describe(), "scope": state.scope.value,
                 "venues": swept}, _result_of(task))

    def status(self) -> dict[str, Any]:
        safety = self._safety()
        stop = safety.stop
        state = stop.state
        reply: dict[str, Any] = {
            "engaged": state is not None, "loaded": stop.loaded,
            "description": state.describe() if state is not None else "Emergency stop is OFF.",
            "venues": [str(s.venue) for s in self._services.connected_sessions()]}
        if state is not None:
            reply.update(scope=state.scope.value, reason=state.reason, source=state.source,
                         engaged_at=state.engaged_at.isoformat())
        return reply

    async def reset(self, phrase: str) -> dict[str, Any]:
        safety = self._safety()
        if not safety.stop.engaged:
            return {"was_engaged": False, "journaled": True}
        try:
            safety.stop.reset(phrase, source="cli")
        except ResetRefused as exc:
            raise CommandRefused(str(exc)) from None
        journaled = await safety.writer.flush()
        from terminal.services import StopNotice

        self._services.stop_notices.emit(StopNotice(
            "reset", ORIGIN, "info",
            f"Emergency stop reset ({ORIGIN}): order entry allowed again."))
        return {"was_engaged": True, "journaled": journaled}


async def _result_of(task: Awaitable[Any]) -> dict[str, Any]:
    # shielded: the channel may stop waiting (timeout, closing); the sweep goes on
    result = await asyncio.shield(task)
    return {"ok": result.ok, "lines": result.lines(),
            "venues": [v.to_details() | {"ok": v.ok, "line": v.line()}
                       for v in result.venues]}
