"""The user's hotkeys and the trading hotkeys.

At start the keys saved in the settings are bound (Settings > Hotkeys edits them and
binds them again at once). Trading hotkeys are off until the user enables them in that
editor; enabled, each acts only while the keyboard focus is in a trading panel (ticket,
order book, price ladder, chart, depth, open orders) and goes through the same path as
a click: order entry blocked (testnet lock, emergency stop, stale book...) means nothing
is sent and the status bar says why; an order gets the ticket's check and confirmation
dialog; arming the ladder goes through the ladder's own arming rules. The emergency
stop's hotkey is a window-wide action that is never disabled.
"""

from __future__ import annotations

import logging
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from PySide6.QtWidgets import QApplication

from terminal.core.marketstate import FeedKind, MarketState
from terminal.domain.enums import Side
from terminal.ui.panels.ticket import EntryKind
from terminal.ui.shortcuts import set_overrides

if TYPE_CHECKING:
    from terminal.settings import UiSettings
    from terminal.ui.main_window import MainWindow
    from terminal.ui.wiring.market import MarketWiring
    from terminal.ui.wiring.panels import Panels
    from terminal.ui.wiring.ports import Notify
    from terminal.ui.wiring.trading import TradingWiring

log = logging.getLogger(__name__)

TRADING_DOCKS = ("entry", "book", "dom", "chart", "depth", "open_orders")


