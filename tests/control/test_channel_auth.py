"""The control channel's mutual proof: nobody but the holder of the token is trusted.

A real `ControlServer` on a Unix socket and on loopback TCP (what Windows uses), the
real client `ask()`, and impostors: a listener on a stale advertisement, a client
without the token, a replayed request, a relay that alters an answer.
"""

from __future__ import annotations

import asyncio
import os
import stat
from pathlib import Path

import pytest

from terminal.control import ControlRefused, ControlServer, ControlUnavailable, ask
from terminal.control.advert import read_advert
from terminal.control.endpoint import connect
from terminal.control.protocol import decode, dumps, encode, mac, new_nonce
from tests.control.helpers import TRANSPORTS, Impostor, Recorder, raw_request
from tests.fixtures_paper import run_async


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_the_real_server_proves_itself_and_every_answer_is_sealed(
    tmp_path: Path, transport: str
) -> None:
    async def main() -> None:
        handler = Recorder()
        server = ControlServer(handler, tmp_path / "journal.sqlite.control", transport=transport)
        advert = await server.start()
        try:
            assert advert.transport == transport
            if transport == "unix":
                sock = Path(str(advert.address))
                assert sock == tmp_path / "journal.sqlite.sock"
                assert stat.S_IMODE(sock.stat().st_mode) == 0o600
            seen: list[dict] = []
            replies = await ask(
                advert.path,
                "engage",
                {"scope": "all", "reason": "drill"},
                timeout=10,
                on_reply=seen.append,
            )
            assert (
                [r["event"] for r in replies] == ["engaged", "result"] == [r["event"] for r in seen]
            )
            assert all(r["pid"] == os.getpid() for r in replies)
            assert handler.engaged == [("all", "drill")]
            assert (await ask(advert.path, "show", timeout=10))[-1]["window"] is True
        finally:
            await server.aclose()
        assert not advert.path.exists()
        if transport == "unix":
            assert not Path(str(advert.address)).exists()

    run_async(main(), 30)


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_an_impostor_on_a_stale_advertisement_learns_nothing(
    tmp_path: Path, transport: str
) -> None:
    async def main() -> None:
        impostor = await Impostor(transport, tmp_path).start()
        try:
            advert = impostor.advertise(tmp_path / "journal.sqlite.control")
            seen: list[dict] = []
            with pytest.raises(ControlUnavailable, match="cannot prove"):
                await ask(
                    advert.path,
                    "engage",
                    {"scope": "all", "reason": "secret plan"},
                    timeout=10,
                    on_reply=seen.append,
                )
            assert seen == []  # its forged ENGAGED never reached the caller
            await asyncio.sleep(0.2)
            received = bytes(impostor.received)
            hello = decode(received.splitlines()[0])
            assert set(hello) == {"v", "hello"}  # one random nonce, and then nothing
            assert received.count(b"\n") == 1
            for secret in (b"the-real-token", b"engage", b"secret plan", b"request"):
                assert secret not in received
        finally:
            await impostor.aclose()

    run_async(main(), 30)


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_a_client_without_the_token_or_with_a_replayed_proof_is_refused(
    tmp_path: Path, transport: str
) -> None:
    async def main() -> None:
        handler = Recorder()
        server = ControlServer(handler, tmp_path / "j.control", transport=transport)
        advert = await server.start()
        try:
            # without the token it cannot check the server: it sends no request at all
            with pytest.raises(ControlUnavailable, match="cannot prove"):
                await ask(advert.path, "engage", token="guess", timeout=10)
            # a request proven with another key
            answer = await raw_request(advert, {"cmd": "engage", "args": {}}, key="guess")
            assert b"not authorised" in answer
            # a proof made for one connection does not open another (fresh nonces)
            reader, writer = await connect(advert, limit=1 << 20, timeout=10)
            nc = new_nonce()
            writer.write(encode({"v": 2, "hello": nc}))
            first = decode(await reader.readline())
            body = dumps({"cmd": "engage", "args": {}})
            proof = mac(server.token, "client", nc, first["nonce"], body)
            writer.close()
            reader, writer = await connect(advert, limit=1 << 20, timeout=10)
            writer.write(encode({"v": 2, "hello": nc}))  # same client nonce, new server one
            second = decode(await reader.readline())
            assert second["nonce"] != first["nonce"]
            writer.write(encode({"request": body, "proof": proof}))
            assert b"not authorised" in await asyncio.wait_for(reader.read(), 10)
            writer.close()
            assert handler.engaged == []
        finally:
            await server.aclose()

    run_async(main(), 30)


def test_an_answer_altered_on_the_way_is_not_trusted(tmp_path: Path) -> None:
    """A relay passes the handshake through (it cannot forge it) and then rewrites the
    ENGAGED answer: the client refuses it instead of printing it."""

    async def main() -> None:
        handler = Recorder()
        server = ControlServer(handler, tmp_path / "j.control", transport="tcp")
        real = await server.start()

        async def relay(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            up_r, up_w = await connect(real, limit=1 << 20, timeout=10)

            async def pump(src, dst, alter) -> None:  # type: ignore[no-untyped-def]
                while line := await src.readline():
                    dst.write(alter(line))
                    await dst.drain()
                dst.close()

            def alter(line: bytes) -> bytes:
                msg = decode(line)
                if "reply" in msg:
                    msg["reply"] = msg["reply"].replace("ENGAGED", "ENGAGED, all clear")
                    return encode(msg)
                return line

            await asyncio.gather(
                pump(reader, up_w, lambda b: b), pump(up_r, writer, alter), return_exceptions=True
            )

        proxy = await asyncio.start_server(relay, "127.0.0.1", 0)
        try:
            from terminal.control.advert import write_advert

            path = tmp_path / "relayed.control"
            write_advert(
                path, "tcp", proxy.sockets[0].getsockname()[1], server.token, pid=os.getpid()
            )
            seen: list[dict] = []
            with pytest.raises(ControlRefused, match="cannot be trusted"):
                await ask(path, "engage", timeout=10, on_reply=seen.append)
            assert seen == []
        finally:
            proxy.close()
            await server.aclose()

    run_async(main(), 30)


def test_an_advertisement_of_another_format_or_host_is_ignored(tmp_path: Path) -> None:
    path = tmp_path / "x.control"
    for body in (
        '{"version": 1, "pid": 1, "host": "127.0.0.1", "port": 5, "token": "t"}',
        (
            '{"version": 2, "pid": 1, "transport": "tcp", "host": "10.0.0.1", '
            '"port": 5, "token": "t"}'
        ),
        '{"version": 2, "pid": 1, "transport": "pipe", "path": "x", "token": "t"}',
        '{"version": 2, "pid": 1, "transport": "unix", "path": "", "token": "t"}',
        "not json",
    ):
        path.write_text(body)
        assert read_advert(path) is None, body
