"""How a venue call ended, in the order path's words: refused before acting, or a reason."""

from __future__ import annotations

from terminal.core.errors import (
    AuthenticationError,
    OrderRejectedError,
    RateLimitedError,
    VenueUnavailableError,
)

# Errors that mean the venue (or our own limiter) refused before acting.
REFUSED_BEFORE_ACTING = (
    OrderRejectedError,
    RateLimitedError,
    VenueUnavailableError,
    AuthenticationError,
)


def reason_of(exc: BaseException) -> str:
    """The error as a short reason for the journal and the user (at most 300 chars)."""
    text = str(exc) or type(exc).__name__
    return text if len(text) <= 300 else text[:300] + "..."
