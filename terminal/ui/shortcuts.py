"""The hotkeys, as one table: the main window binds them, Help > Shortcuts lists them,
Settings > Hotkeys edits them (the user's keys are kept in the settings).

Keeping them in one place means the help can never disagree with what is bound.
Trading hotkeys (`TRADING_HOTKEYS`) are off until the user enables them in the editor.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtGui import QKeySequence


@dataclass(frozen=True)
class Hotkey:
    action: str  # id of the main window action
    keys: tuple[str, ...]  # portable key sequences, first one shown in tooltips
    description: str
    trading: bool = False  # a trading hotkey: off until enabled, acts from trading panels


HOTKEYS: tuple[Hotkey, ...] = (
    Hotkey(
        "emergency_stop",
        ("F12", "Ctrl+Shift+X"),
        "Emergency stop: block new orders and cancel every open order",
    ),
    Hotkey(
        "buy",
        ("Ctrl+B",),
        "Buy: ticket to buy and send it (confirmation follows); no amount yet: go to the amount",
    ),
    Hotkey(
        "sell",
        ("Ctrl+S",),
        "Sell: ticket to sell and send it (confirmation follows); no amount yet: go to the amount",
    ),
    Hotkey("cancel_all", ("Ctrl+Shift+C",), "Cancel all open orders on the active venue"),
    Hotkey("focus_amount", ("Ctrl+Shift+A", "F3"), "Focus the amount field of the ticket"),
    Hotkey("focus_price", ("Ctrl+Shift+P", "F2"), "Focus the price field of the ticket"),
    Hotkey("palette", ("Ctrl+K",), "Command palette: jump to a symbol, venue or action"),
    Hotkey("lock", ("Ctrl+L",), "Testnet lock on again (locks every live venue)"),
    Hotkey("symbol", ("Ctrl+F",), "Choose the symbol"),
    Hotkey("shortcuts", ("F1",), "Show this list"),
    Hotkey("quit", ("Ctrl+Q",), "Quit (saves the layout)"),
)
# Off until enabled (Settings > Hotkeys); they act only while the focus is in a trading
# panel (ticket, book, ladder, chart, depth, open orders) and go through the ticket's
# checks and confirmation, the safety gate (testnet lock, emergency stop) and the journal.
TRADING_HOTKEYS: tuple[Hotkey, ...] = (
    Hotkey("buy_bid", ("Ctrl+Alt+1",), "Trading: buy limit at the bid, the ticket's amount", True),
    Hotkey("buy_ask", ("Ctrl+Alt+2",), "Trading: buy limit at the ask, the ticket's amount", True),
    Hotkey("buy_market", ("Ctrl+Alt+3",), "Trading: buy at market, the ticket's amount", True),
    Hotkey(
        "sell_bid", ("Ctrl+Alt+4",), "Trading: sell limit at the bid, the ticket's amount", True
    ),
    Hotkey(
        "sell_ask", ("Ctrl+Alt+5",), "Trading: sell limit at the ask, the ticket's amount", True
    ),
    Hotkey("sell_market", ("Ctrl+Alt+6",), "Trading: sell at market, the ticket's amount", True),
    Hotkey(
        "cancel_symbol", ("Ctrl+Alt+C",), "Trading: cancel all open orders of this symbol", True
    ),
    Hotkey(
        "flatten",
        ("Ctrl+Alt+F",),
        "Trading: flatten: sell the whole free base balance at market (spot)",
        True,
    ),
    Hotkey("arm_ladder", ("Ctrl+Alt+D",), "Trading: arm or disarm the price ladder", True),
)
# Bound by a panel, active while the focus is in it (not window actions; `action` names
# the panel's QAction). Help > Shortcuts lists these after HOTKEYS.
PANEL_HOTKEYS: tuple[Hotkey, ...] = (
    Hotkey(
        "amend",
        ("Ctrl+E",),
        "Open orders: amend the selected limit order's price or "
        "amount (also its context menu, or double-click its price or amount)",
    ),
)
ALL_HOTKEYS: tuple[Hotkey, ...] = HOTKEYS + TRADING_HOTKEYS + PANEL_HOTKEYS
BY_ACTION: dict[str, Hotkey] = {h.action: h for h in ALL_HOTKEYS}
# The user's keys (Settings > Hotkeys): action -> keys; an action not named keeps its
# default. Set by the main window from the settings, read by everything below.
_overrides: dict[str, tuple[str, ...]] = {}


def set_overrides(overrides: dict[str, list[str]] | dict[str, tuple[str, ...]]) -> list[str]:
    """Use the user's keys; entries for unknown actions or unreadable keys are dropped
    and named in the returned list (a settings file edited by hand)."""
    _overrides.clear()
    dropped = []
    for action, keys in overrides.items():
        texts = tuple(str(k) for k in keys) if isinstance(keys, (list, tuple)) else None
        if action not in BY_ACTION or texts is None or not all(normal(k) for k in texts):
            dropped.append(action)
            continue
        _overrides[action] = tuple(normal(k) for k in texts)
    return dropped


def keys_of(action: str) -> tuple[str, ...]:
    return _overrides.get(action, BY_ACTION[action].keys)


def normal(key: str) -> str:
    """One key sequence in Qt's portable spelling ("" if Qt cannot read it)."""
    seq = QKeySequence(key.strip())
    if seq.isEmpty():
        return ""
    return seq.toString(QKeySequence.SequenceFormat.PortableText)


def conflicts(mapping: dict[str, tuple[str, ...]]) -> dict[str, list[str]]:
    """Keys bound to more than one action: key -> the actions (in table order)."""
    owners: dict[str, list[str]] = {}
    for h in ALL_HOTKEYS:
        for key in mapping.get(h.action, ()):
            owners.setdefault(normal(key), []).append(h.action)
    return {k: v for k, v in owners.items() if k and len(v) > 1}


def sequences(action: str) -> list[QKeySequence]:
    return [QKeySequence(k) for k in keys_of(action)]


def keys_text(action: str) -> str:
    """'F12 / Ctrl+Shift+X', in the platform's native spelling."""
    return " / ".join(
        QKeySequence(k).toString(QKeySequence.SequenceFormat.NativeText) for k in keys_of(action)
    )


def markdown_table() -> str:
    """The default hotkeys as a Markdown table (README)."""
    lines = ["| Keys | Action |", "|---|---|"]
    lines += [f"| {' / '.join(h.keys)} | {h.description} |" for h in ALL_HOTKEYS]
    return "\n".join(lines)
