"""Connect dialog: pick a venue and environment, enter API credentials, test, then save.

Non-blocking (open() + signals). It never contacts a venue and never touches the
keychain: "Test connection" emits `testRequested(ConnectionRequest)` and the main window
answers with `show_test_result(...)`; "Save" (enabled once a test of exactly these
values passed) emits `saveRequested(ConnectionRequest)` and the main window answers with
`save_finished(ok, message)`. "Paper on <venue>" (every venue with live market data)
asks for no keys: only starting balances; its Connect button emits
`paperLiveRequested(PaperLiveRequest)`, answered with `save_finished` too.

Secrets: every credential field is masked; no secret goes into a title, tooltip, label
or log line; `ConnectionRequest`'s repr masks them; the fields are emptied (undo history
included) whenever the dialog closes or hides.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtGui import QCloseEvent, QHideEvent
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLayout,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from terminal.domain.enums import VenueMode
from terminal.domain.ids import AccountLabel, IdError
from terminal.domain.session import MarketType

from ._fit import grow_to_fit, is_layout_request
from ._style import AMBER, ERROR, LIVE, MUTED, OK
from .connect_modes import (
    FIELD_LABELS,
    MARKET_LABELS,
    MODE_LABELS,
    MODE_ORDER,
    TEST_MODES,
    VenueInfo,
    mode_unavailable_reason,
)
from .paper_live_fields import PaperLiveFields, PaperLiveRequest

if TYPE_CHECKING:
    from terminal.secrets import Credentials


MIN_WIDTH = 520


@dataclass(frozen=True)
class ConnectionRequest:
    """What the user entered. `fields` are ccxt credential names -> values."""

    venue: str
    mode: VenueMode
    account: str
    fields: dict[str, str] = field(default_factory=dict, repr=False, compare=True)
    market: MarketType = MarketType.SPOT

    def __repr__(self) -> str:
        names = ", ".join(f"{k}=***" for k in self.fields)
        return (
            f"ConnectionRequest(venue={self.venue!r}, mode={self.mode.value!r}, "
            f"account={self.account!r}, market={self.market.value!r}, {names})"
        )

    __str__ = __repr__

    def __reduce__(self) -> Any:  # never pickled into a crash dump or a cache
        raise TypeError("ConnectionRequest cannot be pickled")

    @property
    def ccxt_fields(self) -> dict[str, str]:
        """The ccxt constructor fields (apiKey, secret, password...)."""
        return dict(self.fields)

    def credentials(self) -> Credentials:
        """terminal.secrets.Credentials for the credential store (key, secret, passphrase)."""
        from terminal.secrets import Credentials

        if "privateKey" in self.fields:  # a wallet venue (Hyperliquid)
            return Credentials(
                self.fields.get("walletAddress", ""), self.fields["privateKey"], wallet=True
            )
        return Credentials(
            self.fields.get("apiKey", ""),
            self.fields.get("secret", ""),
            self.fields.get("password") or None,
        )


class ConnectDialog(QDialog):
    """See the module docstring."""

    testRequested = Signal(object)  # ConnectionRequest
    saveRequested = Signal(object)  # ConnectionRequest
    paperLiveRequested = Signal(object)  # PaperLiveRequest: connect, no keys

    def __init__(
        self,
        venues: Sequence[VenueInfo],
        parent: QWidget | None = None,
        *,
        venue: str | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("ConnectDialog")
        self.setWindowTitle("Connect exchange")
        self._venues = list(venues)
        self._keychain_ok = True
        self._tested: ConnectionRequest | None = None  # the values a passing test was for
        self._testing: ConnectionRequest | None = None
        self._saving = False
        self.secret_edits: dict[str, QLineEdit] = {}
        self._build()
        if venue is not None:
            self.set_venue(venue)
        self._venue_changed()

    # ---------------------------------------------------------------- construction
    def _build(self) -> None:
        root = QVBoxLayout(self)
        form = QFormLayout()
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight)
        self.venue_combo = QComboBox()
        for info in self._venues:
            self.venue_combo.addItem(info.name)
        self.venue_combo.currentIndexChanged.connect(self._venue_changed)
        form.addRow("Venue", self.venue_combo)

        # spot or perpetual futures: offered only where ccxt's client trades swaps
        markets = QHBoxLayout()
        self.market_buttons: dict[MarketType, QRadioButton] = {}
        self._market_group = QButtonGroup(self)
        for market in (MarketType.SPOT, MarketType.PERP):
            b = QRadioButton(MARKET_LABELS[market])
            b.setObjectName(f"market_{market.value}")
            self._market_group.addButton(b)
            self.market_buttons[market] = b
            markets.addWidget(b)
            b.toggled.connect(self._market_changed)
        self.market_buttons[MarketType.SPOT].setChecked(True)
        markets.addStretch(1)
        self.market_row = QWidget()
        self.market_row.setLayout(markets)
        markets.setContentsMargins(0, 0, 0, 0)
        form.addRow("Market", self.market_row)
        self.market_label = form.labelForField(self.market_row)

        modes = QHBoxLayout()
        self.mode_buttons: dict[VenueMode, QRadioButton] = {}
        self._mode_group = QButtonGroup(self)
        for mode in MODE_ORDER:
            b = QRadioButton(MODE_LABELS[mode])
            b.setObjectName(f"mode_{mode.value}")
            self._mode_group.addButton(b)
            self.mode_buttons[mode] = b
            modes.addWidget(b)
            b.toggled.connect(self._inputs_changed)
        modes.addStretch(1)
        form.addRow("Environment", modes)
        self.mode_note = QLabel("")
        self.mode_note.setObjectName("modeNote")
        self.mode_note.setWordWrap(True)
        self.mode_note.setStyleSheet(f"color: {MUTED};")
        form.addRow("", self.mode_note)

        self.account_edit = QLineEdit("default")
        self.account_edit.setObjectName("accountEdit")
        self.account_edit.setPlaceholderText("a name for this key, e.g. main")
        self.account_edit.textChanged.connect(self._inputs_changed)
        form.addRow("Account label", self.account_edit)
        self.paper_fields = PaperLiveFields(form)  # its rows before any key field
        self.paper_fields.changed.connect(self._inputs_changed)
        self._form = form
        self._field_rows: list[str] = []
        root.addLayout(form)

        self.keychain_label = QLabel("")
        self.keychain_label.setObjectName("keychainLabel")
        self.keychain_label.setWordWrap(True)
        self.keychain_label.setStyleSheet(
            f"background: rgba(246,70,93,0.15); color: {ERROR}; padding: 4px;"
        )
        self.keychain_label.hide()
        root.addWidget(self.keychain_label)

        self.result_label = QLabel("")
        self.result_label.setObjectName("resultLabel")
        self.result_label.setWordWrap(True)
        self.result_label.setTextFormat(Qt.TextFormat.PlainText)
        root.addWidget(self.result_label)

        buttons = QHBoxLayout()
        self.test_button = QPushButton("Test connection")
        self.test_button.setObjectName("testButton")
        self.test_button.clicked.connect(self.request_test)
        self.save_button = QPushButton("Save")
        self.save_button.setObjectName("saveButton")
        self.save_button.clicked.connect(self.request_save)
        self.cancel_button = QPushButton("Close")
        self.cancel_button.clicked.connect(self.reject)
        buttons.addWidget(self.test_button)
        buttons.addStretch(1)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.save_button)
        root.addLayout(buttons)
        # The layout sets the dialog's minimum size (an explicit minimum on the dialog
        # would stop that): a result, a keychain warning or a third credential field
        # grows the dialog instead of squeezing the fields.
        root.addStrut(MIN_WIDTH)
        root.setSizeConstraint(QLayout.SizeConstraint.SetMinimumSize)
        self.resize(max(MIN_WIDTH, self.sizeHint().width()), self.sizeHint().height())

    def event(self, event: QEvent) -> bool:
        handled = super().event(event)
        if is_layout_request(event):
            grow_to_fit(self)
        return handled

    # ---------------------------------------------------------------- public
    def set_venue(self, venue: str) -> None:
        for i, info in enumerate(self._venues):
            if info.id == venue:
                self.venue_combo.setCurrentIndex(i)
                return

    def current_venue(self) -> VenueInfo | None:
        i = self.venue_combo.currentIndex()
        return self._venues[i] if 0 <= i < len(self._venues) else None

    def current_market(self) -> MarketType:
        info = self.current_venue()
        if info is None or not info.has_perp:
            return MarketType.SPOT
        perp = self.market_buttons[MarketType.PERP].isChecked()
        return MarketType.PERP if perp else MarketType.SPOT

    def set_market(self, market: MarketType) -> None:
        info = self.current_venue()
        if market is MarketType.SPOT or (info is not None and info.has_perp):
            self.market_buttons[market].setChecked(True)

    def current_mode(self) -> VenueMode | None:
        for mode, b in self.mode_buttons.items():
            if b.isChecked() and b.isEnabled():
                return mode
        return None

    def set_mode(self, mode: VenueMode) -> None:
        b = self.mode_buttons[mode]
        if b.isEnabled():
            b.setChecked(True)

    def set_keychain_status(self, available: bool, message: str = "") -> None:
        """Whether credentials can be saved; the message says why not and what to do."""
        self._keychain_ok = available
        if available:
            self.keychain_label.hide()
        else:
            self.keychain_label.setText(
                message or "No OS keychain is available, so API keys cannot be saved."
            )
            self.keychain_label.show()
        self._update_buttons()

    def current_request(self) -> ConnectionRequest | None:
        """The entered values, or None (with the reason shown) when incomplete."""
        info, mode = self.current_venue(), self.current_mode()
        if info is None or mode is None:
            return None
        try:
            account = str(AccountLabel(self.account_edit.text().strip()))
        except IdError:
            return None
        fields = {name: edit.text().strip() for name, edit in self.secret_edits.items()}
        if any(not v for v in fields.values()):
            return None
        if self.field_problem() is not None:
            return None
        return ConnectionRequest(str(info.id), mode, account, fields, self.current_market())

    def field_problem(self) -> str | None:
        """Why the entered wallet fields cannot be right (format only), or None."""
        from terminal.secrets import wallet_problem

        edits = self.secret_edits
        if "privateKey" not in edits or "walletAddress" not in edits:
            return None
        address, key = edits["walletAddress"].text(), edits["privateKey"].text()
        if not address.strip() or not key.strip():
            return None
        return wallet_problem(address, key)

    def request_test(self) -> None:
        req = self.current_request()
        if req is None or self._testing is not None:
            return
        self._testing = req
        self._tested = None
        self.result_label.setStyleSheet(f"color: {MUTED};")
        self.result_label.setText(
            "Testing: loading markets, reading the balance, checking trading permission…"
        )
        self._update_buttons()
        self.testRequested.emit(req)

    def show_test_result(
        self, markets_ok: bool, balance_ok: bool, trading_ok: bool, message: str = ""
    ) -> None:
        """The outcome of the test the main window ran for the last testRequested."""
        tested, self._testing = self._testing, None
        still_same = tested is not None and tested == self.current_request()
        passed = markets_ok and balance_ok
        lines = [
            f"{'✔' if markets_ok else '✖'} markets loaded",
            f"{'✔' if balance_ok else '✖'} balance read (the key is valid)",
            f"{'✔' if trading_ok else '✖'} trading permitted"
            + ("" if trading_ok or not passed else " — a read-only key: orders will be refused"),
        ]
        if message:
            lines.append(message)
        self.result_label.setText("\n".join(lines))
        colour = OK if passed and trading_ok else AMBER if passed else ERROR
        self.result_label.setStyleSheet(f"color: {colour};")
        self._tested = tested if passed and still_same else None
        self._update_buttons()

    def paper_live_request(self) -> PaperLiveRequest | None:
        """The entered paper-on-live connection, or None when it is not chosen or the
        balances or the account label do not read."""
        info = self.current_venue()
        if info is None or self.current_mode() is not VenueMode.PAPER_LIVE:
            return None
        try:
            account = str(AccountLabel(self.account_edit.text().strip()))
        except IdError:
            return None
        return self.paper_fields.request(str(info.id), account)

    def request_save(self) -> None:
        if self.current_mode() is VenueMode.PAPER_LIVE:
            paper = self.paper_live_request()
            if paper is not None and not self._saving:
                self._saving = True
                self._update_buttons()
                self.paperLiveRequested.emit(paper)
            return
        req = self.current_request()
        if req is None or req != self._tested or not self._keychain_ok or self._saving:
            return
        self._saving = True
        self._update_buttons()
        self.saveRequested.emit(req)

    def save_finished(self, ok: bool, message: str = "") -> None:
        """The credential store's answer to saveRequested; closes the dialog on success."""
        self._saving = False
        if ok:
            self.accept()
            return
        self.result_label.setStyleSheet(f"color: {ERROR};")
        self.result_label.setText(message or "Could not save the credentials")
        self._update_buttons()

    def clear_secrets(self) -> None:
        """Empty every credential field; setText also drops the undo history."""
        for edit in self.secret_edits.values():
            edit.setText("")
        self._tested = None
        self._testing = None

    # ---------------------------------------------------------------- internals
    def _venue_changed(self, *_: object) -> None:
        info = self.current_venue()
        self.clear_secrets()
        for _row in self._field_rows:
            self._form.removeRow(self._form.rowCount() - 1)
        self._field_rows = []
        self.secret_edits = {}
        if info is None:
            return
        perp = info.has_perp
        self.market_row.setVisible(perp)
        if self.market_label is not None:
            self.market_label.setVisible(perp)
        if not perp:
            self.market_buttons[MarketType.SPOT].setChecked(True)
        self._apply_modes(info)
        # the wallet address before its key (ccxt lists Hyperliquid's the other way)
        for name in sorted(info.credentials, key=lambda n: n != "walletAddress"):
            edit = QLineEdit()
            edit.setObjectName(f"field_{name}")
            edit.setEchoMode(QLineEdit.EchoMode.Password)
            edit.setContextMenuPolicy(Qt.ContextMenuPolicy.NoContextMenu)
            edit.setAttribute(Qt.WidgetAttribute.WA_InputMethodEnabled, False)
            edit.textChanged.connect(self._inputs_changed)
            self._form.addRow(FIELD_LABELS.get(name, name), edit)
            self.secret_edits[name] = edit
            self._field_rows.append(name)
        self.result_label.setText("")
        self._inputs_changed()

    def _market_changed(self, *_: object) -> None:
        info = self.current_venue()
        if info is not None and hasattr(self, "mode_note"):
            self._apply_modes(info)
            self._inputs_changed()

    def _apply_modes(self, info: VenueInfo) -> None:
        """Enable the environments the venue offers for the chosen market."""
        market = self.current_market()
        notes = []
        first_enabled = None
        for mode in MODE_ORDER:
            b = self.mode_buttons[mode]
            reason = mode_unavailable_reason(info, mode, market)
            b.setEnabled(reason is None)
            b.setVisible(mode is not VenueMode.PAPER or reason is None)
            b.setToolTip(reason or (info.notes if mode is VenueMode.DEMO else ""))
            if mode is VenueMode.PAPER_LIVE:
                b.setText(f"Paper on {info.name}")
            elif reason is None and first_enabled is None:
                first_enabled = mode
        if not any(m in info.modes for m in TEST_MODES):
            notes.append(f"{mode_unavailable_reason(info, VenueMode.SANDBOX)}.")
        elif info.demo_header:
            notes.append(f"Demo: {info.notes}.")
        # a test environment by default; live only by a deliberate click
        chosen = self.current_mode()
        if chosen is None or not self.mode_buttons[chosen].isEnabled():
            self._mode_group.setExclusive(False)
            for b in self.mode_buttons.values():
                b.setChecked(False)
            self._mode_group.setExclusive(True)
            if first_enabled is not None:
                self.mode_buttons[first_enabled].setChecked(True)
        self.mode_note.setText(" ".join(notes))
        self.mode_note.setVisible(bool(notes))

    def _inputs_changed(self, *_: object) -> None:
        mode = self.current_mode()
        if mode is VenueMode.LIVE:
            self.mode_buttons[VenueMode.LIVE].setStyleSheet(f"color: {LIVE}; font-weight: 600;")
        else:
            self.mode_buttons[VenueMode.LIVE].setStyleSheet("")
        if self._tested is not None and self._tested != self.current_request():
            self._tested = None
            self.result_label.setText("Values changed: test the connection again.")
            self.result_label.setStyleSheet(f"color: {MUTED};")
        paper_live = mode is VenueMode.PAPER_LIVE
        self.paper_fields.set_shown(paper_live)
        for edit in self.secret_edits.values():  # no keys for paper on live
            edit.setVisible(not paper_live)
            label = self._form.labelForField(edit)
            if label is not None:
                label.setVisible(not paper_live)
        problem = self.field_problem()
        if problem is not None:
            self.result_label.setText(problem[0].upper() + problem[1:] + ".")
            self.result_label.setStyleSheet(f"color: {ERROR};")
        self._update_buttons()

    def _update_buttons(self) -> None:
        if self.current_mode() is VenueMode.PAPER_LIVE:
            self.test_button.hide()
            self.save_button.setText("Connect")
            self.save_button.setEnabled(self.paper_live_request() is not None and not self._saving)
            self.save_button.setToolTip("")
            return
        self.test_button.show()
        self.save_button.setText("Save")
        req = self.current_request()
        self.test_button.setEnabled(req is not None and self._testing is None)
        can_save = (
            req is not None and req == self._tested and self._keychain_ok and not self._saving
        )
        self.save_button.setEnabled(can_save)
        if not self._keychain_ok:
            self.save_button.setToolTip("No keychain: credentials cannot be saved")
        elif self._tested is None:
            self.save_button.setToolTip("Test the connection first")
        else:
            self.save_button.setToolTip("")

    def done(self, result: int) -> None:
        self.clear_secrets()
        super().done(result)

    def hideEvent(self, event: QHideEvent) -> None:
        self.clear_secrets()
        super().hideEvent(event)

    def closeEvent(self, event: QCloseEvent) -> None:
        self.clear_secrets()
        super().closeEvent(event)
