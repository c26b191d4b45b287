"""The alert sound: `resources/sounds/alert.wav`, played without blocking.

PySide6-Essentials has no QtMultimedia (no QSoundEffect), so the sound goes to the
platform's own player: `winsound` on Windows (standard library, asynchronous), `afplay`
on macOS, and on Linux the first of `pw-play`, `paplay` or `aplay` found on PATH, started
as a detached QProcess (the event loop never waits for it). With none of them the
terminal falls back to the system beep. Muting is a setting (Settings > Alert sound).

`played` records each request (backend, file) so the window and its tests can tell
that a sound was asked for; whether a speaker made it audible is the player's business.
"""

from __future__ import annotations

import logging
import shutil
import sys
from pathlib import Path

from PySide6.QtCore import QProcess
from PySide6.QtWidgets import QApplication

from terminal.ui.resources import asset

log = logging.getLogger(__name__)

LINUX_PLAYERS = ("pw-play", "paplay", "aplay")


def alert_wav() -> Path:
    """The shipped alert sound as a file path (the players need a real file)."""
    return Path(str(asset("sounds", "alert.wav")))


def find_player() -> tuple[str, list[str]]:
    """(backend name, command prefix); the command is empty for winsound and the beep."""
    if sys.platform == "win32":
        return "winsound", []
    if sys.platform == "darwin":
        found = shutil.which("afplay")
        return ("afplay", [found]) if found else ("beep", [])
    for name in LINUX_PLAYERS:
        found = shutil.which(name)
        if found:
            extra = ["-q"] if name == "aplay" else []
            return name, [found, *extra]
    return "beep", []


class AlertSound:
    def __init__(self, enabled: bool = True, command: list[str] | None = None) -> None:
        """`command`: a player command to run with the file appended (default: found)."""
        self.enabled = enabled
        if command is None:
            self.backend, self.command = find_player()
        else:
            self.backend, self.command = Path(command[0]).name, list(command)
        self.path = alert_wav()
        self.played: list[tuple[str, str]] = []

    def set_enabled(self, enabled: bool) -> None:
        self.enabled = enabled

    def play(self) -> bool:
        """Start the sound; False when muted."""
        if not self.enabled:
            return False
        self.played.append((self.backend, str(self.path)))
        if self.backend == "winsound":
            import winsound  # type: ignore[import-not-found,unused-ignore]

            flags = winsound.SND_FILENAME | winsound.SND_ASYNC  # type: ignore[attr-defined,unused-ignore]
            winsound.PlaySound(str(self.path), flags)  # type: ignore[attr-defined,unused-ignore]
        elif self.command:
            started, _pid = QProcess.startDetached(
                self.command[0], [*self.command[1:], str(self.path)]
            )
            if not started:
                log.info("alert sound: %s would not start; beeping instead", self.command[0])
                QApplication.beep()
        else:
            QApplication.beep()
        return True
