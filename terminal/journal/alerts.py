"""Rows of `alerts`, `alert_firings` and `drawings`: price alerts, their history and the
chart drawings, in the journal's database (so they survive a restart with the orders).

`ChartJournal` implements the core's AlertStore and DrawingStore on a SqlJournal's
writer thread.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from decimal import Decimal
from typing import Any, Protocol, TypeVar

from sqlalchemy import delete, insert, select, update
from sqlalchemy.engine import Connection

from terminal.core.alerts.model import (
    Alert,
    AlertFiring,
    AlertKind,
    AlertMarket,
    AlertState,
    Direction,
    PriceSource,
)
from terminal.core.drawings import ChartPoint, Drawing, DrawingKind
from terminal.domain.enums import VenueMode
from terminal.domain.ids import Symbol, VenueId
from terminal.journal.schema import alert_firings, alerts, drawings

T = TypeVar("T")


class _Runner(Protocol):
    """What this needs of a SqlJournal: one transaction on its writer thread."""

    async def run(self, fn: Callable[[Connection], T]) -> T: ...


def _dec(text: str | None) -> Decimal | None:
    return None if text is None else Decimal(text)


def alert_row(a: Alert) -> dict[str, Any]:
    return {
        "alert_id": a.alert_id,
        "venue": str(a.market.venue),
        "mode": a.market.mode.value,
        "symbol": str(a.market.symbol),
        "kind": a.kind.value,
        "source": a.source.value,
        "direction": a.direction.value,
        "level": None if a.level is None else str(a.level),
        "percent": None if a.percent is None else str(a.percent),
        "window_s": a.window_s,
        "repeat": a.repeat,
        "cooldown_s": a.cooldown_s,
        "note": a.note,
        "state": a.state.value,
        "created_ms": a.created_ms,
        "fired_count": a.fired_count,
        "last_fired_ms": a.last_fired_ms,
    }


def alert_from_row(r: Any) -> Alert:
    return Alert(
        alert_id=r["alert_id"],
        market=AlertMarket(VenueId(r["venue"]), VenueMode(r["mode"]), Symbol(r["symbol"])),
        kind=AlertKind(r["kind"]),
        source=PriceSource(r["source"]),
        direction=Direction(r["direction"]),
        level=_dec(r["level"]),
        percent=_dec(r["percent"]),
        window_s=r["window_s"],
        repeat=bool(r["repeat"]),
        cooldown_s=r["cooldown_s"],
        note=r["note"],
        state=AlertState(r["state"]),
        created_ms=r["created_ms"],
        fired_count=r["fired_count"],
        last_fired_ms=r["last_fired_ms"],
    )


def _upsert(conn: Connection, table: Any, key: str, row: dict[str, Any]) -> None:
    done = conn.execute(update(table).where(table.c[key] == row[key]).values(**row))
    if done.rowcount == 0:
        conn.execute(insert(table), row)


def drawing_row(d: Drawing) -> dict[str, Any]:
    return {
        "drawing_id": d.drawing_id,
        "symbol": str(d.symbol),
        "kind": d.kind.value,
        "points": json.dumps([[p.time_ms, str(p.price)] for p in d.points]),
        "text": d.text,
        "created_ms": d.created_ms,
        "updated_ms": int(time.time() * 1000),
    }


def drawing_from_row(r: Any) -> Drawing:
    points = tuple(ChartPoint(int(t), Decimal(str(p))) for t, p in json.loads(r["points"]))
    return Drawing(
        drawing_id=r["drawing_id"],
        symbol=Symbol(r["symbol"]),
        kind=DrawingKind(r["kind"]),
        points=points,
        text=r["text"],
        created_ms=r["created_ms"],
    )


class ChartJournal:
    """Alerts, alert firings and drawings of one SqlJournal."""

    def __init__(self, journal: _Runner) -> None:
        self._journal = journal

    # -- alerts --------------------------------------------------------------------------
    async def load_alerts(self) -> list[Alert]:
        def work(conn: Connection) -> list[Alert]:
            q = select(alerts).order_by(alerts.c.created_ms, alerts.c.alert_id)
            return [alert_from_row(r._mapping) for r in conn.execute(q)]

        return await self._journal.run(work)

    async def save_alert(self, alert: Alert) -> None:
        row = alert_row(alert)
        await self._journal.run(lambda conn: _upsert(conn, alerts, "alert_id", row))

    async def delete_alert(self, alert_id: str) -> None:
        await self._journal.run(
            lambda conn: conn.execute(delete(alerts).where(alerts.c.alert_id == alert_id))
        )

    async def record_firing(self, firing: AlertFiring) -> None:
        row = {
            "alert_id": firing.alert_id,
            "venue": str(firing.market.venue),
            "mode": firing.market.mode.value,
            "symbol": str(firing.market.symbol),
            "source": firing.source.value,
            "price": str(firing.price),
            "reference": str(firing.reference),
            "text": firing.text,
            "at_ms": firing.at_ms,
        }
        await self._journal.run(lambda conn: conn.execute(insert(alert_firings), row))

    async def firings(self, limit: int = 200) -> list[AlertFiring]:
        def work(conn: Connection) -> list[AlertFiring]:
            q = select(alert_firings).order_by(alert_firings.c.id.desc()).limit(limit)
            out = []
            for row in conn.execute(q):
                r = row._mapping
                out.append(
                    AlertFiring(
                        alert_id=r["alert_id"],
                        market=AlertMarket(
                            VenueId(r["venue"]), VenueMode(r["mode"]), Symbol(r["symbol"])
                        ),
                        at_ms=r["at_ms"],
                        source=PriceSource(r["source"]),
                        price=Decimal(r["price"]),
                        reference=Decimal(r["reference"]),
                        text=r["text"],
                    )
                )
            return out

        return await self._journal.run(work)

    # -- drawings ---------------------------------------------------------------------------
    async def drawings(self, symbol: Symbol | None = None) -> list[Drawing]:
        def work(conn: Connection) -> list[Drawing]:
            q = select(drawings).order_by(drawings.c.created_ms, drawings.c.drawing_id)
            if symbol is not None:
                q = q.where(drawings.c.symbol == str(symbol))
            return [drawing_from_row(r._mapping) for r in conn.execute(q)]

        return await self._journal.run(work)

    async def save_drawing(self, drawing: Drawing) -> None:
        row = drawing_row(drawing)
        await self._journal.run(lambda conn: _upsert(conn, drawings, "drawing_id", row))

    async def delete_drawing(self, drawing_id: str) -> None:
        await self._journal.run(
            lambda conn: conn.execute(delete(drawings).where(drawings.c.drawing_id == drawing_id))
        )
