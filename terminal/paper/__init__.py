"""Paper exchange: a Binance-Spot-compatible venue on loopback with a simulated market.

It is "the other side" of the terminal: the embedded default venue, a practice venue and
the real counterparty of integration tests, spoken to by the unmodified ccxt client. It
deliberately imports nothing from the rest of ``terminal`` so it can run alone
(``python -m terminal.paper``) or in a child process (:mod:`terminal.paper.embedded`).
"""

from __future__ import annotations

__all__ = ["__doc__"]
