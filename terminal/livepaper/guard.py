"""Public-only ccxt clients: a paper-on-live session's clients can never send a private
or signed request to the venue.

Three locks, each enough on its own for the requests it covers:

* the client is built without credentials (no key, secret, password or token);
* ccxt asks `check_required_credentials` before it signs any private REST call or
  authenticates any private stream; the guarded class refuses there, before a request is
  built (asked only whether keys exist, as a public method with a private fallback does,
  it answers no);
* `fetch`, the door every REST request of ccxt passes through, refuses a request that
  carries anything that looks like authentication (a key, signature, passphrase or token
  header, or a signature in the URL), before it is sent.
"""

from __future__ import annotations

import functools
import logging
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from terminal.core.errors import AuthenticationError

log = logging.getLogger(__name__)

CREDENTIAL_ATTRS = ("apiKey", "secret", "password", "uid", "privateKey", "walletAddress", "token")
_AUTH_HEADER_WORDS = ("key", "sign", "passphrase", "authorization", "token", "access")
_AUTH_QUERY_WORDS = ("signature", "apikey", "api_key", "listenkey", "sign")


class PrivateRequestRefused(AuthenticationError):
    """A paper-on-live session tried a private or signed request; nothing was sent."""


def _refuse(venue: str, what: str) -> PrivateRequestRefused:
    log.error("%s paper on live: a private request (%s) was stopped before sending", venue, what)
    return PrivateRequestRefused(
        f"{venue} paper on live: a private request ({what}) was stopped before sending; "
        "this session never talks to the venue's account",
        venue=venue,
    )


def authenticated(url: str, headers: Any, body: Any) -> str | None:
    """What makes a request look authenticated, or None for a plain public request."""
    for name in dict(headers or {}):
        low = str(name).lower()
        if any(word in low for word in _AUTH_HEADER_WORDS):
            return f"header {name}"
    query = urlsplit(str(url)).query
    for name, _value in parse_qsl(query, keep_blank_values=True):
        if any(word in name.lower() for word in _AUTH_QUERY_WORDS):
            return f"URL parameter {name}"
    if isinstance(body, str) and "signature=" in body.lower():
        return "signed body"
    return None


@functools.cache
def public_only_class(cls: type, venue: str) -> type:
    """A subclass of the ccxt class `cls` that refuses every private or signed request."""

    class PublicOnly(cls):
        paper_on_live = True

        def check_required_credentials(self, error: bool = True) -> bool:
            if not error:  # "are there keys?" (public fallbacks ask): there never are
                return False
            raise _refuse(venue, "credentials asked for")

        async def fetch(
            self, url: str, method: str = "GET", headers: Any = None, body: Any = None
        ) -> Any:
            why = authenticated(url, headers, body)
            if why is not None:
                raise _refuse(venue, why)
            return await super().fetch(url, method, headers, body)

    PublicOnly.__name__ = PublicOnly.__qualname__ = f"{cls.__name__}_public_only"
    PublicOnly.__module__ = __name__
    return PublicOnly


def make_public_only(inst: Any, venue: str) -> Any:
    """Turn a freshly built ccxt instance into its public-only subclass, with every
    credential emptied."""
    for attr in CREDENTIAL_ATTRS:
        if getattr(inst, attr, None):
            setattr(inst, attr, "")
    cls: Any = type(inst)
    inst.__class__ = public_only_class(cls, venue)
    return inst
