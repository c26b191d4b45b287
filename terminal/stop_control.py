"""The emergency stop's commands on the control channel (`trading-terminal stop` -> app).

`StopControlHandler` is what `terminal.control.ControlServer` calls in the process that
holds the journal, and what handles a stop request file (`on_stop_request`) when the
channel could not be reached. Engage does exactly what the toolbar's STOP does (through
`TerminalServices.engage_stop`: block first, synchronously, then sweep every connected
venue) and answers with the per-venue result. Reset is allowed only with the
confirmation phrase, which the command line sends after the same confirmation as a
local reset (typed on a terminal, or --yes); the core checks the phrase again.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from terminal.control import stopfile
from terminal.control.server import CommandRefused
from terminal.core.callbacks import Callbacks
from terminal.core.safety import BadStopTarget, ResetRefused, StopScope, targets_named

ORIGIN = "trading-terminal stop from a shell"
FILE_ORIGIN = "trading-terminal stop, by its request file"


@dataclass(frozen=True)
class StopNotice:
    """Something the services did with the emergency stop, for the user to see.

    kind: "engaged" (from the control channel), "sweep" (a sweep finished: `result` is
    the StopResult, or None when it failed), "reset" (from the control channel).
    """

    kind: str
    origin: str
    level: str  # "info", "warning", "error"
    text: str
    result: Any = None


class StopHost(Protocol):
    """What the handler needs of the process that holds the journal (`TerminalServices`):
    its safety state, its sessions, the toolbar's engage, the window and the notices."""

    safety: Any  # terminal.core.safety.state.SafetyState, None when not loaded
    show_window: Callable[[], None] | None
    stop_notices: Callbacks[StopNotice]

    def connected_sessions(self) -> Sequence[Any]: ...

    def engage_stop(
        self,
        scope: Any = ...,
        reason: str = ...,
        source: str = ...,
        *,
        origin: str = ...,
        settle_timeout: float = ...,
        target: Any = ...,
    ) -> tuple[Any, asyncio.Task[Any]]: ...


