"""Alerts, their firings and drawings in the journal's database: written, read back
after the journal is closed and opened again (what a restart does), and a journal of
revision 0004 gains the tables without losing its orders."""

from __future__ import annotations

import asyncio
from decimal import Decimal

from sqlalchemy import inspect

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
from terminal.journal import SqlJournal
from terminal.journal.engine import make_engine
from terminal.journal.migrate import current_revision, head_revision, upgrade

MARKET = AlertMarket(VenueId("paper"), VenueMode.PAPER, Symbol("BTC/USDT"))


def test_alerts_firings_and_drawings_survive_a_reopen(tmp_path) -> None:
    url = f"sqlite:///{tmp_path / 'j.sqlite'}"
    cross = Alert(
        "a1",
        MARKET,
        AlertKind.CROSS,
        PriceSource.BID,
        Direction.UP,
        level=Decimal("65000.10"),
        repeat=True,
        cooldown_s=5,
        note="breakout",
        created_ms=10,
    )
    change = Alert(
        "a2",
        MARKET,
        AlertKind.CHANGE,
        PriceSource.LAST,
        Direction.EITHER,
        percent=Decimal("1.5"),
        window_s=300,
        created_ms=20,
    )
    trend = Drawing(
        "d1",
        Symbol("BTC/USDT"),
        DrawingKind.TREND,
        (ChartPoint(1_000, Decimal("100.50")), ChartPoint(61_000, Decimal("101.25"))),
        created_ms=5,
    )
    note = Drawing(
        "d2",
        Symbol("ETH/USDT"),
        DrawingKind.TEXT,
        (ChartPoint(2_000, Decimal(3000)),),
        text="support",
        created_ms=6,
    )
    journal = SqlJournal.open(url)
    try:
        chart = journal.chart

        async def write() -> None:
            await chart.save_alert(cross)
            await chart.save_alert(change)
            await chart.save_alert(change.fired(99))  # an update, not a second row
            await chart.record_firing(
                AlertFiring("a2", MARKET, 99, PriceSource.LAST, Decimal(101), Decimal("99.5"), "t")
            )
            await chart.save_drawing(trend)
            await chart.save_drawing(note)
            await chart.save_drawing(trend.moved(60_000, Decimal(1)))
            await chart.delete_drawing("d2")

        asyncio.run(write())
    finally:
        journal.close()

    journal = SqlJournal.open(url)
    try:
        chart = journal.chart
        loaded = asyncio.run(chart.load_alerts())
        assert loaded[0] == cross
        assert loaded[1].state is AlertState.FIRED and loaded[1].fired_count == 1
        assert loaded[1].percent == Decimal("1.5") and loaded[1].last_fired_ms == 99
        firings = asyncio.run(chart.firings())
        assert [(f.alert_id, f.price, f.reference) for f in firings] == [
            ("a2", Decimal(101), Decimal("99.5"))
        ]
        drawings = asyncio.run(chart.drawings())
        assert [d.drawing_id for d in drawings] == ["d1"]
        assert drawings[0].points[1] == ChartPoint(121_000, Decimal("102.25"))
        assert asyncio.run(chart.drawings(Symbol("ETH/USDT"))) == []
        asyncio.run(chart.delete_alert("a1"))
        assert [a.alert_id for a in asyncio.run(chart.load_alerts())] == ["a2"]
    finally:
        journal.close()


def test_a_0004_journal_gains_the_alert_and_drawing_tables(tmp_path) -> None:
    url = f"sqlite:///{tmp_path / 'v4.sqlite'}"
    engine = make_engine(url)
    upgrade(engine, "0004")
    assert "alerts" not in inspect(engine).get_table_names()
    engine.dispose()
    journal = SqlJournal.open(url)
    try:
        assert current_revision(journal._engine) == head_revision()
        names = set(inspect(journal._engine).get_table_names())
        assert {"alerts", "alert_firings", "drawings", "orders"} <= names
    finally:
        journal.close()
