"""A text note's text: what it may hold (one printable line, not empty, not too long),
refused with a one-line reason and never trimmed or cleaned into another text."""

from __future__ import annotations

from decimal import Decimal

import pytest

from terminal.core.drawings import (
    NOTE_MAX_CHARS,
    ChartPoint,
    Drawing,
    DrawingError,
    DrawingKind,
    note_problem,
)
from terminal.domain.ids import Symbol


def _note(text: str = "support") -> Drawing:
    return Drawing(
        "n1", Symbol("BTC/USDT"), DrawingKind.TEXT, (ChartPoint(1, Decimal(60000)),), text
    )


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "a text note needs some text"),
        ("   ", "a text note needs some text"),
        ("x" * (NOTE_MAX_CHARS + 1), f"at most {NOTE_MAX_CHARS} characters (this one has 201)"),
        ("two\nlines", "one line of printable text (it holds a control character, U+000A)"),
        ("bell\x07", "U+0007"),
        ("esc\x1b[31mred", "U+001B"),
        ("evil\u202etxt", "right-to-left override, U+202E"),
        ("a\u2028b", "line separator, U+2028"),
    ],
)
def test_bad_note_text_is_refused_in_one_line_with_the_reason(text: str, reason: str) -> None:
    problem = note_problem(text)
    assert problem is not None and reason in problem and "\n" not in problem
    with pytest.raises(DrawingError, match="text note"):
        _note().with_text(text)
    with pytest.raises(DrawingError):
        _note(text).check()


def test_good_note_text_is_kept_exactly_as_typed() -> None:
    for text in ("resistance 61k", "  spaced  ", "x" * NOTE_MAX_CHARS, "家族👨\u200d👩\u200d👧 ok"):
        assert note_problem(text) is None
        edited = _note().with_text(text)
        assert edited.text == text and edited.drawing_id == "n1" and edited.points == _note().points


def test_only_a_text_note_has_text_to_edit() -> None:
    line = Drawing("h1", Symbol("BTC/USDT"), DrawingKind.HLINE, (ChartPoint(1, Decimal(1)),))
    with pytest.raises(DrawingError, match="hline drawing has no text"):
        line.with_text("x")