class StopControlHandler:
    def __init__(self, services: StopHost, advert_path: Path | None = None) -> None:
        self._services = services
        self._advert_path = advert_path
        self._answers: set[asyncio.Task[Any]] = set()

    def _safety(self) -> Any:
        safety = self._services.safety
        if safety is None:
            raise CommandRefused("the safety state is not loaded in the running terminal")
        return safety

    def engage(
        self,
        scope: str,
        reason: str,
        settle_timeout: float,
        *,
        origin: str = ORIGIN,
        venues: Sequence[str] = (),
        session: str = "",
        symbol: str = "",
    ) -> tuple[dict[str, Any], Awaitable[dict[str, Any]]]:
        """Engage on everything, or only on `venues` / one connected `session` (its
        label), each narrowed to `symbol` when given; then sweep what that covers."""
        safety = self._safety()
        try:
            the_scope = StopScope(scope)
        except ValueError:
            raise CommandRefused(f"unknown scope {scope!r} (all or terminal)") from None
        connected = self._services.connected_sessions()
        try:
            targets = targets_named(venues, session, symbol, [s.key for s in connected])
        except BadStopTarget as exc:
            raise CommandRefused(str(exc)) from None
        reason = reason or "command line"
        states = [safety.stop.engage(the_scope, reason, "cli", t) for t in targets[:-1]]
        state, task = self._services.engage_stop(
            the_scope,
            reason,
            "cli",
            origin=origin,
            settle_timeout=settle_timeout,
            target=targets[-1],
        )
        states.append(state)
        swept = [str(s.venue) for s in connected if any(t.covers_session(s.key) for t in targets)]
        return (
            {
                "description": "\n".join(s.describe() for s in states),
                "scope": state.scope.value,
                "venues": swept,
                "targets": [t.label for t in targets],
            },
            _result_of(task),
        )

    def status(self) -> dict[str, Any]:
        safety = self._safety()
        stop = safety.stop
        state = stop.state
        reply: dict[str, Any] = {
            "engaged": state is not None,
            "loaded": stop.loaded,
            "description": "\n".join(s.describe() for s in stop.states)
            if state is not None
            else "Emergency stop is OFF.",
            "venues": [str(s.venue) for s in self._services.connected_sessions()],
        }
        if state is not None:
            reply.update(
                scope=state.scope.value,
                reason=state.reason,
                source=state.source,
                engaged_at=state.engaged_at.isoformat(),
            )
        return reply

    def show(self) -> dict[str, Any]:
        show_window = self._services.show_window
        if show_window is None:
            return {"window": False}
        show_window()
        return {"window": True}

    async def on_stop_request(self, request: dict[str, Any]) -> None:
        """A stop request file: engage, answer beside it, remove it, add the result."""
        assert self._advert_path is not None
        path = self._advert_path
        request_id = str(request.get("id"))
        try:
            settle = min(60.0, max(0.0, float(request.get("settle_timeout", 10.0))))
        except (TypeError, ValueError):
            settle = 10.0
        state, pending = self.engage(
            str(request.get("scope", "all")),
            str(request.get("reason", ""))[:500],
            settle,
            origin=FILE_ORIGIN,
        )
        await asyncio.to_thread(stopfile.write_ack, path, request_id, event="engaged", **state)
        await asyncio.to_thread(stopfile.remove_request, path)

        async def answer_result() -> None:
            try:
                result = await asyncio.wait_for(pending, 150.0)
                fields = {"event": "result", "finished": True, **result}
            except Exception as exc:
                fields = {"event": "result", "finished": False, "error": str(exc)}
            await asyncio.to_thread(stopfile.write_ack, path, request_id, **{**state, **fields})

        task = asyncio.ensure_future(answer_result())
        self._answers.add(task)
        task.add_done_callback(self._answers.discard)

    async def reset(
        self, phrase: str, *, venues: Sequence[str] = (), session: str = "", symbol: str = ""
    ) -> dict[str, Any]:
        """Lift every stop, or only the stops engaged on the targets named (a wider or
        other stop stays engaged; the reply lists what stays)."""
        safety = self._safety()
        stop = safety.stop
        scoped = bool(venues or session or symbol)
        try:
            targets = targets_named(venues, session, symbol) if scoped else []
        except BadStopTarget as exc:
            raise CommandRefused(str(exc)) from None
        engaged = [s.target for s in stop.states]
        lifting = [t for t in targets if t in engaged] if scoped else engaged
        if not lifting:
            return {
                "was_engaged": False,
                "journaled": True,
                "not_engaged": [t.label for t in targets],
                "remaining": [s.describe() for s in stop.states],
            }
        try:
            if scoped:
                for target in lifting:
                    stop.reset(phrase, source="cli", target=target)
            else:
                stop.reset(phrase, source="cli")
        except ResetRefused as exc:
            raise CommandRefused(str(exc)) from None
        journaled = await safety.writer.flush()
        where = "" if not scoped else " on " + ", ".join(t.label for t in lifting)
        allowed = "order entry allowed again" if not stop.engaged else "others stay engaged"
        self._services.stop_notices.emit(
            StopNotice(
                "reset", ORIGIN, "info", f"Emergency stop{where} reset ({ORIGIN}): {allowed}."
            )
        )
        return {
            "was_engaged": True,
            "journaled": journaled,
            "lifted": [t.label for t in lifting],
            "not_engaged": [t.label for t in targets if t not in lifting],
            "remaining": [s.describe() for s in stop.states],
        }


async def _result_of(task: Awaitable[Any]) -> dict[str, Any]:
    # shielded: the channel may stop waiting (timeout, closing); the sweep goes on
    result = await asyncio.shield(task)
    return {
        "ok": result.ok,
        "lines": result.lines(),
        "venues": [v.to_details() | {"ok": v.ok, "line": v.line()} for v in result.venues],
    }
