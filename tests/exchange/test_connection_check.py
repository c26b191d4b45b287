"""Testing credentials before they are saved (Venue > Connect's Test), against the real
paper exchange: a good key passes all three reads, a bad key stops at the balance with
the venue's refusal, an environment the venue does not offer and an unreachable venue
give a one-line reason, and no check leaves a socket open."""

from __future__ import annotations

import asyncio
import socket

from terminal.domain.enums import VenueMode
from terminal.exchange.catalogue import paper_info, paper_live_info
from terminal.exchange.connection_check import ConnectionCheck, check_connection
from terminal.exchange.session import PaperEndpoint
from terminal.paper.embedded import PaperExchangeHandle

from .conftest import open_sockets


def _closed_port() -> int:
    """A loopback port nothing listens on (bound, read, released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _check(
    endpoint: PaperEndpoint, creds: dict[str, str], *, mode: VenueMode = VenueMode.PAPER
) -> ConnectionCheck:
    info = paper_info() if mode is VenueMode.PAPER else paper_live_info("paperlive")
    return asyncio.run(
        check_connection(info, mode, "default", creds, paper=endpoint, timeout_s=30.0)
    )


def test_a_good_key_passes_markets_balance_and_trading(
    paper: PaperExchangeHandle, endpoint: PaperEndpoint
) -> None:
    key, secret = paper.accounts[0]
    before = open_sockets()
    result = _check(endpoint, {"apiKey": key, "secret": secret})
    assert result.ok, result
    assert (result.markets_ok, result.balance_ok, result.trading_ok) == (True, True, True)
    assert result.message == ""
    assert open_sockets() <= before  # the throwaway session was closed
    # a live-mode venue pointed at the paper exchange, as the connect dialog tests it
    live = _check(endpoint, {"apiKey": key, "secret": secret}, mode=VenueMode.LIVE)
    assert live.ok, live


def test_a_bad_key_stops_at_the_balance_with_the_venues_refusal(
    paper: PaperExchangeHandle, endpoint: PaperEndpoint
) -> None:
    _, secret = paper.accounts[0]
    before = open_sockets()
    result = _check(endpoint, {"apiKey": "not-a-key-of-this-venue", "secret": secret})
    assert not result.ok
    assert result.markets_ok  # public data needs no key
    assert not result.balance_ok and not result.trading_ok
    assert result.message.startswith("The venue refused the key"), result.message
    assert "\n" not in result.message
    assert secret not in result.message
    assert open_sockets() <= before


def test_an_environment_the_venue_does_not_offer_is_refused_without_a_request(
    endpoint: PaperEndpoint,
) -> None:
    result = asyncio.run(
        check_connection(
            paper_info(),
            VenueMode.SANDBOX,
            "default",
            {"apiKey": "k", "secret": "s"},
            paper=endpoint,
        )
    )
    assert not result.markets_ok and not result.ok
    assert "cannot be connected in sandbox mode" in result.message


def test_an_unreachable_venue_gives_a_one_line_reason() -> None:
    dead = PaperEndpoint(f"http://127.0.0.1:{_closed_port()}", (("k", "s"),))
    result = asyncio.run(
        check_connection(
            paper_info(), VenueMode.PAPER, "default", {"apiKey": "k", "secret": "s"}, paper=dead
        )
    )
    assert not result.ok and not result.markets_ok
    assert result.message and "\n" not in result.message
