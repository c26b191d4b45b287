"""The core's one observer hub: order, notice, safety and market-state listeners."""

from __future__ import annotations

import logging

import pytest

from terminal.core.callbacks import Callbacks


def test_every_listener_hears_each_value_and_a_failing_one_is_logged_not_raised(
    caplog: pytest.LogCaptureFixture,
) -> None:
    hub: Callbacks[int] = Callbacks("test")
    heard: list[tuple[str, int]] = []

    def broken(value: int) -> None:
        raise RuntimeError("a broken view")

    hub.add(lambda v: heard.append(("first", v)))
    hub.add(broken)
    hub.add(lambda v: heard.append(("last", v)))
    with caplog.at_level(logging.ERROR):
        hub.emit(7)
    assert heard == [("first", 7), ("last", 7)]
    assert "test listener" in caplog.text and "a broken view" in caplog.text


def test_a_listener_may_remove_itself_while_the_value_is_delivered() -> None:
    hub: Callbacks[str] = Callbacks("test")
    heard: list[str] = []
    removers = []

    def once(value: str) -> None:
        heard.append(value)
        removers[0]()

    removers.append(hub.add(once))
    hub.add(heard.append)
    hub.emit("a")
    hub.emit("b")
    assert heard == ["a", "a", "b"] and len(hub) == 1
    removers[0]()  # removing twice is harmless
    assert len(hub) == 1
