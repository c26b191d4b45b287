"""Testing a venue's credentials before they are saved (Venue > Connect's "Test").

`check_connection` builds a throwaway `VenueSession` with the given credentials, loads
the markets, reads the balance and lists open orders (a read that needs a
trading-enabled key on most venues), and always closes the session again. It only
reads: nothing is ever sent that could change an account. The result says how far it
got and, when it stopped, why, in one line; it never carries a credential value.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass

from terminal.core.errors import AuthenticationError, VenueError
from terminal.domain.enums import VenueMode
from terminal.domain.session import MarketType
from terminal.exchange.catalogue import VenueInfo
from terminal.exchange.clients import PaperEndpoint
from terminal.exchange.session import VenueSession

CHECK_TIMEOUT_S = 30.0


@dataclass(frozen=True)
class ConnectionCheck:
    """How far a credentials test got: markets loaded, balance read, open orders listed
    (the trading permission), and the reason it stopped ("" when all three passed)."""

    markets_ok: bool
    balance_ok: bool
    trading_ok: bool
    message: str = ""

    @property
    def ok(self) -> bool:
        return self.markets_ok and self.balance_ok and self.trading_ok


async def check_connection(
    info: VenueInfo,
    mode: VenueMode,
    account: str,
    credentials: Mapping[str, str],
    *,
    paper: PaperEndpoint | None = None,
    timeout_s: float = CHECK_TIMEOUT_S,
    market: MarketType = MarketType.SPOT,
) -> ConnectionCheck:
    """Test `credentials` (ccxt field names) on `info` in `mode`, within `timeout_s`.

    `paper` is the paper exchange's endpoint, needed when the venue points at it.
    """
    markets_ok = balance_ok = trading_ok = False
    try:
        session = VenueSession(
            info, mode, account, credentials=credentials, paper=paper, market=market
        )
    except ValueError as exc:
        return ConnectionCheck(False, False, False, str(exc))
    message = ""
    try:
        async with asyncio.timeout(timeout_s):
            await session.connect()
            markets_ok = bool(session.markets)
            await session.fetch_balances()
            balance_ok = True
            await session.fetch_open_orders(next(iter(session.markets), None))
            trading_ok = True
    except AuthenticationError as exc:
        message = f"The venue refused the key: {exc}"
    except VenueError as exc:
        message = f"{type(exc).__name__}: {exc}"
    except TimeoutError:
        message = f"No answer within {timeout_s:.0f} s"
    finally:
        await session.close()
    return ConnectionCheck(markets_ok, balance_ok, trading_ok, message)
