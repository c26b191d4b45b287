"""One symbol's order book in integer ticks/steps, shared by simulated and user liquidity.

Simulated liquidity at a level is one anonymous quantity; user orders queue in a FIFO.
Price-time priority holds with one rule: simulated quantity that was resting before the
first user order joined the level (``sim_ahead``) trades first, then the users in arrival
order, then simulated quantity added later. Simulated cancels come off the back.

Every mutation marks the level as changed; ``commit()`` closes a batch under one update id
and ``take_diff()`` hands the changes to the depth stream, so a REST snapshot (which reads
the live book and the current update id) is never older than any diff already sent.
"""

from __future__ import annotations

from bisect import bisect_left, insort
from collections import deque
from collections.abc import Callable
from typing import Protocol


class Resting(Protocol):
    """What the book needs from a user order."""

    leaves: int  # remaining quantity in steps


class UserLevel:
    __slots__ = ("orders", "sim_ahead", "total")

    def __init__(self, sim_ahead: int) -> None:
        self.orders: deque[Resting] = deque()
        self.sim_ahead = sim_ahead
        self.total = 0


class BookSide:
    __slots__ = ("changed", "is_bid", "mutations", "sim", "ticks", "users")

    def __init__(self, is_bid: bool) -> None:
        self.is_bid = is_bid
        self.sim: dict[int, int] = {}
        self.users: dict[int, UserLevel] = {}
        self.ticks: list[int] = []  # ascending, levels with quantity > 0
        self.changed: dict[int, None] = {}
        self.mutations = 0  # read by Book.commit to know whether a batch changed anything

    def qty(self, t: int) -> int:
        ul = self.users.get(t)
        return self.sim.get(t, 0) + (ul.total if ul is not None else 0)

    def changed_levels(self) -> list[tuple[int, int]]:
        """(tick, quantity) of every changed level, quantity 0 for removed ones."""
        sget = self.sim.get
        users = self.users
        if not users:
            return [(t, sget(t, 0)) for t in self.changed]
        return [(t, sget(t, 0) + (users[t].total if t in users else 0)) for t in self.changed]

    def best(self) -> int | None:
        if not self.ticks:
            return None
        return self.ticks[-1] if self.is_bid else self.ticks[0]

    def _relink(self, t: int, before: int) -> None:
        after = self.qty(t)
        if before == 0 and after > 0:
            insort(self.ticks, t)
        elif before > 0 and after == 0:
            i = bisect_left(self.ticks, t)
            if i < len(self.ticks) and self.ticks[i] == t:
                del self.ticks[i]
        if before != after:
            self.changed[t] = None
            self.mutations += 1

    def set_sim(self, t: int, q: int) -> None:
        """Set simulated quantity at a level (maker add or cancel)."""
        sim = self.sim
        old = sim.get(t, 0)
        if old == q:
            return
        if old and q and t not in self.users:  # hot path of the stress generator
            sim[t] = q
            self.changed[t] = None
            self.mutations += 1
            return
        ul = self.users.get(t)
        before = old + (ul.total if ul is not None else 0)
        if q > 0:
            sim[t] = q
        else:
            sim.pop(t, None)
        if ul is not None and ul.sim_ahead > q:
            ul.sim_ahead = q
        # Fast path for the common case (level stays non-empty): no relink needed.
        after = before - old + q
        if before == 0 or after == 0:
            self._relink(t, before)
        else:
            self.changed[t] = None
            self.mutations += 1

    def add_user(self, t: int, order: Resting) -> None:
        before = self.qty(t)
        ul = self.users.get(t)
        if ul is None:
            ul = self.users[t] = UserLevel(self.sim.get(t, 0))
        ul.orders.append(order)
        ul.total += order.leaves
        self._relink(t, before)

    def remove_user(self, t: int, order: Resting) -> bool:
        ul = self.users.get(t)
        if ul is None:
            return False
        before = self.qty(t)
        try:
            ul.orders.remove(order)
        except ValueError:
            return False
        ul.total -= order.leaves
        if not ul.orders:
            del self.users[t]
        self._relink(t, before)
        return True

    def take_level(self, t: int, want: int) -> list[tuple[Resting | None, int]]:
        """Consume up to ``want`` steps at level ``t`` in priority order."""
        fills: list[tuple[Resting | None, int]] = []
        before = self.qty(t)
        sim_q = self.sim.get(t, 0)
        ul = self.users.get(t)
        if ul is not None:
            a = min(ul.sim_ahead, want, sim_q)
            if a:
                fills.append((None, a))
                ul.sim_ahead -= a
                sim_q -= a
                want -= a
            while want and ul.orders:
                o = ul.orders[0]
                q = min(o.leaves, want)
                fills.append((o, q))
                o.leaves -= q
                ul.total -= q
                want -= q
                if o.leaves == 0:
                    ul.orders.popleft()
            if not ul.orders:
                del self.users[t]
        if want and sim_q:
            q = min(sim_q, want)
            fills.append((None, q))
            sim_q -= q
        if sim_q:
            self.sim[t] = sim_q
        else:
            self.sim.pop(t, None)
        self._relink(t, before)
        return fills

    def levels(self, limit: int) -> list[tuple[int, int]]:
        ticks = self.ticks[-limit:][::-1] if self.is_bid else self.ticks[:limit]
        return [(t, self.qty(t)) for t in ticks]


