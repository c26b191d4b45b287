"""One window per data directory: what the GUI does before it builds anything.

`claim_window` first asks the journal's control channel, when a live process
advertises one: a window there is brought to the front, a command without a window
is named (instead of a window that could only fail to start). Then it takes the
window lock (`terminal.control.instance`); when another window holds it (one still
starting, or on another journal), that window is asked to come to the front. Either
way this launch gets a `Running` to report instead of a window. Nothing here writes a
file, except the lock when this launch is the first.

`refuse_second_launch` says what happened: one line on stderr, and a message box when
there is a screen to show it on and the running window could not be brought up.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import Any

from terminal.control.advert import DEFAULT_ADVERT
from terminal.control.instance import (
    ANSWER_WAIT_S,
    Running,
    WindowLock,
    ask_to_show,
    holder_alive,
)

log = logging.getLogger(__name__)


def claim_window(lock: WindowLock, paths: Any, settings: Any, args: Any) -> Running | None:
    """None: this launch is the only window (the lock is held now); else who runs."""
    running = _ask_journal_holder(default_advert(paths, settings, args))
    if running is not None:
        return running
    if not lock.acquire():
        found = lock.holder()
        advert = Path(found["advert"]) if found.get("advert") else None
        pid = found.get("pid") if isinstance(found.get("pid"), int) else None
        running = ask_to_show(advert, pid, wait=ANSWER_WAIT_S, lock=lock)
        if running is not None:
            return running
        if not lock.acquire():  # pragma: no cover - it came back in the same instant
            return Running(pid, False, why="it exited and started again")
    return None


def _ask_journal_holder(advert_path: Path | None) -> Running | None:
    """Whoever holds the journal and proves it on its channel: a window (now in front)
    or a command without one. None when nobody does (no file, or one left by a crash)."""
    if advert_path is None or not advert_path.exists():
        return None
    from terminal.control.advert import read_advert

    advert = read_advert(advert_path)
    if advert is None or not holder_alive(advert.pid):
        return None
    running = ask_to_show(advert_path, advert.pid)
    if running is not None and (running.raised or running.headless):
        return running
    return None


def default_advert(paths: Any, settings: Any, args: Any) -> Path | None:
    """The advertisement of the default journal; None when another journal is configured
    (its holder is found when the journal is opened)."""
    if getattr(args, "journal", None) or getattr(settings.journal, "url", ""):
        return None
    return Path(paths.data) / DEFAULT_ADVERT


def refuse_second_launch(running: Running) -> int:
    text = running.message()
    log.debug("%s", text)  # the line below is what the user sees
    if sys.stderr is not None:  # None under pythonw
        print(f"trading-terminal: {text}", file=sys.stderr, flush=True)
    if not running.raised:
        _message_box(text)
    return 0 if running.raised else 1


def _message_box(text: str) -> None:
    from PySide6.QtGui import QGuiApplication
    from PySide6.QtWidgets import QMessageBox

    if QGuiApplication.platformName() in ("offscreen", "minimal"):
        return  # nobody could see or close it
    box = QMessageBox(QMessageBox.Icon.Information, "Trading Terminal", text)
    box.exec()
