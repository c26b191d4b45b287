"""Saving and restoring the window layout (dock state + geometry) in a small JSON file.

Not QSettings: the file sits in the config dir of `AppPaths`, so `--data-dir` moves it
with everything else, a test gets its own, and "reset layout" is deleting one file.
Qt's state blobs are stored base64-encoded. `STATE_VERSION` goes into Qt's blob: when
the set of docks changes incompatibly, bump it and old layouts are ignored instead of
half-applied.
"""

from __future__ import annotations

import base64
import json
import logging
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QByteArray
from PySide6.QtWidgets import QMainWindow

log = logging.getLogger(__name__)

LAYOUT_FILE = "layout.json"
FILE_VERSION = 1
STATE_VERSION = 4


@dataclass(frozen=True)
class SavedLayout:
    geometry: bytes
    state: bytes


class LayoutStore:
    """Reads and writes one layout file; every failure is logged, never raised."""

    def __init__(self, config_dir: Path) -> None:
        self.path = Path(config_dir) / LAYOUT_FILE

    def load(self) -> SavedLayout | None:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            if data.get("version") != FILE_VERSION:
                log.info("Ignoring layout file of version %r", data.get("version"))
                return None
            return SavedLayout(base64.b64decode(data["geometry"]), base64.b64decode(data["state"]))
        except FileNotFoundError:
            return None
        except (OSError, ValueError, KeyError, TypeError) as exc:
            log.warning("Cannot read the layout %s (%s); using the default", self.path, exc)
            return None

    def save(self, layout: SavedLayout) -> bool:
        """Write atomically (temp file + rename). A few KB: fine on the GUI thread at exit."""
        payload = json.dumps(
            {
                "version": FILE_VERSION,
                "geometry": base64.b64encode(layout.geometry).decode("ascii"),
                "state": base64.b64encode(layout.state).decode("ascii"),
            }
        )
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".layout-", suffix=".json")
            try:
                with os.fdopen(fd, "w", encoding="utf-8") as fh:
                    fh.write(payload)
                os.replace(tmp, self.path)
            except BaseException:
                Path(tmp).unlink(missing_ok=True)
                raise
        except OSError as exc:
            log.warning("Cannot save the layout to %s (%s)", self.path, exc)
            return False
        return True

    def clear(self) -> None:
        try:
            self.path.unlink(missing_ok=True)
        except OSError as exc:
            log.warning("Cannot delete the layout %s (%s)", self.path, exc)


def capture(window: QMainWindow) -> SavedLayout:
    return SavedLayout(
        bytes(window.saveGeometry().data()), bytes(window.saveState(STATE_VERSION).data())
    )


def apply(window: QMainWindow, layout: SavedLayout, *, geometry: bool = True) -> bool:
    """Apply a saved layout; False (and nothing half-applied that matters) if Qt refuses."""
    ok = window.restoreState(QByteArray(layout.state), STATE_VERSION)
    if ok and geometry:
        window.restoreGeometry(QByteArray(layout.geometry))
    return ok
