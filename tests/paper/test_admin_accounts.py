"""The control API creates accounts: funded as asked, usable through ccxt at once, kept
across a restart of the exchange; bad balances are refused."""

from __future__ import annotations

import time
import urllib.error

import ccxt
import pytest

from tests.fixtures_paper import paper_rest, run_async


def test_created_account_trades_through_ccxt_and_survives_a_restart(paper_exchange):
    control = paper_exchange.control
    acct = control.create_account({"USDT": "1234.5"})
    assert acct["apiKey"].startswith("paper-") and len(acct["secret"]) == 64
    assert acct["apiKey"] in {a["apiKey"] for a in control.accounts()}
    assert control.balances(acct["apiKey"])["USDT"]["free"] == "1234.50000000"
    default = control.create_account()  # the starting balances of the exchange
    assert control.balances(default["apiKey"]) == control.balances(paper_exchange.accounts[0][0])

    async def usdt() -> str:
        async with paper_rest(paper_exchange, (acct["apiKey"], acct["secret"])) as ex:
            return str((await ex.fetch_balance())["USDT"]["free"])

    assert run_async(usdt()) == "1234.5"
    control.restart(1500)
    deadline = time.monotonic() + 30
    while True:  # the exchange goes down: every connection is refused for 1.5 s
        try:
            control.health()
        except (OSError, urllib.error.URLError):
            break
        assert time.monotonic() < deadline, "the restart fault did not take the exchange down"
        time.sleep(0.05)
    while True:  # then it comes back from its store
        try:
            balance = run_async(usdt(), 10)
            break
        except (TimeoutError, OSError, ccxt.NetworkError):
            assert time.monotonic() < deadline, "paper exchange did not come back"
            time.sleep(0.3)
    assert balance == "1234.5"


def test_bad_balances_are_refused(paper_exchange):
    with pytest.raises(Exception, match="unknown asset"):
        paper_exchange.control.create_account({"NOPE": "1"})
    with pytest.raises(Exception, match="balance"):
        paper_exchange.control.create_account({"USDT": "-x"})
