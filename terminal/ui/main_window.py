"""The main window: docks, toolbar with the safety switches, menus, status bar.

A shell that knows no core object. It is built in a few milliseconds with light
placeholders in every dock, so the first paint happens before ccxt, pyqtgraph or the
journal are imported; the wiring (`terminal.ui.wiring`) then puts the real panels into
the docks (`set_panel`) and connects the signals below to the core.

The app goes one step further (`MainWindow(docks=False)`): its first paint is the
window with menus, toolbar (venue, symbol, the testnet lock and the emergency stop),
title and status bar, and the docks are built right after it (`build_docks`):
creating and arranging them costs about as much as everything else in the window
(~18 ms on the reference machine, a fifth of a bare Qt window's whole start). A saved
layout is applied in two steps: the window's geometry before it is shown, the docks'
state once they exist.

Notices (uncaught errors routed by `terminal.crash`) arrive through the
`notice_requested` signal, which any thread may emit: Qt queues the delivery onto the
GUI thread, so the callback never touches a widget from a worker thread.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QSize, Qt, QTimer, Signal, Slot
from PySide6.QtGui import (
    QAction,
    QActionGroup,
    QCloseEvent,
    QGuiApplication,
    QKeySequence,
)
from PySide6.QtWidgets import (
    QComboBox,
    QDockWidget,
    QLabel,
    QMainWindow,
    QSizePolicy,
    QToolBar,
    QWidget,
)

from terminal.ui import layout as layout_io
from terminal.ui.safety_controls import EmergencyStopButton, LockSwitch
from terminal.ui.shortcuts import BY_ACTION, TRADING_HOTKEYS, keys_of, keys_text, sequences
from terminal.ui.status import VenueStatusStrip
from terminal.ui.theme import icon, repolish
from terminal.ui.window_layout import DockArrangement
from terminal.ui.window_parts import ElidedFreshnessLabel, NoticeBar, ToolbarRow, placeholder_label

log = logging.getLogger(__name__)

APP_TITLE = "Trading Terminal"
NOTICE_MS = 20_000
DEFAULT_SIZE = QSize(1440, 900)


@dataclass(frozen=True)
class DockSpec:
    name: str  # stable id: object name "dock_<name>" is what the saved layout refers to
    title: str
    hidden: bool = False  # not shown by the default layout (opened from View > Panels)


DOCKS: tuple[DockSpec, ...] = (
    DockSpec("watchlist", "Watchlist"),
    DockSpec("chart", "Chart"),
    DockSpec("book", "Order book"),
    DockSpec("depth", "Depth"),
    DockSpec("tape", "Trades"),
    DockSpec("entry", "Order entry"),
    DockSpec("balances", "Balances"),
    DockSpec("open_orders", "Open orders"),
    DockSpec("history", "History"),
    DockSpec("notifications", "Notifications"),
    DockSpec("health", "Health"),
    DockSpec("logs", "Logs"),
    DockSpec("alerts", "Alerts"),
    DockSpec("positions", "Positions"),
    DockSpec("dom", "Price ladder", hidden=True),
)
HIDDEN_BY_DEFAULT = frozenset(spec.name for spec in DOCKS if spec.hidden)


class MainWindow(DockArrangement):
    """The terminal's window. Signals carry what the user chose; the wiring acts on them."""

    notice_requested = Signal(str)
    notice_shown = Signal(str)  # the red bar shows this text
    venue_selected = Signal(str)
    symbol_selected = Signal(str)
    theme_selected = Signal(str)
    closing = Signal()
    hidden_by_default = HIDDEN_BY_DEFAULT

    def __init__(
        self, config_dir: Path | None = None, parent: QWidget | None = None, *, docks: bool = True
    ) -> None:
        """`docks=False`: a shell without docks until `build_docks()` (the app's start)."""
        super().__init__(parent)
        self.setObjectName("MainWindow")
        self.setWindowIcon(icon("app"))
        self.setDockNestingEnabled(True)
        self.setDockOptions(
            QMainWindow.DockOption.AnimatedDocks
            | QMainWindow.DockOption.AllowNestedDocks
            | QMainWindow.DockOption.AllowTabbedDocks
        )
        self.resize(self.default_size())
        self._store = layout_io.LayoutStore(config_dir) if config_dir is not None else None
        self._venue_name = "Paper exchange"
        self._mode = "paper"
        self._symbol = ""
        self._layout_restored = False
        self._pending_layout: layout_io.SavedLayout | None = None  # state for build_docks
        self._docks_built = False
        self._shown_once = False
        self._compact_arranged = False
        self.actions_by_id: dict[str, QAction] = {}
        self.docks: dict[str, QDockWidget] = {}
        self.panels: dict[str, QWidget] = {}

        self.notice_bar = NoticeBar(self)
        self.setMenuWidget(None)  # type: ignore[arg-type]  # None is allowed; the stubs miss it
        self._build_actions()
        self._build_menus()
        self._build_toolbar()
        self._build_status()
        if docks:
            self.build_docks()
        self.notice_requested.connect(self.show_notice)
        self.set_venues([("paper", "Paper exchange")])
        self.set_context("paper", "Paper exchange", "paper", "BTC/USDT")

    # ------------------------------------------------------------------ building
    def _action(
        self, action_id: str, text: str, *, icon_name: str = "", hotkey: bool = False
    ) -> QAction:
        act = QAction(text, self)
        act.setObjectName(f"action_{action_id}")
        if icon_name:
            act.setIcon(icon(icon_name))
        if hotkey:
            act.setShortcuts(sequences(action_id))
            act.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
            act.setToolTip(f"{text} ({keys_text(action_id)})")
        self.addAction(act)  # hotkeys work wherever the focus is in the window
        self.actions_by_id[action_id] = act
        return act

    def default_size(self) -> QSize:
        """1440x900, or less on a smaller screen (a laptop's 1366x768 must fit)."""
        screen = self.screen()
        if screen is None or QGuiApplication.platformName() in ("offscreen", "minimal"):
            return DEFAULT_SIZE  # no real screen: screenshots keep the full size
        avail = screen.availableGeometry()
        return QSize(
            min(DEFAULT_SIZE.width(), int(avail.width() * 0.95)),
            min(DEFAULT_SIZE.height(), int(avail.height() * 0.92)),
        )

    def _build_actions(self) -> None:
        a = self._action
        a("emergency_stop", "Emergency stop", icon_name="stop", hotkey=True)
        a("buy", "Buy", hotkey=True)
        a("sell", "Sell", hotkey=True)
        a("cancel_all", "Cancel all open orders", hotkey=True)
        a("focus_amount", "Focus amount", hotkey=True)
        a("focus_price", "Focus price", hotkey=True)
        a("palette", "Command palette…", hotkey=True)
        a("lock", "Lock live trading (testnet lock on)", icon_name="lock", hotkey=True)
        a("unlock", "Unlock live trading…", icon_name="unlock")
        a("reset_stop", "Reset emergency stop…")
        a("stop_venue", "Emergency stop: active venue only (every session of it)")
        a("stop_session", "Emergency stop: active session only")
        a("stop_symbol", "Emergency stop: active symbol on the active session only")
        a("symbol", "Choose symbol", hotkey=True)
        a("shortcuts", "Keyboard shortcuts", icon_name="help", hotkey=True)
        a("quit", "Quit", hotkey=True)
        a("connect", "Connect a venue…", icon_name="connect")
        a("reconnect", "Reconnect active venue")
        a("export_history", "Export order history (CSV)…", icon_name="export")
        a("export_fills", "Export fills (CSV)…", icon_name="export")
        a("reset_layout", "Reset layout", icon_name="layout")
        a("about", "About")
        a("hotkey_editor", "Hotkeys…")
        for hotkey in TRADING_HOTKEYS:  # off until Settings > Hotkeys enables them
            a(hotkey.action, hotkey.description.removeprefix("Trading: "), hotkey=True)
            self.actions_by_id[hotkey.action].setEnabled(False)
        self.trading_hotkeys = False
        self.actions_by_id["quit"].triggered.connect(self.close)
        self.actions_by_id["shortcuts"].triggered.connect(self.show_shortcuts)
        self.actions_by_id["reset_layout"].triggered.connect(self.reset_layout)
        self.actions_by_id["symbol"].triggered.connect(self._focus_symbol)

    def _build_menus(self) -> None:
        bar = self.menuBar()
        ids = self.actions_by_id
        file_menu = bar.addMenu("&File")
        for act in ("export_history", "export_fills"):
            file_menu.addAction(ids[act])
        file_menu.addSeparator()
        file_menu.addAction(ids["quit"])
        venue_menu = self.venue_menu = bar.addMenu("&Venue")  # wiring adds Disconnect items
        for act in ("connect", "reconnect"):
            venue_menu.addAction(ids[act])
        trade_menu = bar.addMenu("&Trading")
        for act in ("buy", "sell", "cancel_all"):
            trade_menu.addAction(ids[act])
        trade_menu.addSeparator()
        for act in ("emergency_stop", "stop_venue", "stop_session", "stop_symbol"):
            trade_menu.addAction(ids[act])
        for act in ("reset_stop", "lock", "unlock"):
            trade_menu.addAction(ids[act])
        self.view_menu = bar.addMenu("&View")
        self.view_menu.addAction(ids["palette"])
        self.view_menu.addAction(ids["reset_layout"])
        theme_menu = self.view_menu.addMenu("Theme")
        theme_menu.setIcon(icon("theme"))
        self.theme_actions = QActionGroup(self)
        for name in ("dark", "light"):
            theme_act = theme_menu.addAction(name.capitalize())
            theme_act.setObjectName(f"action_theme_{name}")
            theme_act.setCheckable(True)
            theme_act.setData(name)
            self.theme_actions.addAction(theme_act)
            theme_act.triggered.connect(lambda _=False, n=name: self.theme_selected.emit(n))
        self.view_menu.addSeparator()
        self.panels_menu = self.view_menu.addMenu("Panels")
        settings_menu = bar.addMenu("&Settings")
        settings_menu.addAction(ids["hotkey_editor"])
        help_menu = bar.addMenu("&Help")
        help_menu.addAction(ids["shortcuts"])
        help_menu.addAction(ids["about"])

    def _build_toolbar(self) -> None:
        bar = QToolBar("Main", self)
        bar.setObjectName("toolbar_main")
        bar.setMovable(False)
        bar.setIconSize(QSize(18, 18))
        self.addToolBar(Qt.ToolBarArea.TopToolBarArea, bar)
        self.toolbar = bar

        self.venue_combo = QComboBox()
        self.venue_combo.setObjectName("venueCombo")
        self.venue_combo.setMinimumWidth(96)  # narrower than its text: the name is elided
        self.venue_combo.setToolTip("The active venue: chart, book, tape and order entry")
        self.venue_combo.activated.connect(self._venue_activated)
        self.mode_badge = QLabel("PAPER")
        self.mode_badge.setObjectName("modeBadge")

        self.symbol_combo = QComboBox()
        self.symbol_combo.setObjectName("symbolCombo")
        self.symbol_combo.setEditable(True)
        self.symbol_combo.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.symbol_combo.setMinimumWidth(90)
        self.symbol_combo.setToolTip(f"The active symbol ({keys_text('symbol')})")
        self.symbol_combo.activated.connect(self._symbol_activated)

        self.data_label = ElidedFreshnessLabel()
        self.lock_switch = LockSwitch()
        self.stop_button = EmergencyStopButton(BY_ACTION["emergency_stop"].keys[0])
        # One widget in the toolbar: a QToolBar moves widgets that do not fit into its
        # extension menu, and the safety controls must never go there (see ToolbarRow).
        self.toolbar_row = ToolbarRow(
            venue_combo=self.venue_combo,
            mode_badge=self.mode_badge,
            symbol_combo=self.symbol_combo,
            data_label=self.data_label,
            lock_switch=self.lock_switch,
            stop_button=self.stop_button,
        )
        bar.addWidget(self.toolbar_row)

        self.addToolBarBreak()
        notice_holder = QToolBar("Notices", self)
        notice_holder.setObjectName("toolbar_notices")
        notice_holder.setMovable(False)
        notice_holder.addWidget(self.notice_bar)
        self.notice_bar.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self.addToolBar(Qt.ToolBarArea.TopToolBarArea, notice_holder)
        self.notice_toolbar = notice_holder
        notice_holder.hide()
        self.notice_bar.dismissed.connect(notice_holder.hide)

    @property
    def docks_built(self) -> bool:
        return self._docks_built

    def build_docks(self) -> None:
        """Create the docks with placeholders, arrange them and apply the saved dock
        state if `restore_layout` left one. Idempotent."""
        if self._docks_built:
            return
        self._docks_built = True
        self._build_docks()
        self._arrange_default()
        saved, self._pending_layout = self._pending_layout, None
        if saved is not None:
            self._apply_saved(saved, geometry=False)
        if self._shown_once and not self._layout_restored:
            # as after a first show: the sizes stick once the new docks were laid out
            QTimer.singleShot(0, self._apply_default_sizes)

    def _build_docks(self) -> None:
        for spec in DOCKS:
            dock = QDockWidget(spec.title, self)
            dock.setObjectName(f"dock_{spec.name}")
            dock.setWidget(placeholder_label(f"{spec.title}\nconnecting…"))
            dock.setFeatures(
                QDockWidget.DockWidgetFeature.DockWidgetMovable
                | QDockWidget.DockWidgetFeature.DockWidgetFloatable
                | QDockWidget.DockWidgetFeature.DockWidgetClosable
            )
            self.docks[spec.name] = dock
            self.panels_menu.addAction(dock.toggleViewAction())
            if spec.hidden:  # opened from the menu: in front of the tab group it joins
                dock.toggleViewAction().triggered.connect(
                    lambda on, d=dock: d.raise_() if on else None
                )

    def _build_status(self) -> None:
        status = self.statusBar()
        self.venue_status = VenueStatusStrip()
        status.addPermanentWidget(self.venue_status)
        self.entry_status = QLabel("")
        self.entry_status.setObjectName("entryStatus")
        status.addWidget(self.entry_status, 1)

    # ------------------------------------------------------------------ panels
    def set_panel(self, name: str, widget: QWidget) -> None:
        """Put the real panel into dock `name` (replaces the placeholder)."""
        dock = self.docks[name]
        old = dock.widget()
        dock.setWidget(widget)
        self.panels[name] = widget
        if old is not None and old is not widget:
            old.deleteLater()

    def set_placeholder(self, name: str, text: str) -> None:
        if name not in self.panels:
            widget = self.docks[name].widget()
            if isinstance(widget, QLabel):
                widget.setText(text)

    # ------------------------------------------------------------------ context
    def set_context(self, venue: str, venue_name: str, mode: str, symbol: str) -> None:
        """Show which venue, mode and symbol are active (title, badge, selectors)."""
        self._venue_name, self._mode, self._symbol = venue_name, mode, symbol
        self.mode_badge.setText(mode.upper())
        if self.mode_badge.property("mode") != mode:
            self.mode_badge.setProperty("mode", mode)
            repolish(self.mode_badge)
        idx = self.venue_combo.findData(venue)
        if idx >= 0:
            self.venue_combo.setCurrentIndex(idx)
        if symbol and self.symbol_combo.currentText() != symbol:
            self.symbol_combo.setEditText(symbol)
            idx = self.symbol_combo.findText(symbol)
            if idx >= 0:
                self.symbol_combo.setCurrentIndex(idx)
        mode_text = {
            "paper": "PAPER",
            "sandbox": "TESTNET",
            "demo": "DEMO",
            "live": "LIVE — REAL MONEY",
        }.get(mode, mode.upper())
        self.setWindowTitle(f"{symbol} · {venue_name} · {mode_text} — {APP_TITLE}")

    def set_venues(self, venues: list[tuple[str, str]]) -> None:
        """(venue id, display name) of the venues the selector offers."""
        current = self.venue_combo.currentData()
        self.venue_combo.blockSignals(True)
        self.venue_combo.clear()
        for venue, name in venues:
            self.venue_combo.addItem(name, venue)
        idx = self.venue_combo.findData(current)
        self.venue_combo.setCurrentIndex(max(idx, 0))
        self.venue_combo.blockSignals(False)

    def set_symbols(self, symbols: list[str]) -> None:
        current = self._symbol or self.symbol_combo.currentText()
        self.symbol_combo.blockSignals(True)
        self.symbol_combo.clear()
        self.symbol_combo.addItems(symbols)
        idx = self.symbol_combo.findText(current)
        if idx >= 0:
            self.symbol_combo.setCurrentIndex(idx)
        else:
            self.symbol_combo.setEditText(current)
        self.symbol_combo.blockSignals(False)

    def set_theme_checked(self, name: str) -> None:
        for act in self.theme_actions.actions():
            act.setChecked(act.data() == name)

    def _venue_activated(self, index: int) -> None:
        venue = self.venue_combo.itemData(index)
        if venue:
            self.venue_selected.emit(str(venue))

    def _symbol_activated(self, index: int) -> None:
        text = self.symbol_combo.itemText(index).strip().upper()
        if text:
            self.symbol_selected.emit(text)

    def _focus_symbol(self) -> None:
        self.symbol_combo.setFocus(Qt.FocusReason.ShortcutFocusReason)
        line = self.symbol_combo.lineEdit()
        if line is not None:
            line.selectAll()

    # ------------------------------------------------------------------ notices
    @Slot(str)
    def show_notice(self, text: str) -> None:
        """An error the user must see: the red bar stays until closed; also in the status."""
        self.notice_bar.label.setText(f"Error: {text}")
        self.notice_toolbar.show()
        self.statusBar().showMessage(f"Error: {text}", NOTICE_MS)
        self.notice_shown.emit(text)

    def notice_text(self) -> str:
        """The text of the red bar while it shows, else ""."""
        return "" if self.notice_toolbar.isHidden() else self.notice_bar.label.text()

    def clear_notice(self) -> None:
        """Take the red bar away (what it said stays in the log and the notifications)."""
        self.notice_bar.label.clear()
        self.notice_toolbar.hide()

    def show_status(self, text: str, ms: int = 6000) -> None:
        self.statusBar().showMessage(text, ms)

    def show_shortcuts(self) -> QWidget:
        from terminal.ui.shortcuts_dialog import ShortcutsDialog

        dialog = ShortcutsDialog(self, self.trading_hotkeys)
        dialog.show()
        return dialog

    def apply_hotkeys(self, trading_enabled: bool) -> None:
        """Bind every hotkey action to its keys now (the user's, see shortcuts.set_overrides)
        and switch the trading hotkeys on or off."""
        for action_id in BY_ACTION:
            act = self.actions_by_id.get(action_id)  # panel hotkeys are bound by their panel
            if act is not None:
                act.setShortcuts(sequences(action_id))
                act.setToolTip(f"{act.text()} ({keys_text(action_id)})")
        stop_keys = keys_of("emergency_stop")
        if stop_keys:
            self.stop_button.set_hotkey(stop_keys[0])
        self.trading_hotkeys = trading_enabled
        for hotkey in TRADING_HOTKEYS:
            self.actions_by_id[hotkey.action].setEnabled(trading_enabled)

    def closeEvent(self, event: QCloseEvent) -> None:
        self.save_layout()
        self.closing.emit()
        super().closeEvent(event)


def shortcut_text(action: QAction) -> str:
    seqs = action.shortcuts()
    return " / ".join(s.toString(QKeySequence.SequenceFormat.NativeText) for s in seqs)