class HotkeyWiring:
    """The user's keys and the editor from the start; the trading hotkeys act once
    `attach_trading` gave them the ticket, the market and the trading wiring."""

    def __init__(self, window: MainWindow, ui: UiSettings, notify: Notify) -> None:
        self.window = window
        self.ui = ui
        self.last_message = ""
        self.editor: Any = None
        self.panels: Panels | None = None
        self.state: MarketState | None = None
        self.market: MarketWiring | None = None
        self.trading: TradingWiring | None = None
        dropped = set_overrides(self.ui.hotkeys)
        if dropped:
            notify(
                "warning",
                f"Settings: hotkeys of {', '.join(sorted(dropped))} not understood; "
                "their default keys are used",
            )
        self.window.apply_hotkeys(self.ui.trading_hotkeys)
        a = self.window.actions_by_id
        a["hotkey_editor"].triggered.connect(self.open_editor)
        a["buy_bid"].triggered.connect(lambda: self.trade(Side.BUY, "bid"))
        a["buy_ask"].triggered.connect(lambda: self.trade(Side.BUY, "ask"))
        a["buy_market"].triggered.connect(lambda: self.trade(Side.BUY, "market"))
        a["sell_bid"].triggered.connect(lambda: self.trade(Side.SELL, "bid"))
        a["sell_ask"].triggered.connect(lambda: self.trade(Side.SELL, "ask"))
        a["sell_market"].triggered.connect(lambda: self.trade(Side.SELL, "market"))
        a["cancel_symbol"].triggered.connect(self.cancel_symbol)
        a["flatten"].triggered.connect(self.flatten)
        a["arm_ladder"].triggered.connect(self.arm_ladder)

    def attach_trading(
        self, panels: Panels, state: MarketState, market: MarketWiring, trading: TradingWiring
    ) -> None:
        self.panels, self.state, self.market, self.trading = panels, state, market, trading

    # -- the editor -------------------------------------------------------------------------
    def open_editor(self) -> Any:
        from terminal.ui.hotkey_editor import HotkeyEditor

        if self.editor is not None:
            self.editor.raise_()
            return self.editor
        editor = self.editor = HotkeyEditor(self.ui.trading_hotkeys, self.window)
        editor.saved.connect(self.save)
        editor.finished.connect(lambda *_: setattr(self, "editor", None))
        editor.open()  # non-modal to the event loop: no nested exec()
        return editor

    def save(self, changed: dict[str, tuple[str, ...]], trading: bool) -> None:
        self.ui.hotkeys = {action: list(keys) for action, keys in changed.items()}
        self.ui.trading_hotkeys = trading
        set_overrides(self.ui.hotkeys)
        self.window.apply_hotkeys(trading)
        self.say(f"Hotkeys saved; trading hotkeys {'on' if trading else 'off'}")

    # -- the trading hotkeys --------------------------------------------------------------------
    def say(self, text: str) -> None:
        self.last_message = text
        self.window.show_status(text, 8000)

    def focus_in_trading_panel(self) -> bool:
        focus = QApplication.focusWidget()
        if focus is None:
            return False
        docks = self.window.docks
        return any(name in docks and docks[name].isAncestorOf(focus) for name in TRADING_DOCKS)

    def _may_act(self, what: str, orders: bool = True) -> bool:
        """False (and the status bar says why) when the hotkey must not act now."""
        if not self.window.trading_hotkeys:
            self.say(f"{what}: trading hotkeys are off (Settings > Hotkeys)")
            return False
        if not self.focus_in_trading_panel():
            self.say(f"{what}: trading hotkeys act only while a trading panel has the focus")
            return False
        trading = self.trading
        if trading is None or self.market is None or self.market.active is None:
            self.say(f"{what}: no market yet")
            return False
        if orders:
            reason = trading.entry_block_reason()
            if reason:
                self.say(f"{what}: not sent: order entry disabled: {reason}")
                return False
        return True

    def _parts(self) -> tuple[Panels, MarketState, MarketWiring, TradingWiring]:
        """The trading parts (attached: `_may_act` said so)."""
        assert self.panels and self.state and self.market and self.trading
        return self.panels, self.state, self.market, self.trading

    def _submit(self, what: str) -> None:
        entry = self._parts()[0].entry
        entry.request_submit()  # the ticket's check, then its confirmation
        if entry.confirmation is None:
            refusals = [r.message for r in getattr(entry, "_refusals", [])]
            problems = "; ".join([*entry.state.problems, *refusals]) or entry.status_label.text()
            self.say(f"{what}: not sent: {problems or 'the ticket cannot send now'}")
        else:
            self.say(f"{what}: confirm in the dialog")

    def trade(self, side: Side, where: str) -> None:
        what = f"{side.value.capitalize()} at {where}"
        if not self._may_act(what):
            return
        panels, state, market, _ = self._parts()
        entry = panels.entry
        if where == "market":
            entry.set_side(side)
            entry.set_kind(EntryKind.MARKET)
            self._submit(what)
            return
        active = market.active
        assert active is not None  # _may_act checked it
        view = state.book_view(active.key(FeedKind.BOOK), 1)
        level = None
        if view is not None:
            level = view.best_bid if where == "bid" else view.best_ask
        if level is None:
            self.say(f"{what}: not sent: no live {where} price")
            return
        entry.set_side(side)
        if entry.current_kind() is EntryKind.MARKET:
            entry.set_kind(EntryKind.LIMIT)
        rules = entry.rules
        entry.set_price(rules.format_price(level.price) if rules else str(level.price))
        self._submit(what)

    def cancel_symbol(self) -> None:
        if not self._may_act("Cancel all of this symbol", orders=False):
            return
        _, _, market, trading = self._parts()
        active = market.active
        assert active is not None  # _may_act checked it
        trading.cancel_all(active.session.venue, active.symbol)
        self.say(f"Cancelling every open order of {active.symbol} on {active.session.venue}")

    def flatten(self) -> None:
        what = "Flatten"
        if not self._may_act(what):
            return
        panels, state, _, trading = self._parts()
        entry = panels.entry
        rules = entry.rules
        session = trading.session
        balances = state.balances(session) if session is not None else None
        if rules is None or balances is None:
            self.say(f"{what}: not sent: no balance known yet")
            return
        amount = rules.round_amount(balances.free(rules.base))
        if amount <= Decimal(0):
            self.say(f"{what}: nothing to sell: no free {rules.base}")
            return
        entry.set_side(Side.SELL)
        entry.set_kind(EntryKind.MARKET)
        entry.set_amount_in_quote(False)
        entry.set_amount(rules.format_amount(amount))
        self._submit(what)

    def arm_ladder(self) -> None:
        if self.panels is None:
            self.say("Arm the ladder: no market yet")
            return
        button = self.panels.dom.arm_button
        arming = not button.isChecked()  # disarming is always allowed
        if not self._may_act("Arm the ladder" if arming else "Disarm the ladder", orders=arming):
            return
        button.click()  # the ladder's own rules: it refuses to arm while entry is blocked
        self.say("Ladder armed" if button.isChecked() else "Ladder disarmed")
