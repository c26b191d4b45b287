"""A loopback HTTP server that records every request it gets (tests of the request guards)."""

from __future__ import annotations

from typing import Any

from aiohttp import web


class Recorder:
    """A loopback HTTP server that answers success to anything and records it."""

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.runner: web.AppRunner | None = None
        self.url = ""

    async def start(self) -> None:
        async def handle(request: web.Request) -> web.Response:
            self.requests.append(
                {
                    "method": request.method,
                    "path": request.path,
                    "headers": {k.lower(): v for k, v in request.headers.items()},
                }
            )
            ok = "00000" if request.path.startswith("/api/v2/") else "0"  # bitget / okx
            return web.json_response({"code": ok, "msg": "", "data": [], "requestTime": 0})

        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", handle)
        self.runner = web.AppRunner(app)
        await self.runner.setup()
        site = web.TCPSite(self.runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.url = f"http://127.0.0.1:{port}"

    async def stop(self) -> None:
        if self.runner is not None:
            await self.runner.cleanup()
