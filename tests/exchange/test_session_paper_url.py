"""Where the ccxt client is built, the paper URL is checked again: only loopback."""

from __future__ import annotations

import time

import pytest

from terminal.core.errors import VenueUnavailableError
from terminal.domain.enums import VenueMode
from terminal.exchange.catalogue import paper_info
from terminal.exchange.session import PaperEndpoint, VenueSession
from terminal.loopback import assert_urls_loopback
from tests.exchange.conftest import FAST
from tests.fixtures_paper import run_async
from tests.listener import Listener


@pytest.fixture
def listener():
    lst = Listener()
    yield lst
    lst.close()


@pytest.mark.parametrize(
    "template",
    [
        "http://[::ffff:127.0.0.1]:{port}",
        "http://user@127.0.0.1:{port}",
        "http://127.0.0.1:{port}@localhost.paper.invalid",
        "https://203.0.113.7:{port}",
    ],
)
def test_a_session_refuses_a_non_loopback_paper_url_before_any_request(listener, template):
    endpoint = PaperEndpoint(template.format(port=listener.port), (("KEY", "SECRET"),))
    session = VenueSession(paper_info(), VenueMode.PAPER, paper=endpoint, options=FAST)

    async def go() -> None:
        try:
            with pytest.raises(VenueUnavailableError, match="paper URL refused"):
                await session.connect()
            with pytest.raises(VenueUnavailableError, match="paper URL refused"):
                await session.ensure_pro()
        finally:
            await session.close()

    run_async(go())
    time.sleep(0.3)
    assert listener.connections == 0


def test_a_name_is_resolved_once_and_the_client_holds_only_the_address(paper):
    """`localhost` passes; every URL of both clients is then the resolved literal."""
    endpoint = PaperEndpoint(f"http://localhost:{paper.port}", tuple(paper.accounts))
    session = VenueSession(paper_info(), VenueMode.PAPER, paper=endpoint, options=FAST)

    async def go() -> None:
        try:
            await session.connect()
            assert session.markets  # the real paper exchange answered
            pro = await session.ensure_pro()
            for inst in (session.rest, pro):
                assert_urls_loopback(inst.urls["api"])
                assert "localhost" not in repr(inst.urls["api"])
        finally:
            await session.close()

    run_async(go())