Fill = tuple["Resting | None", int, int]  # (maker order or None for simulated, ticks, steps)


class Book:
    """Both sides of one symbol plus the update-id bookkeeping for the depth stream."""

    def __init__(self, symbol: str, first_update_id: int = 1) -> None:
        self.symbol = symbol
        self.bids = BookSide(True)
        self.asks = BookSide(False)
        self.update_id = first_update_id
        self.pending_first: int | None = None

    def side(self, is_bid: bool) -> BookSide:
        return self.bids if is_bid else self.asks

    # --- batching ---------------------------------------------------------------------
    _committed = 0

    def commit(self) -> int:
        """Close a batch of changes under a new update id (no-op when nothing changed)."""
        m = self.bids.mutations + self.asks.mutations
        if m != self._committed:
            self._committed = m
            self.update_id += 1
            if self.pending_first is None:
                self.pending_first = self.update_id
        return self.update_id

    def skip_update_id(self) -> None:
        """Fault injection: publish what is pending, then burn one update id so the next
        diff leaves a gap in the U/u sequence."""
        self.update_id += 1

    def take_diff(self) -> tuple[int, int, list[tuple[int, int]], list[tuple[int, int]]] | None:
        """Changes since the last call as (U, u, bids, asks) with absolute quantities."""
        if self.pending_first is None:
            return None
        first, last = self.pending_first, self.update_id
        b = self.bids.changed_levels()
        a = self.asks.changed_levels()
        self.bids.changed = {}
        self.asks.changed = {}
        self.pending_first = None
        return first, last, b, a

    # --- matching ---------------------------------------------------------------------
    def crosses(self, is_buy: bool, limit: int) -> bool:
        best = self.asks.best() if is_buy else self.bids.best()
        if best is None:
            return False
        return best <= limit if is_buy else best >= limit

    def available(self, is_buy: bool, limit: int | None, qty: int) -> int:
        """Quantity that a taker could get up to ``limit`` (stops counting at ``qty``)."""
        opp = self.asks if is_buy else self.bids
        ticks = opp.ticks if is_buy else reversed(opp.ticks)
        got = 0
        for t in ticks:
            if limit is not None and (t > limit if is_buy else t < limit):
                break
            got += opp.qty(t)
            if got >= qty:
                break
        return got

    def cost_of(self, is_buy: bool, qty: int) -> tuple[int, int]:
        """(steps obtainable, notional units) of a market taker for ``qty`` steps."""
        opp = self.asks if is_buy else self.bids
        ticks = opp.ticks if is_buy else reversed(opp.ticks)
        got = 0
        cost = 0
        for t in ticks:
            q = min(opp.qty(t), qty - got)
            got += q
            cost += q * t
            if got >= qty:
                break
        return got, cost

    def match(
        self,
        is_buy: bool,
        limit: int | None,
        qty: int | None,
        quote_budget: int | None = None,
        on_fill: Callable[[Resting | None, int, int], None] | None = None,
    ) -> list[Fill]:
        """Take liquidity; ``qty`` in steps or ``quote_budget`` in tick*step units."""
        opp = self.asks if is_buy else self.bids
        fills: list[Fill] = []
        remaining = qty
        budget = quote_budget
        while opp.ticks:
            t = opp.ticks[0] if is_buy else opp.ticks[-1]
            if limit is not None and (t > limit if is_buy else t < limit):
                break
            want = remaining if remaining is not None else None
            if budget is not None:
                by_budget = budget // t
                want = by_budget if want is None else min(want, by_budget)
            if not want:
                break
            for maker, q in opp.take_level(t, want):
                fills.append((maker, t, q))
                if remaining is not None:
                    remaining -= q
                if budget is not None:
                    budget -= q * t
                if on_fill is not None:
                    on_fill(maker, t, q)
            if remaining == 0:
                break
        return fills

    def depth(self, limit: int) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
        return self.bids.levels(limit), self.asks.levels(limit)
