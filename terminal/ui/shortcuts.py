"""The hotkeys, as one table: the main window binds them, Help > Shortcuts lists them.

Keeping them in one place means the help can never disagree with what is bound.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtGui import QKeySequence


@dataclass(frozen=True)
class Hotkey:
    action: str  # id of the main window action
    keys: tuple[str, ...]  # portable key sequences, first one shown in tooltips
    description: str


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
BY_ACTION: dict[str, Hotkey] = {h.action: h for h in HOTKEYS + PANEL_HOTKEYS}


def sequences(action: str) -> list[QKeySequence]:
    return [QKeySequence(k) for k in BY_ACTION[action].keys]


def keys_text(action: str) -> str:
    """'F12 / Ctrl+Shift+X', in the platform's native spelling."""
    return " / ".join(
        QKeySequence(k).toString(QKeySequence.SequenceFormat.NativeText)
        for k in BY_ACTION[action].keys
    )


def markdown_table() -> str:
    """The hotkeys as a Markdown table (README)."""
    lines = ["| Keys | Action |", "|---|---|"]
    lines += [f"| {' / '.join(h.keys)} | {h.description} |" for h in HOTKEYS + PANEL_HOTKEYS]
    return "\n".join(lines)
