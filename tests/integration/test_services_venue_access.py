"""What the window asks of the services instead of reaching into the exchange layer:
the embedded paper exchange is started once however often it is asked for (also
concurrently, as the GUI does before `start()`), a credentials test runs on the real
paper exchange through it, an unknown venue is refused with a typed error, and
`stop_paper` stops the child process."""

from __future__ import annotations

import asyncio

import pytest

from terminal.domain.enums import VenueMode
from terminal.services import ServicesOptions, TerminalServices, VenueUnknown
from tests.fixtures_paper import run_async

pytestmark = pytest.mark.timeout(180)


def test_embedded_paper_started_once_checked_and_stopped(tmp_path):
    async def main():
        options = ServicesOptions(data_dir=str(tmp_path), control_channel=False)
        services = TerminalServices(options)
        try:
            # twice at once (the GUI's early start and a connect racing it): one child
            await asyncio.gather(services.start_embedded_paper(), services.start_embedded_paper())
            handle = services.paper
            assert handle is not None and handle.alive()
            await services.start()
            endpoint = await services.paper_exchange()
            assert services.paper is handle and endpoint.url == handle.url
            assert [v.id for v in services.venue_infos()].count("paper") == 1
            assert services.points_at_paper("paper")

            key, secret = handle.accounts[0]
            good = await services.check_connection(
                "paper", VenueMode.PAPER, "default", {"apiKey": key, "secret": secret}
            )
            assert good.ok, good
            bad = await services.check_connection(
                "paper", VenueMode.PAPER, "default", {"apiKey": "wrong", "secret": secret}
            )
            assert bad.markets_ok and not bad.balance_ok
            assert bad.message.startswith("The venue refused the key")

            with pytest.raises(VenueUnknown, match="nowhere is not a venue"):
                services.points_at_paper("nowhere")
            with pytest.raises(VenueUnknown):
                await services.check_connection("nowhere", VenueMode.LIVE, "default", {})

            await services.stop_paper(10.0)
            assert services.paper is None and not handle.alive()
        finally:
            await services.aclose()

    run_async(main(), 150)
