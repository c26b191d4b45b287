"""Header-based demo environments: the live host, trading on paper only while a header says so.

OKX's demo trading (what ccxt calls its sandbox) and Bitget's demo trading send every
REST request to the LIVE host; only a header (`x-simulated-trading: 1` on OKX,
`PAPTRADING: 1` on Bitget) makes the venue treat it as demo. Should ccxt ever drop that
header, a signed order would be a real one. So a DEMO session on such a venue is built
from a subclass of the ccxt class whose `fetch` (the one door every REST request of ccxt
goes through, after signing) refuses any private request without the header, before a
byte is sent; and whose `client` (where ccxt.pro opens every WebSocket) refuses any host
but the venue's demo WebSocket host. A request counts as private when it is not a GET or
when it carries one of the session's credentials (the API key travels in a header on both
venues); public GETs without the header are let through (Bitget's server-time request
is sent without it on purpose).
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from terminal.core.errors import VenueUnavailableError

log = logging.getLogger(__name__)

# ccxt attributes that hold a credential sent with a signed request
_CREDENTIAL_ATTRS = ("apiKey", "password", "uid", "login", "token", "walletAddress")


@dataclass(frozen=True)
class HeaderDemo:
    """How one venue's header-based demo works in ccxt."""

    header: str  # the header that makes a request demo
    value: str  # its value
    ws_hosts: frozenset[str]  # the demo's WebSocket hosts (a separate host for streams)


# ccxt id -> its header-based demo. Both are switched on by ccxt's set_sandbox_mode.
HEADER_DEMOS: dict[str, HeaderDemo] = {
    "okx": HeaderDemo("x-simulated-trading", "1", frozenset({"wspap.okx.com"})),
    "bitget": HeaderDemo("PAPTRADING", "1", frozenset({"wspap.bitget.com"})),
}


class DemoGuardError(VenueUnavailableError):
    """A request of a demo session would have reached the live venue; it was not sent."""


def _header_value(headers: Mapping[str, Any] | None, name: str) -> str | None:
    for key, value in (headers or {}).items():
        if str(key).lower() == name.lower():
            return str(value)
    return None


def _is_private(
    inst: Any, url: str, method: str, headers: Mapping[str, Any] | None, body: Any
) -> bool:
    if str(method).upper() != "GET":
        return True
    carried = [str(url), str(body or "")]
    carried += [str(v) for v in (headers or {}).values()]
    for attr in _CREDENTIAL_ATTRS:
        value = getattr(inst, attr, None)
        if isinstance(value, str) and len(value) >= 4 and any(value in c for c in carried):
            return True
    return False


def check_request(
    inst: Any,
    spec: HeaderDemo,
    venue: str,
    url: str,
    method: str,
    headers: Mapping[str, Any] | None,
    body: Any,
) -> None:
    """Raise DemoGuardError unless this request may leave (see the module docstring).

    The headers checked are the ones ccxt's own `fetch` will send: the request's
    headers merged with the instance's (`prepare_request_headers`, on a copy).
    """
    sent = inst.prepare_request_headers(dict(headers or {}))
    if _header_value(sent, spec.header) == spec.value:
        return
    if not _is_private(inst, url, method, sent, body):
        return
    host = urlsplit(str(url)).hostname or "?"
    log.error(
        "%s demo: a private %s request to %s had no %s header; not sent",
        venue,
        method,
        host,
        spec.header,
    )
    raise DemoGuardError(
        f"{venue} demo: a private request without the {spec.header} header was stopped "
        f"before sending (to {host}, the live host, it would be real)",
        venue=venue,
    )


def check_ws_url(spec: HeaderDemo, venue: str, url: str) -> None:
    """Raise DemoGuardError unless `url` is one of the demo's WebSocket hosts."""
    host = (urlsplit(str(url)).hostname or "").lower()
    if host not in spec.ws_hosts:
        log.error(
            "%s demo: a WebSocket to %s refused (demo streams are on %s)",
            venue,
            host or url,
            ", ".join(sorted(spec.ws_hosts)),
        )
        raise DemoGuardError(
            f"{venue} demo: a WebSocket to {host or '?'} was refused; the demo's streams "
            f"are on {', '.join(sorted(spec.ws_hosts))}",
            venue=venue,
        )


@functools.cache
def guarded_class(cls: type, ccxt_id: str, venue: str) -> type:
    """A subclass of the ccxt class `cls` whose every request passes the demo guard."""
    spec = HEADER_DEMOS[ccxt_id]

    class DemoGuarded(cls):
        demo_guard = spec

        async def fetch(
            self, url: str, method: str = "GET", headers: Any = None, body: Any = None
        ) -> Any:
            check_request(self, spec, venue, url, method, headers, body)
            return await super().fetch(url, method, headers, body)

        def client(self, url: str) -> Any:
            check_ws_url(spec, venue, url)
            return super().client(url)

    DemoGuarded.__name__ = DemoGuarded.__qualname__ = f"{cls.__name__}_demo_guarded"
    DemoGuarded.__module__ = __name__
    return DemoGuarded


def new_demo_instance(cls: type, ccxt_id: str, venue: str, config: dict[str, Any]) -> Any:
    """A guarded instance of `cls` with the venue's demo switched on."""
    inst = guarded_class(cls, ccxt_id, venue)(config)
    inst.set_sandbox_mode(True)
    return inst
