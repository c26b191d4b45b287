"""What a stop sweep did, per session and in all, and what one session's sweep covers."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from terminal.core.ports import ExchangePort
from terminal.core.safety.events import STOP_SWEEP
from terminal.core.safety.targets import StopScope, StopTarget
from terminal.domain.order import Order
from terminal.domain.reports import OrderReport


@dataclass
class VenueStopResult:
    """What the stop did on one venue session."""

    venue: str
    mode: str
    account: str
    cancelled: list[str] = field(default_factory=list)  # order ids (client id, else venue id)
    already_closed: list[str] = field(default_factory=list)  # "not found" on cancel
    failures: list[str] = field(default_factory=list)  # readable messages
    unknown: list[str] = field(default_factory=list)  # orders whose cancel outcome is unknown
    remaining_open: int | None = None  # open orders seen after the sweep (None: not verified)
    order_lists: set[str] = field(default_factory=set)  # venue order lists cancelled (ids)
    terminal_held: set[str] = field(default_factory=set)  # legs of pairs this terminal held
    lifted: bool = False  # the stop was reset during the sweep, which ended there

    @property
    def cancelled_count(self) -> int:
        return len(self.cancelled)

    @property
    def ok(self) -> bool:
        return not self.failures and not self.unknown and (self.remaining_open == 0 or self.lifted)

    def line(self) -> str:
        status = "OK" if self.ok else "INCOMPLETE"
        parts = [
            f"{self.venue} ({self.mode}, {self.account}): {status}",
            f"cancelled {self.cancelled_count}",
        ]
        if self.order_lists or self.terminal_held:
            parts[-1] += (
                f" (in {len(self.order_lists)} order list(s) held by the venue, "
                f"{len(self.terminal_held)} terminal-held leg(s))"
            )
        if self.already_closed:
            parts.append(f"already closed {len(self.already_closed)}")
        if self.lifted:
            parts.append("ended early: the stop was reset")
        else:
            parts.append(
                "open after sweep "
                + ("unverified" if self.remaining_open is None else str(self.remaining_open))
            )
        text = ", ".join(parts)
        for f in self.failures:
            text += f"\n  failure: {f}"
        for u in self.unknown:
            text += f"\n  outcome unknown: {u}"
        return text

    def to_details(self) -> dict[str, Any]:
        return {
            "venue": self.venue,
            "mode": self.mode,
            "account": self.account,
            "cancelled": len(self.cancelled),
            "cancelled_ids": self.cancelled[:200],
            "already_closed": len(self.already_closed),
            "failures": self.failures[:50],
            "unknown": self.unknown[:200],
            "remaining_open": self.remaining_open,
            "lifted": self.lifted,
            "order_lists": sorted(self.order_lists)[:200],
            "terminal_held": sorted(self.terminal_held)[:200],
        }


@dataclass(frozen=True)
class SweepPlan:
    """One session to sweep: which orders (scope) and, if not all, which symbols."""

    session: ExchangePort
    scope: StopScope
    symbols: frozenset[str] | None = None  # None: every symbol

    def takes(self, order: Order | OrderReport) -> bool:
        return self.symbols is None or str(order.symbol) in self.symbols


@dataclass
class StopResult:
    scope: StopScope
    venues: list[VenueStopResult] = field(default_factory=list)
    targets: list[StopTarget] = field(default_factory=list)  # empty: everything

    @property
    def ok(self) -> bool:
        return all(v.ok for v in self.venues)

    @property
    def cancelled_count(self) -> int:
        return sum(v.cancelled_count for v in self.venues)

    journal_kind = STOP_SWEEP

    def journal_details(self) -> dict[str, Any]:
        return {
            "scope": self.scope.value,
            "ok": self.ok,
            "venues": [v.to_details() for v in self.venues],
            "targets": [t.to_details() for t in self.targets],
        }

    def lines(self) -> list[str]:
        if not self.venues:
            if self.targets and not any(t.is_all for t in self.targets):
                where = ", ".join(t.label for t in self.targets)
                return [f"no connected session inside the stop's target ({where})"]
            return ["no connected venue to sweep"]
        return [v.line() for v in self.venues]


def order_key(order: Order | OrderReport) -> str:
    cid = order.client_order_id
    vid = order.venue_order_id
    return str(cid or vid or "?")


__all__ = ["StopResult", "SweepPlan", "VenueStopResult", "order_key"]
