"""Typed numbers are the number typed or a refusal; numbers are written one way everywhere."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from terminal.domain.enums import OrderType, Side
from terminal.domain.ids import AccountLabel, ClientOrderId, IdError, Symbol, VenueId
from terminal.domain.market import MarketRules
from terminal.domain.money import (
    MAX_FRACTION_DIGITS,
    MAX_INTEGER_DIGITS,
    MoneyError,
    format_decimal,
    parse_typed_number,
)


# the texts a validator that drops refused characters used to turn into other numbers
@pytest.mark.parametrize(
    "text,why",
    [
        ("1e-3", "scientific notation"),
        ("-1", "above zero"),
        ("-0.5", "above zero"),
        ("1e12", "scientific notation"),
        ("1,500", "ambiguous"),
        ("1,000.5", "thousands"),
        ("1 000", "thousands"),
        ("1_000", "not a number"),
        ("0x10", "not a number"),
        ("nan", "not a number"),
        ("Infinity", "not a number"),
        ("0", "above zero"),
        ("١٢", "not a number"),
        ("1.2.3", "thousands"),
        ("12345678901234567", "too large"),
        ("0.1234567890123456789", "decimals"),
    ],
)
def test_refused_with_the_reason(text, why):
    with pytest.raises(MoneyError, match=why) as info:
        parse_typed_number(text, "Amount")
    assert str(info.value).startswith("Amount")
    assert "\n" not in str(info.value)


@pytest.mark.parametrize(
    "text,value",
    [
        ("1,5", "1.5"),
        ("0,250", "0.25"),
        (",5", "0.5"),
        ("12,50", "12.5"),
        ("1,5000", "1.5"),
        ("0.001", "0.001"),
        (" 25000 ", "25000"),
        ("+2", "2"),
        (".5", "0.5"),
        ("7.", "7"),
        ("1.1200000", "1.12"),
        ("000123", "123"),
        ("0.10000000000000000000000", "0.1"),
    ],
)
def test_accepted_as_exactly_that_number(text, value):
    assert parse_typed_number(text) == Decimal(value)


def _denoted(text: str) -> Decimal | None:
    """What the text means to a person, decided independently of the parser: plain
    ASCII digits with one '.' (or one ',' that cannot be a thousands separator)."""
    raw = text.strip()
    raw = raw.removeprefix("+")
    if re.fullmatch(r"[0-9]*,[0-9]*", raw):
        whole, frac = raw.split(",")
        if len(frac) == 3 and whole.lstrip("0"):
            return None
        raw = f"{whole}.{frac}"
    if not re.fullmatch(r"[0-9]*\.?[0-9]*", raw) or not re.search(r"[0-9]", raw):
        return None
    return Decimal(raw)


number_like = st.text(alphabet="0123456789.,-+eE _ \t", max_size=14) | st.text(max_size=8)


@settings(max_examples=1500, deadline=None)
@given(number_like)
def test_any_text_gives_its_exact_number_or_a_refusal(text):
    try:
        value = parse_typed_number(text, "Amount")
    except MoneyError as exc:
        assert str(exc).startswith("Amount") and "\n" not in str(exc)
        return
    denoted = _denoted(text)
    assert denoted is not None, text  # nothing else is ever read as a number
    assert value == denoted and value > 0


typeable = st.integers(0, MAX_FRACTION_DIGITS).flatmap(
    lambda k: st.integers(1, 10 ** (MAX_INTEGER_DIGITS + k) - 1).map(lambda n: Decimal(f"{n}E-{k}"))
)  # exact: scaleb would round to 28 digits


@settings(max_examples=500, deadline=None)
@given(typeable)
def test_what_is_shown_reads_back_as_the_same_number(value):
    text = format_decimal(value)
    assert "E" not in text and "e" not in text
    assert parse_typed_number(text) == value
    if "." in text:
        assert not text.endswith("0")


@settings(max_examples=500, deadline=None)
@given(st.decimals(allow_nan=False, allow_infinity=False), st.integers(0, 12))
def test_format_never_scientific_and_places_are_the_precision(value, places):
    plain = format_decimal(value)
    assert "E" not in plain and Decimal(plain) == value and plain != "-0"
    fixed = format_decimal(value, places)
    assert "E" not in fixed and not fixed.startswith("-0" if Decimal(fixed) == 0 else "--")
    assert len(fixed.partition(".")[2]) == places


@pytest.mark.parametrize(
    "value,places,text",
    [
        (Decimal("1.1200000"), None, "1.12"),
        (Decimal(-1), None, "-1"),
        (Decimal("1E+12"), None, "1000000000000"),
        (Decimal("1E-8"), None, "0.00000001"),
        (Decimal("-0.000"), None, "0"),
        (Decimal("1.005"), 2, "1.01"),
        (Decimal("-0.001"), 2, "0.00"),
        (Decimal(57000), 2, "57000.00"),
        (Decimal("1E+30"), 2, "1" + "0" * 30 + ".00"),
    ],
)
def test_format_examples(value, places, text):
    assert format_decimal(value, places) == text


def test_limits_are_what_decimal_can_carry():
    assert MAX_INTEGER_DIGITS + MAX_FRACTION_DIGITS <= 33
    assert parse_typed_number("9" * MAX_INTEGER_DIGITS + "." + "9" * MAX_FRACTION_DIGITS)


RULES = MarketRules(
    symbol=Symbol("BTC/USDT"),
    base="BTC",
    quote="USDT",
    tick_size=Decimal("0.01"),
    step_size=Decimal("0.00001"),
    min_amount=Decimal("0.00001"),
    min_notional=Decimal("5.0000000"),
)


@pytest.mark.parametrize("amount", ["1E+400", "12345678901234567890123456789", "1E-400"])
def test_market_rules_never_raise_on_huge_or_tiny_values(amount):
    violations = RULES.validate(Side.BUY, OrderType.LIMIT, Decimal(amount), Decimal(100))
    assert violations
    for v in violations:
        assert "E+" not in v.message and "E-" not in v.message and len(v.message) < 120
    RULES.round_price(Decimal("1E+30"))
    RULES.round_amount(Decimal("12345678901234567890123456789.5"))


def test_rule_messages_use_plain_numbers():
    [v] = [
        v
        for v in RULES.validate(Side.BUY, OrderType.LIMIT, Decimal(1), Decimal("1E-3"))
        if v.rule == "min_notional"
    ]
    assert v.message == "order value 0.001 USDT is below the minimum 5 USDT"


@pytest.mark.parametrize(
    "make,text",
    [
        (ClientOrderId, "abc\n"),
        (VenueId, "paper\n"),
        (AccountLabel, "main\n"),
        (Symbol, "BTC/USDT\nX"),
    ],
)
def test_ids_are_matched_whole(make, text):
    with pytest.raises(IdError):
        make(text)


def test_venue_client_id_rules_match_whole():
    cid = ClientOrderId("abc")
    assert cid.is_valid_for("binance")
    # is_valid_for on a value that slipped past construction must still refuse
    sneaky = str.__new__(ClientOrderId, "abc\n")
    for venue in ("binance", "okx", "kraken", "gate"):
        assert not sneaky.is_valid_for(venue)
