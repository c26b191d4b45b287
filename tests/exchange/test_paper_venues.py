"""`paper.others`: further paper exchanges become venues of their own; a bad entry is
refused in one line naming it, before anything connects."""

from __future__ import annotations

import asyncio

import pytest

from terminal.exchange.manager import ExchangeManager
from terminal.exchange.paper_venues import PaperVenueRefused, add_paper_venues

WHERE = "paper.others in settings.json"


def _add(others: object) -> ExchangeManager:
    manager = ExchangeManager()
    asyncio.run(add_paper_venues(manager, others, WHERE))
    return manager


def test_each_entry_is_a_paper_venue_with_its_own_endpoint() -> None:
    manager = _add({"paper2": "http://127.0.0.1:9001/", "paper3": "http://localhost:9002"})
    for venue, url in (("paper2", "http://127.0.0.1:9001"), ("paper3", "http://localhost:9002")):
        info = manager.catalogue.get(venue)
        assert info.points_at_paper
        endpoint = manager.paper_endpoint(venue)
        assert endpoint is not None and endpoint.url == url and endpoint.accounts == ()
    assert manager.paper_endpoint("paper") is None  # the built-in one is not touched


@pytest.mark.parametrize(
    ("others", "says"),
    [
        ({"paper2": "http://10.0.0.5:9001"}, "paper.others in settings.json.paper2 refused"),
        ({"Paper 2": "http://127.0.0.1:9001"}, "'Paper 2' is not a venue name"),
        ({"binance": "http://127.0.0.1:9001"}, "binance is already a venue"),
        ({"paper": "http://127.0.0.1:9001"}, "paper is already a venue"),
        ({"paper2": ""}, "paper2 must be the exchange's URL"),
        (["http://127.0.0.1:9001"], "must be an object"),
    ],
)
def test_a_bad_entry_is_refused_in_one_line(others: object, says: str) -> None:
    with pytest.raises(PaperVenueRefused) as caught:
        _add(others)
    text = str(caught.value)
    assert says in text and "\n" not in text


def test_nothing_to_add() -> None:
    manager = ExchangeManager()
    assert asyncio.run(add_paper_venues(manager, {}, WHERE)) == []
