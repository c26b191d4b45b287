"""The Health card shows a perpetual session's dead-man's switch while it is armed."""

from __future__ import annotations

from terminal.core.health import HealthRegistry
from terminal.domain.enums import VenueMode
from terminal.domain.ids import AccountLabel, VenueId
from terminal.domain.session import MarketType, SessionKey
from terminal.ui.panels.health import HealthPanel


class Clock:
    def monotonic(self) -> float:
        return 1000.0


def test_card_shows_the_armed_switch_and_off(qtbot) -> None:
    reg = HealthRegistry(Clock())
    key = SessionKey(VenueId("paper"), VenueMode.PAPER, AccountLabel("default"), MarketType.PERP)
    tracker = reg.tracker(key)
    tracker.set_connected()
    panel = HealthPanel(provider=reg.snapshots, poll_interval_s=0)
    qtbot.addWidget(panel)
    panel.refresh()
    card = panel.cards["paper/paper/default/perp"]
    assert card.values["dead_man"].text() == "off"
    tracker.set_dead_man("armed, 60 s")
    panel.refresh()
    assert card.values["dead_man"].text() == "armed, 60 s"
    assert "cancels this session's orders" in card.values["dead_man"].toolTip()
    tracker.set_dead_man(None)
    panel.refresh()
    assert card.values["dead_man"].text() == "off"
