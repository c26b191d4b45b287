"""The connect dialog's fields of a paper-on-live session ("Paper on <venue>"): no keys,
only the starting balances the user chooses, and whether to start the account over.

Balances are typed as amounts with their asset, comma-separated: `10000 USDT, 0.5 BTC`.
A malformed entry is refused in one line under the field (never rewritten into another
value); the Connect button stays disabled until the entry reads.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QCheckBox, QFormLayout, QLabel, QLineEdit

from terminal.domain.enums import VenueMode

from ._style import ERROR, MUTED

DEFAULT_TEXT = "10000 USDT"
_ASSET = re.compile(r"^[A-Z0-9]{1,20}$")
MAX_ENTRIES = 50


@dataclass(frozen=True)
class PaperLiveRequest:
    """Connect `venue` as paper on live data for `account` with these balances."""

    venue: str
    account: str
    balances: dict[str, Decimal] = field(default_factory=dict)
    reset: bool = False
    mode: VenueMode = VenueMode.PAPER_LIVE


def parse_balances(text: str) -> dict[str, Decimal] | str:
    """`10000 USDT, 0.5 BTC` -> {"USDT": 10000, "BTC": 0.5}; or why it does not read."""
    out: dict[str, Decimal] = {}
    parts = [p.strip() for p in text.split(",") if p.strip()]
    if not parts:
        return "give at least one balance, e.g. 10000 USDT"
    if len(parts) > MAX_ENTRIES:
        return f"at most {MAX_ENTRIES} balances"
    for part in parts:
        words = part.split()
        if len(words) != 2:
            return f"{part!r} is not an amount and an asset, e.g. 10000 USDT"
        amount_text, asset = words[0], words[1].upper()
        try:
            amount = Decimal(amount_text)
        except InvalidOperation:
            return f"{amount_text!r} is not a number"
        if not amount.is_finite() or amount < 0:
            return f"{amount_text} is not a balance (a number of zero or more)"
        if not _ASSET.match(asset):
            return f"{words[1]!r} is not an asset name"
        if asset in out:
            return f"{asset} is given twice"
        out[asset] = amount
    return out


class PaperLiveFields(QObject):
    """Starting balances and the start-over box, as rows of the dialog's form (shown
    only while paper on live is chosen); `changed` on every edit."""

    changed = Signal()

    def __init__(self, form: QFormLayout) -> None:
        super().__init__(form)
        self._form = form
        self.balances_edit = QLineEdit(DEFAULT_TEXT)
        self.balances_edit.setObjectName("paperBalances")
        self.balances_edit.setPlaceholderText("e.g. 10000 USDT, 0.5 BTC")
        self.balances_edit.textChanged.connect(self._edited)
        form.addRow("Starting balances", self.balances_edit)
        self.reset_box = QCheckBox("Start this account over with these balances")
        self.reset_box.setObjectName("paperReset")
        self.reset_box.setToolTip(
            "Off: an account used before keeps its balances, orders and fills; "
            "the balances above apply to a new account only"
        )
        self.reset_box.toggled.connect(self._edited)
        form.addRow("", self.reset_box)
        self.note = QLabel(
            "No API keys: the venue's public market data, orders matched on this machine."
        )
        self.note.setObjectName("paperLiveNote")
        self.note.setWordWrap(True)
        self.note.setStyleSheet(f"color: {MUTED};")
        form.addRow("", self.note)
        self._shown = True

    def set_shown(self, shown: bool) -> None:
        self._shown = shown
        for widget in (self.balances_edit, self.reset_box, self.note):
            self._form.setRowVisible(widget, shown)

    def is_shown(self) -> bool:
        return self._shown

    def balances(self) -> dict[str, Decimal] | str:
        return parse_balances(self.balances_edit.text())

    def problem(self) -> str | None:
        parsed = self.balances()
        return parsed if isinstance(parsed, str) else None

    def request(self, venue: str, account: str) -> PaperLiveRequest | None:
        parsed = self.balances()
        if isinstance(parsed, str):
            return None
        return PaperLiveRequest(venue, account, parsed, self.reset_box.isChecked())

    def _edited(self, *_: object) -> None:
        problem = self.problem()
        if problem is None:
            self.note.setStyleSheet(f"color: {MUTED};")
            self.note.setText(
                "No API keys: the venue's public market data, orders matched on this machine."
            )
        else:
            self.note.setStyleSheet(f"color: {ERROR};")
            self.note.setText(problem[0].upper() + problem[1:] + ".")
        self.changed.emit()
