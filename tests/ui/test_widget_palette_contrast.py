"""Text colours of the market-data widgets stay readable in both themes: every colour
used for text (ladder prices, tape, depth and chart labels, order-line labels, STALE)
has at least WCAG AA contrast (4.5:1) on the panel background and the header rows."""

from __future__ import annotations

import pytest

from terminal.ui.widgets.palette import DARK, LIGHT, Palette

TEXT_FIELDS = (
    "text",
    "text_dim",
    "bid",
    "ask",
    "last_price",
    "order_buy",
    "order_sell",
    "stale_text",
    "warning",
)


def luminance(colour: str) -> float:
    rgb = colour.lstrip("#")[-6:]  # '#aarrggbb' or '#rrggbb'

    def channel(c: float) -> float:
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(int(rgb[i : i + 2], 16) / 255) for i in (0, 2, 4))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str) -> float:
    hi, lo = sorted((luminance(a), luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def test_contrast_formula_matches_known_values():
    assert contrast("#000000", "#ffffff") == pytest.approx(21.0)
    assert contrast("#777777", "#ffffff") == pytest.approx(4.48, abs=0.01)


@pytest.mark.parametrize("palette", [DARK, LIGHT], ids=lambda p: p.name)
@pytest.mark.parametrize("field", TEXT_FIELDS)
def test_text_colours_are_readable(palette: Palette, field: str):
    colour = getattr(palette, field)
    for back in ("background", "background_alt"):
        ratio = contrast(colour, getattr(palette, back))
        assert ratio >= 4.5 if back == "background" else ratio >= 4.0, (
            f"{palette.name}.{field} {colour} on {back}: {ratio:.2f}:1"
        )
