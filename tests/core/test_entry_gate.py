"""The entry gate: one owner of "may this session take orders now", one typed event
per change, a bounded wait for a reconciliation."""

from __future__ import annotations

import asyncio
import dataclasses

import pytest

from terminal.core.orders.entry import EntryGate, EntryReadiness
from terminal.domain.enums import VenueMode
from terminal.domain.ids import AccountLabel, VenueId
from terminal.domain.session import SessionKey

KEY = SessionKey(VenueId("paper"), VenueMode.PAPER, AccountLabel("default"))
OTHER = SessionKey(VenueId("paper"), VenueMode.PAPER, AccountLabel("acct2"))


def test_readiness_is_a_frozen_typed_event_emitted_once_per_change():
    gate = EntryGate()
    seen: list[EntryReadiness] = []
    gate.changed.add(seen.append)
    gate.attached(KEY, "reconciling orders with paper")
    gate.refresh()
    gate.refresh(KEY)  # nothing changed: nothing emitted
    assert seen == [EntryReadiness(KEY, False, "reconciling orders with paper")]
    with pytest.raises(dataclasses.FrozenInstanceError):
        seen[0].ready = True  # type: ignore[misc]
    gate.set_block(KEY, None)
    assert seen[-1] == EntryReadiness(KEY, True, None) and len(seen) == 2
    assert gate.latest(KEY) == seen[-1]


def test_conditions_join_the_reasons_and_a_refresh_reads_them_again():
    gate = EntryGate()
    seen: list[EntryReadiness] = []
    gate.changed.add(seen.append)
    gate.attached(KEY, "reconciling")
    gate.set_block(KEY, None)
    stopped: set[SessionKey] = set()
    gate.add_condition(lambda key: "emergency stop engaged" if key in stopped else None)
    assert seen[-1].ready
    stopped.add(KEY)
    gate.refresh()  # what the application does when the stop changes
    assert seen[-1] == EntryReadiness(KEY, False, "emergency stop engaged")
    gate.set_block(KEY, "reconciliation with paper failed: boom")
    assert seen[-1].reason == "emergency stop engaged; reconciliation with paper failed: boom"
    # the order service's own reason stays apart: submit asks it synchronously
    assert gate.block_reason(KEY) == "reconciliation with paper failed: boom"
    stopped.clear()
    gate.set_block(KEY, None)
    assert seen[-1] == EntryReadiness(KEY, True, None)


def test_a_session_never_attached_or_detached_is_not_connected():
    gate = EntryGate()
    assert gate.watch(OTHER) == EntryReadiness(OTHER, False, f"{OTHER} is not connected")
    gate.attached(KEY, "reconciling")
    gate.set_block(KEY, None)
    gate.detached(KEY)
    assert gate.latest(KEY) == EntryReadiness(KEY, False, f"{KEY} is not connected")


def test_wait_reconciled_wakes_on_the_lifted_block_and_times_out_otherwise():
    async def main() -> None:
        gate = EntryGate()
        gate.attached(KEY, "reconciling")
        waiter = asyncio.ensure_future(gate.wait_reconciled(KEY, timeout=30))
        await asyncio.sleep(0)
        assert not waiter.done()
        gate.set_block(KEY, None)
        assert await asyncio.wait_for(waiter, 5) is True
        gate.attached(OTHER, "reconciling")
        assert await gate.wait_reconciled(OTHER, timeout=0.05) is False
        assert await gate.wait_reconciled(KEY, timeout=0.05) is True  # already open

    asyncio.run(main())
