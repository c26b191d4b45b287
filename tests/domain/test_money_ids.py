from __future__ import annotations

import re
from decimal import Decimal

import pytest

from terminal.domain.ids import (
    CLIENT_ID_RULES,
    AccountLabel,
    ClientOrderId,
    IdError,
    Symbol,
    TradeId,
    VenueId,
    VenueOrderId,
)
from terminal.domain.money import MoneyError, decimal_from_float_repr, to_decimal

BINANCE = re.compile(r"^[.A-Z:/a-z0-9_-]{1,36}$")


@pytest.mark.parametrize(
    "text,expected",
    [
        ("0.1", Decimal("0.1")),
        (" 25000 ", Decimal("25000")),
        ("1_000.5", Decimal("1000.5")),
        ("1e-8", Decimal("1e-8")),
        (5, Decimal(5)),
        (Decimal("2.50"), Decimal("2.50")),
    ],
)
def test_to_decimal_parses(text, expected):
    assert to_decimal(text) == expected


@pytest.mark.parametrize("bad", [0.1, "nan", "inf", "-Infinity", "", "abc", None, True, [1]])
def test_to_decimal_refuses(bad):
    with pytest.raises(MoneyError):
        to_decimal(bad)


def test_float_repr_conversion_is_exact_text():
    assert decimal_from_float_repr(0.1) == Decimal("0.1")
    assert decimal_from_float_repr(1e-05) == Decimal("0.00001")
    assert decimal_from_float_repr(None) is None
    with pytest.raises(MoneyError):
        decimal_from_float_repr(float("nan"))


def test_generated_client_ids_are_unique_and_valid_everywhere():
    ids = [ClientOrderId.generate() for _ in range(5000)]
    assert len(set(ids)) == len(ids)
    for cid in ids[:200]:
        assert BINANCE.match(cid)
        assert len(cid) == 18 and cid.isalnum()
        for venue in CLIENT_ID_RULES:
            assert cid.is_valid_for(venue), (cid, venue)


def test_generated_client_ids_sort_by_creation_within_a_process():
    ids = [ClientOrderId.generate() for _ in range(100)]
    assert [i[2:10] for i in ids] == sorted(i[2:10] for i in ids)


def test_client_id_venue_limits():
    long_id = ClientOrderId("a" * 36)
    assert long_id.is_valid_for("binance")
    assert not long_id.is_valid_for("kraken")
    assert not ClientOrderId("with-dash").is_valid_for("okx")
    with pytest.raises(IdError):
        ClientOrderId("has space")
    with pytest.raises(IdError):
        ClientOrderId("")


def test_symbol_normalises_and_validates():
    s = Symbol("btc/usdt")
    assert s == "BTC/USDT" and s.base == "BTC" and s.quote == "USDT"
    assert Symbol("BTC/USDT:USDT").quote == "USDT"
    for bad in ("BTCUSDT", "/USDT", "BTC/", "BTC USDT"):
        with pytest.raises(IdError):
            Symbol(bad)


def test_small_id_types():
    assert VenueId("binance") == "binance"
    with pytest.raises(IdError):
        VenueId("Binance!")
    assert VenueOrderId(123) == "123"
    assert TradeId(9) == "9"
    with pytest.raises(IdError):
        VenueOrderId("")
    assert AccountLabel("main") == "main"
    with pytest.raises(IdError):
        AccountLabel("")
