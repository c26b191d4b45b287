"""Further paper exchanges as venues of their own (`paper.others` in settings.json).

Each entry names a venue and the URL of another running paper exchange on this machine,
e.g. `{"paper2": "http://127.0.0.1:9001"}`. The venue then sits in the catalogue beside
the built-in `paper` venue: Venue > Connect lists it, and every session of it (one per
account label) trades that exchange's accounts only. Such an exchange's accounts are not
known here, so each session needs its key and secret (saved by Venue > Connect, or the
TT_<VENUE>_PAPER_* environment variables for the `default` account).

Bad entries are refused in one line naming the entry, before anything connects: a URL
that is not provably loopback (the paper venue only talks to this machine), a name that
is not a venue id, or a name of a venue the catalogue already has.
"""

from __future__ import annotations

import asyncio
from typing import Any

from terminal.domain.ids import IdError, VenueId


class PaperVenueRefused(ValueError):
    """A `paper.others` entry that cannot be added (one line, for the user)."""


async def add_paper_venues(manager: Any, others: Any, where: str) -> list[VenueId]:
    """Register every entry of `others` ({venue: url}) as a paper venue of `manager`
    (an ExchangeManager); `where` names the setting in refusals. Returns the venues."""
    from terminal.exchange.clients import PaperEndpoint
    from terminal.loopback import NotLoopbackError, check_loopback_url, paper_refusal_text

    if not others:
        return []
    if not isinstance(others, dict):
        raise PaperVenueRefused(f"{where} must be an object {{venue: url}}")
    added: list[VenueId] = []
    for name, url in others.items():
        try:
            venue = VenueId(str(name))
        except IdError:
            raise PaperVenueRefused(
                f"{where}: {name!r} is not a venue name (lower-case letters, digits, _)"
            ) from None
        if venue in manager.catalogue:
            raise PaperVenueRefused(f"{where}: {venue} is already a venue; pick another name")
        if not isinstance(url, str) or not url.strip():
            raise PaperVenueRefused(f"{where}.{venue} must be the exchange's URL")
        try:
            await asyncio.to_thread(check_loopback_url, url.strip())
        except NotLoopbackError as exc:
            raise PaperVenueRefused(paper_refusal_text(f"{where}.{venue}", exc)) from None
        manager.add_paper_venue(venue, PaperEndpoint(url.strip().rstrip("/"), ()))
        added.append(venue)
    return added
