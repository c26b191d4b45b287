"""Testnets and demos on hosts of their own: no request of such a session reaches a live host.

A SANDBOX session, or a DEMO one on a venue whose demo has hosts of its own (Binance,
Bybit), relies on ccxt swapping the instance's URLs for the test ones. Should one be
missed (an API group the test environment lacks, a change in ccxt), that request would
go to the live venue. So the session's client is a subclass whose `fetch` (the door every
REST request of ccxt passes through) refuses any request to a host of the venue's live
API, read from a plain instance of the same ccxt class, before anything is sent. Streams
are left to ccxt's test URLs: some demos (Bybit) take public market data from the live
stream host, which moves no money.
"""

from __future__ import annotations

import functools
import logging
from typing import Any
from urllib.parse import urlsplit

from terminal.core.errors import VenueUnavailableError

log = logging.getLogger(__name__)


class LiveHostRefused(VenueUnavailableError):
    """A request of a testnet or demo session would have gone to a live host; not sent."""


def url_hosts(value: Any, hostname: str | None) -> frozenset[str]:
    """Every host named by the URLs inside `value` ({hostname} filled in as ccxt does)."""
    found: set[str] = set()

    def walk(item: Any) -> None:
        if isinstance(item, str):
            text = item.replace("{hostname}", hostname or "")
            host = urlsplit(text).hostname if "://" in text else None
            if host:
                found.add(host.lower())
        elif isinstance(item, dict):
            for v in item.values():
                walk(v)
        elif isinstance(item, (list, tuple)):
            for v in item:
                walk(v)

    walk(value)
    return frozenset(found)


@functools.cache
def live_hosts(cls: type) -> frozenset[str]:
    """The hosts of the live API of the ccxt class `cls` (a plain instance, no network)."""
    plain = cls()
    return url_hosts((plain.urls or {}).get("api"), getattr(plain, "hostname", None))


def check_not_live(venue: str, live: frozenset[str], url: str, method: str) -> None:
    host = (urlsplit(str(url)).hostname or "").lower()
    if host in live:
        log.error(
            "%s: a %s request of a test session to the live host %s; not sent", venue, method, host
        )
        raise LiveHostRefused(
            f"{venue}: a request of a testnet/demo session to the live host {host} was "
            "stopped before sending",
            venue=venue,
        )


@functools.cache
def guarded_class(cls: type, venue: str) -> type:
    """A subclass of the ccxt class `cls` that never sends a request to a live host."""
    live = live_hosts(cls)

    class TestnetGuarded(cls):
        live_hosts_refused = live

        async def fetch(
            self, url: str, method: str = "GET", headers: Any = None, body: Any = None
        ) -> Any:
            check_not_live(venue, live, url, method)
            return await super().fetch(url, method, headers, body)

    TestnetGuarded.__name__ = TestnetGuarded.__qualname__ = f"{cls.__name__}_testnet_guarded"
    TestnetGuarded.__module__ = __name__
    return TestnetGuarded
