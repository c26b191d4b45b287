"""TerminalServices with one venue connected twice: two accounts of the paper exchange
(the second created through its control API), each its own session with its own private
stream, reconciliation, orders and stop sweep; disconnecting one keeps the other."""

from __future__ import annotations

from decimal import Decimal

import pytest

from terminal.core.safety import StopScope, StopTarget
from terminal.domain.enums import OrderType, Side, VenueMode
from terminal.domain.ids import AccountLabel, Symbol, VenueId
from terminal.domain.order import OrderRequest, OrderStatus
from terminal.domain.session import SessionKey
from terminal.paper.embedded import start_paper_exchange
from terminal.services import ServicesError, TerminalServices
from tests.fixtures_paper import run_async
from tests.integration.test_orders_helpers import eventually, services_options

KEY, SECRET = "svc2-key-000001", "svc2-secret-00000000001"
BTC = Symbol("BTC/USDT")
MAIN = SessionKey(VenueId("paper"), VenueMode.PAPER)
ALICE = SessionKey(VenueId("paper"), VenueMode.PAPER, AccountLabel("alice"))
pytestmark = pytest.mark.timeout(180)


@pytest.fixture(scope="module")
def paper(tmp_path_factory):
    handle = start_paper_exchange(
        tmp_path_factory.mktemp("paper-svc2"), rate="calm", accounts=[(KEY, SECRET)]
    )
    handle.control.pause()
    try:
        yield handle
    finally:
        handle.stop()


def ticket(key: SessionKey, price: Decimal) -> OrderRequest:
    return OrderRequest(
        key.venue,
        BTC,
        Side.BUY,
        OrderType.LIMIT,
        Decimal("0.001"),
        price,
        mode=key.mode,
        account=key.account,
    )


def test_one_venue_two_accounts_in_one_terminal(paper, tmp_path):
    alice = paper.control.create_account({"USDT": "3000"})
    bid = Decimal(paper.control.book(str(BTC), 1)["bids"][0][0])
    price = (bid * Decimal("0.97")).quantize(Decimal("0.01"))  # within the 5 % check

    async def main():
        async with TerminalServices(services_options(tmp_path, paper, KEY, SECRET)) as services:
            first = await services.connect("paper")
            second = await services.connect("paper", account="alice", credentials=alice)
            assert first.key == MAIN and second.key == ALICE and first is not second
            assert await services.connect("paper", account="alice") is second
            assert set(services.by_key) == {MAIN, ALICE}
            assert services.sessions[VenueId("paper")] is first  # the venue's name alone
            assert {s.key for s in services.connected_sessions()} == {MAIN, ALICE}
            assert set(services._private) == {MAIN, ALICE}  # one private stream each
            for key in (MAIN, ALICE):
                await eventually(lambda k=key: _ready(services, k))

            await services.refresh_market_inputs("paper", BTC)
            await services.refresh_market_inputs("paper", BTC, ALICE)
            assert services.gate_context(ticket(ALICE, price)).balances.get(
                "USDT"
            ).total == Decimal(3000)  # alice's balances, not the first account's
            mine = await services.orders.submit(ticket(MAIN, price))
            hers = await services.orders.submit(ticket(ALICE, price))
            assert mine.status is hers.status is OrderStatus.OPEN
            assert [o.client_order_id for o in services.orders.open_orders(ALICE)] == [
                hers.client_order_id
            ]
            assert [o["clientOrderId"] for o in paper.control.open_orders(alice["apiKey"])] == [
                str(hers.client_order_id)
            ]

            # a stop on alice's session: her order only
            _state, task = services.engage_stop(
                StopScope.ALL, "test", "test", target=StopTarget(session=ALICE)
            )
            result = await task
            assert result.ok and [v.account for v in result.venues] == ["alice"]
            assert paper.control.open_orders(alice["apiKey"]) == []
            assert [o["clientOrderId"] for o in paper.control.open_orders(KEY)] == [
                str(mine.client_order_id)
            ]
            services.safety.stop.reset(confirmed=True)

            # disconnecting alice's session keeps the first one connected and trading
            await services.disconnect_key(ALICE)
            assert set(services.by_key) == {MAIN} and services.sessions[VenueId("paper")] is first
            with pytest.raises(ServicesError, match="not connected"):
                await services.reconcile_key(ALICE)
            await services.orders.cancel(mine.client_order_id)

    run_async(main(), 150)


async def _ready(services, key):
    return services.orders.entry_ready(key)


@pytest.fixture
def memory_keyring():
    import keyring

    from tests.test_secrets import MemoryKeyring

    previous = keyring.get_keyring()
    keyring.set_keyring(MemoryKeyring())
    yield
    keyring.set_keyring(previous)


def test_a_named_paper_account_trades_with_its_own_keys_or_not_at_all(
    paper, tmp_path, memory_keyring
):
    from terminal.secrets import CredentialRef, Credentials, CredentialStore

    carol = paper.control.create_account({"USDT": "1234"})

    async def main():
        async with TerminalServices(services_options(tmp_path, paper, KEY, SECRET)) as services:
            # no keys stored for carol: refused in one line, not the default account's keys
            with pytest.raises(ServicesError) as refused:
                await services.connect("paper", account="carol", streams=False)
            text = str(refused.value)
            assert "no API keys stored" in text and "carol" in text and "\n" not in text
            assert not any(k.account == "carol" for k in services.by_key)

            CredentialStore().save(
                CredentialRef.of("paper", VenueMode.PAPER, "carol"),
                Credentials(carol["apiKey"], carol["secret"]),
            )
            session = await services.connect("paper", account="carol", streams=False)
            balances = await session.fetch_balances()
            assert balances.get("USDT").total == Decimal("1234")  # carol's, not the default's

    run_async(main(), 120)
