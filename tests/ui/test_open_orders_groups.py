"""Open orders groups the legs of an OCO or a bracket under one row: the group row names
the kind and who holds it, its legs follow indented (entry, stop, target), and one
cancel of the group row asks for the whole group (never leg by leg)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from PySide6.QtCore import QItemSelectionModel

from terminal.domain.enums import HeldBy, LegRole, OrderType, Side
from terminal.domain.ids import ClientOrderId
from terminal.domain.order import Order, OrderStatus
from terminal.ui.panels.open_orders import C_STATUS, C_TYPE, OpenOrdersPanel
from terminal.ui.panels.order_groups import GROUP_PREFIX, LEG_MARK, Group

from .test_panel_open_orders import T0, FakeNow, order


def leg(n: int, list_id: str, role: LegRole, held: HeldBy, age_s: float) -> Order:
    o = order(n, OrderStatus.OPEN, Side.SELL, age_s=age_s)
    o.list_id, o.leg_role, o.held_by = list_id, role, held
    if role is LegRole.STOP:
        o.type, o.price, o.trigger_price = OrderType.STOP_MARKET, None, Decimal(90)
        o.status = OrderStatus.PENDING_TRIGGER
    return o


def test_legs_sit_under_their_group_and_one_cancel_takes_the_group(qtbot) -> None:  # type: ignore[no-untyped-def]
    panel = OpenOrdersPanel(now=FakeNow(T0))
    qtbot.addWidget(panel)
    plain = order(1, OrderStatus.OPEN, age_s=5)
    oco_stop = leg(2, "ocoA", LegRole.STOP, HeldBy.VENUE, 30)
    oco_target = leg(3, "ocoA", LegRole.TARGET, HeldBy.VENUE, 30)
    # a bracket: its entry (list = the bracket) and the pair placed for its fill
    entry = order(4, OrderStatus.PARTIALLY_FILLED, age_s=60)
    entry.list_id, entry.leg_role, entry.held_by = "brk1", LegRole.ENTRY, HeldBy.TERMINAL
    pair_stop = leg(5, "pairB", LegRole.STOP, HeldBy.VENUE, 50)
    pair_target = leg(6, "pairB", LegRole.TARGET, HeldBy.VENUE, 50)
    bracket = Group("brk1", "BRACKET", HeldBy.TERMINAL)
    panel.set_groups_provider(lambda: {"brk1": bracket, "pairB": bracket})
    panel.set_orders([pair_target, entry, oco_target, plain, pair_stop, oco_stop])
    assert panel.refresh()
    keys = panel.model.keys()
    ids = [
        str(o.client_order_id) for o in (plain, oco_stop, oco_target, entry, pair_stop, pair_target)
    ]
    assert keys == [
        ids[0],
        GROUP_PREFIX + "ocoA",
        ids[1],
        ids[2],
        GROUP_PREFIX + "brk1",
        ids[3],  # entry first, then the stop and target of the bracket's pair
        ids[4],
        ids[5],
    ]
    rows = panel.model.rows
    assert rows[1].cells[C_TYPE] == "OCO" and rows[1].bold
    assert rows[1].row_tip.startswith("OCO (held by the venue): cancelling this row")
    assert rows[1].cells[C_STATUS] == "2 open" and rows[1].cells[9] == "ocoA"
    assert rows[4].cells[C_TYPE] == "BRACKET*"
    assert rows[4].row_tip.startswith("BRACKET (held by this terminal: only while it runs)")
    assert rows[4].cells[C_STATUS] == "3 open"
    assert rows[2].cells[C_TYPE].startswith(LEG_MARK + "STOP")
    assert not rows[0].cells[C_TYPE].startswith(LEG_MARK)

    groups: list[str] = []
    singles: list[str] = []
    panel.cancelGroupRequested.connect(groups.append)
    panel.cancelRequested.connect(singles.append)
    # the group row and one of its legs selected: one group cancel, no leg cancel
    sm = panel.table.selectionModel()
    flags = QItemSelectionModel.SelectionFlag.Select | QItemSelectionModel.SelectionFlag.Rows
    for row in (4, 6):
        sm.select(panel.model.index(row, 0), flags)
    assert panel.cancel_button.isEnabled()
    assert panel.cancel_selected() == 1
    assert groups == ["brk1"] and singles == []
    # a key repeat does not ask twice
    assert panel.cancel_selected() == 0 and groups == ["brk1"]
    # a plain order still cancels on its own
    panel.select(ids[0])
    assert panel.cancel_selected() == 1 and singles == [ids[0]]


def test_a_list_the_wiring_does_not_name_is_a_group_of_its_own(qtbot) -> None:  # type: ignore[no-untyped-def]
    panel = OpenOrdersPanel(now=FakeNow(T0))
    qtbot.addWidget(panel)
    a = leg(7, "oco9", LegRole.STOP, HeldBy.TERMINAL, 10)
    b = leg(8, "oco9", LegRole.TARGET, HeldBy.TERMINAL, 10)
    b.status = OrderStatus.FILLED
    b.updated_at = T0 - timedelta(seconds=1)  # lingers a moment after its fill
    panel.set_orders([a, b])
    panel.refresh()
    rows = panel.model.rows
    assert rows[0].key == GROUP_PREFIX + "oco9"
    assert rows[0].cells[C_TYPE] == "OCO*"
    assert rows[0].cells[C_STATUS] == "1 open"
    assert ClientOrderId(rows[1].key) == a.client_order_id


def test_a_venue_held_bracket_is_one_group_whatever_order_its_legs_arrive_in(qtbot) -> None:  # type: ignore[no-untyped-def]
    panel = OpenOrdersPanel(now=FakeNow(T0))
    qtbot.addWidget(panel)
    entry = order(9, OrderStatus.OPEN, age_s=20)
    entry.list_id, entry.leg_role, entry.held_by = "otoco1", LegRole.ENTRY, HeldBy.VENUE
    stop = leg(10, "otoco1", LegRole.STOP, HeldBy.VENUE, 10)  # newer than the entry
    target = leg(11, "otoco1", LegRole.TARGET, HeldBy.VENUE, 10)
    panel.set_orders([stop, target, entry])
    panel.refresh()
    rows = panel.model.rows
    assert [r.key for r in rows] == [
        GROUP_PREFIX + "otoco1",
        entry.client_order_id,
        stop.client_order_id,
        target.client_order_id,
    ]
    assert rows[0].cells[C_TYPE] == "BRACKET" and rows[0].cells[C_STATUS] == "3 open"
