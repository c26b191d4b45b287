"""Status-bar pieces: per-venue connection state and the freshness of the active data.

Colours come from the theme through the `connState` property (live / connecting /
stale / down), so the text also says the state: colour is never the only signal.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtWidgets import QHBoxLayout, QLabel, QWidget

from terminal.ui.theme import repolish

CONN_STATES = ("live", "connecting", "stale", "down")


@dataclass(frozen=True)
class VenueLight:
    venue: str
    name: str  # what the user sees ("Paper exchange", "Binance testnet")
    state: str  # one of CONN_STATES
    detail: str = ""  # tooltip: last error, latency, ...


def _set_state(label: QLabel, state: str) -> None:
    if label.property("connState") != state:
        label.setProperty("connState", state)
        repolish(label)


class VenueStatusStrip(QWidget):
    """One label per connected venue: '● Paper exchange: live'."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("venueStatus")
        self._layout = QHBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._layout.setSpacing(10)
        self._labels: dict[str, QLabel] = {}

    def set_lights(self, lights: list[VenueLight]) -> None:
        seen = set()
        for light in lights:
            seen.add(light.venue)
            label = self._labels.get(light.venue)
            if label is None:
                label = QLabel(self)
                label.setObjectName(f"venueStatus_{light.venue}")
                self._labels[light.venue] = label
                self._layout.addWidget(label)
            text = f"● {light.name}: {light.state}"
            if label.text() != text:
                label.setText(text)
            label.setToolTip(light.detail or light.name)
            _set_state(label, light.state)
        for venue in [v for v in self._labels if v not in seen]:
            self._labels.pop(venue).deleteLater()

    def text_of(self, venue: str) -> str:
        label = self._labels.get(venue)
        return label.text() if label is not None else ""


class DataFreshnessLabel(QLabel):
    """'Data LIVE' / 'Data STALE 6.2 s' / 'Connecting...' for the active symbol's feeds."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Connecting…", parent)
        self.setObjectName("dataFreshness")
        _set_state(self, "connecting")

    def set_freshness(self, state: str, text: str, tooltip: str = "") -> None:
        if self.text() != text:
            self.setText(text)
        self.setToolTip(tooltip)
        _set_state(self, state)
