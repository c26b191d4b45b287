"""Logs panel: reads the real ring handler, filters by level and text, stays bounded."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import logging

import pytest

from terminal.logsetup import RingHandler, clear_secrets, protect_handler, register_secret
from terminal.ui.panels.logs import LogsPanel

from .screens import qt_exec_usable  # noqa: F401 (autouse fixture)


@pytest.fixture
def ring():
    handler = protect_handler(RingHandler(capacity=1000))
    log = logging.getLogger("test.panel.logs")
    log.addHandler(handler)
    log.setLevel(logging.DEBUG)
    log.propagate = False
    yield handler, log
    log.removeHandler(handler)
    clear_secrets()


def test_shows_lines_at_or_above_the_level(qtbot, ring):
    handler, log = ring
    panel = LogsPanel(handler, level=logging.INFO)
    qtbot.addWidget(panel)
    log.debug("debug detail")
    log.info("connected to paper")
    log.warning("feed stale: book BTC/USDT")
    log.error("order rejected")
    assert panel.refresh()
    text = panel.text()
    assert "connected to paper" in text and "order rejected" in text
    assert "debug detail" not in text
    panel.set_level(logging.DEBUG)
    assert "debug detail" in panel.text()
    panel.set_level(logging.ERROR)
    assert panel.text().count("\n") == 0 and "order rejected" in panel.text()
    assert not panel.refresh()  # nothing new


def test_text_filter_clear_and_new_lines(qtbot, ring):
    handler, log = ring
    panel = LogsPanel(handler, level=logging.DEBUG)
    qtbot.addWidget(panel)
    for i in range(5):
        log.info("tick %d", i)
    log.info("fill tt123")
    panel.refresh()
    panel.filter_edit.setText("fill")
    assert panel.text().strip().endswith("fill tt123") and "tick" not in panel.text()
    panel.filter_edit.setText("")
    panel.clear()
    assert panel.text() == ""
    log.info("after clear")
    panel.refresh()
    assert "after clear" in panel.text() and "tick" not in panel.text()


def test_secrets_are_masked_and_view_is_bounded(qtbot, ring):
    handler, log = ring
    register_secret("SUPERSECRETVALUE99")
    panel = LogsPanel(handler, max_lines=50, level=logging.DEBUG)
    qtbot.addWidget(panel)
    log.info("signing with SUPERSECRETVALUE99")
    for i in range(300):
        log.debug("line %d", i)
    while panel.refresh():
        pass
    assert "SUPERSECRETVALUE99" not in panel.text()
    assert panel.view.document().blockCount() == 50
    assert panel.text().rstrip().endswith("line 299")


def test_without_logging_setup_it_says_so(qtbot):
    panel = LogsPanel(None)
    qtbot.addWidget(panel)
    panel._ring = None
    assert not panel.refresh()


def test_screenshot(qtbot, ring, shot):
    handler, log = ring
    panel = LogsPanel(handler, level=logging.DEBUG)
    qtbot.addWidget(panel)
    log.debug("feed book paper:BTC/USDT: 1824 diffs applied")
    log.info("order tt0mfa8x2k1c9q4w accepted by paper (venue id 100231)")
    log.warning("feed trades paper:ETH/USDT stale for 6.2 s; resubscribing")
    log.error("order tt0mfa8x2k1c9q4x rejected: insufficient balance")
    panel.refresh()
    panel.resize(700, 200)
    shot(panel, "logs")
