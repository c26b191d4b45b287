"""Secrets never reach a log: not via ccxt's own logger, not via the app's loggers."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import ccxt
import pytest

from terminal.logsetup import (
    MASK,
    LoggingSetup,
    RingHandler,
    clear_secrets,
    parse_level,
    protect_handler,
    redact,
    register_secret,
    setup_logging,
    teardown_logging,
)
from terminal.paths import AppPaths

KEY = "AKfakeKEY0123456789abcdefXYZ"
SECRET = "SKfakeSECRET/zyxw+9876543210=="
PASSPHRASE = "PPpassphrase-4242-fake"
UNREACHABLE = "http://127.0.0.1:9"  # discard port: connection refused at once


@dataclass
class Logged:
    setup: LoggingSetup
    console: io.StringIO

    def outputs(self) -> dict[str, str]:
        for handler in self.setup.handlers():
            handler.flush()
        ring = "\n".join(e.text for e in self.setup.ring.snapshot())
        return {
            "file": self.setup.log_file.read_text(encoding="utf-8"),
            "console": self.console.getvalue(),
            "ring": ring,
        }

    def assert_clean(self, *needles: str) -> None:
        for where, text in self.outputs().items():
            for needle in needles:
                assert needle not in text, f"{needle!r} leaked into the {where} log:\n{text}"


@pytest.fixture
def logged(tmp_path: Path) -> Iterator[Logged]:
    console = io.StringIO()
    setup = setup_logging(AppPaths.from_override(tmp_path), "DEBUG", console=console)
    try:
        yield Logged(setup, console)
    finally:
        teardown_logging()
        clear_secrets()


def _signed_request() -> tuple[ccxt.binance, dict]:
    exchange = ccxt.binance({"apiKey": KEY, "secret": SECRET, "timeout": 3000})
    request = exchange.sign("account", ["private"], "GET", {})
    return exchange, request


def _fetch_unreachable(exchange: ccxt.binance, request: dict) -> Exception:
    """ccxt logs the request (headers with the key, URL with the signature) itself;
    the app logs the failure with its traceback, as an adapter would."""
    url = request["url"].replace("https://api.binance.com", UNREACHABLE)
    try:
        exchange.fetch(url, request["method"], request["headers"], request["body"])
    except ccxt.NetworkError as exc:
        logging.getLogger("terminal.exchange.test").exception("fetch failed")
        return exc
    raise AssertionError("the unreachable fetch did not fail")


def _signature(url: str) -> str:
    return url.rsplit("signature=", 1)[1]


@pytest.mark.parametrize("registered", [True, False], ids=["registered", "patterns-only"])
def test_ccxt_request_logging_is_scrubbed(logged: Logged, registered: bool) -> None:
    if registered:
        register_secret(KEY)
        register_secret(SECRET)
    exchange, request = _signed_request()
    signature = _signature(request["url"])
    assert request["headers"]["X-MBX-APIKEY"] == KEY and len(signature) == 64

    error = _fetch_unreachable(exchange, request)
    assert signature in str(error)  # ccxt puts the signed URL in the exception text
    app_log = logging.getLogger("terminal.exchange.test")
    app_log.warning("fetch failed: %s", error)
    logging.getLogger("ccxt.base.exchange").debug(
        "%s %s, Request: %s %s", "GET", request["url"], request["headers"], None
    )

    out = logged.outputs()
    for where in ("file", "console", "ring"):
        # The records are there, masked: the test cannot pass on an empty log.
        assert "ccxt.base.exchange" in out[where]
        assert "'X-MBX-APIKEY': '***'" in out[where]
        assert "signature=***" in out[where]
        assert "Traceback" in out[where] and "ccxt.base.errors.NetworkError" in out[where]
    logged.assert_clean(KEY, SECRET, signature)


def test_app_loggers_scrub_args_dicts_json_queries_and_tracebacks(logged: Logged) -> None:
    register_secret(KEY)
    register_secret(SECRET)
    register_secret(PASSPHRASE)
    log = logging.getLogger("terminal.test")
    creds = {"apiKey": KEY, "secret": SECRET, "password": PASSPHRASE, "uid": "u-1"}

    log.info("credentials %s", creds)
    log.info("as %r and %s", KEY, SECRET)
    log.debug("json %s", json.dumps(creds))
    log.debug("query apiKey=%s&secret=%s&passphrase=%s&x=1", KEY, SECRET, PASSPHRASE)
    log.info("url-encoded secret in a body: %s", "secret=SKfakeSECRET%2Fzyxw%2B9876543210%3D%3D")
    try:
        raise RuntimeError(f"auth failed for {KEY} with secret {SECRET}")
    except RuntimeError:
        log.exception("login failed")
        log.error("again", exc_info=True, stack_info=True)
    logging.getLogger("some.library").warning("headers=%s", {"X-MBX-APIKEY": KEY})

    out = logged.outputs()
    assert "Traceback" in out["file"] and "RuntimeError: auth failed for ***" in out["file"]
    assert "'uid': 'u-1'" in out["file"]  # ordinary fields survive
    logged.assert_clean(KEY, SECRET, PASSPHRASE, "SKfakeSECRET%2F")


def test_patterns_without_registration(logged: Logged) -> None:
    log = logging.getLogger("terminal.test")
    log.info("%s", {"apiKey": "k-unregistered-1", "secret": "s-unregistered-2"})
    log.info('{"passphrase": "p-unregistered-3", "symbol": "BTC/USDT"}')
    log.info("X-MBX-APIKEY: k-unregistered-4")
    log.info("GET /api/v3/order?symbol=BTCUSDT&signature=deadbeef00112233&x=1")
    out = logged.outputs()["file"]
    assert "BTC/USDT" in out and "symbol=BTCUSDT" in out
    logged.assert_clean("unregistered", "deadbeef00112233")


def test_rotated_files_are_scrubbed_too(tmp_path: Path) -> None:
    setup = setup_logging(
        AppPaths.from_override(tmp_path), "INFO", console=False, max_bytes=2000, backup_count=3
    )
    try:
        register_secret(SECRET)
        for i in range(60):
            logging.getLogger("terminal.test").info("line %d secret %s", i, SECRET)
        setup.file_handler.flush()
        files = sorted(setup.log_file.parent.glob("terminal.log*"))
        assert len(files) > 1  # rotation happened
        for f in files:
            assert SECRET not in f.read_text(encoding="utf-8")
    finally:
        teardown_logging()
        clear_secrets()


def test_setup_twice_does_not_duplicate_handlers(tmp_path: Path) -> None:
    try:
        setup_logging(AppPaths.from_override(tmp_path), "INFO", console=False)
        second = setup_logging(AppPaths.from_override(tmp_path), "WARNING", console=False)
        ours = [h for h in logging.getLogger().handlers if h in second.handlers()]
        all_ring = [h for h in logging.getLogger().handlers if isinstance(h, RingHandler)]
        assert len(ours) == 2 and all_ring == [second.ring]
        assert logging.getLogger().level == logging.WARNING
    finally:
        teardown_logging()
    assert not any(isinstance(h, RingHandler) for h in logging.getLogger().handlers)


def test_chatty_libraries_are_quiet_at_info_and_speak_at_debug(tmp_path: Path) -> None:
    alembic = logging.getLogger("alembic.runtime.plugins")
    try:
        setup = setup_logging(AppPaths.from_override(tmp_path), "INFO", console=False)
        alembic.info("setup plugin alembic.autogenerate.schemas")
        assert not any("setup plugin" in r.text for r in setup.ring.snapshot())
        setup = setup_logging(AppPaths.from_override(tmp_path), "DEBUG", console=False)
        alembic.info("setup plugin alembic.autogenerate.tables")
        assert any("autogenerate.tables" in r.text for r in setup.ring.snapshot())
    finally:
        teardown_logging()


def test_ring_handler_is_bounded_and_keeps_levels() -> None:
    ring = protect_handler(RingHandler(capacity=5))
    assert isinstance(ring, RingHandler)
    log = logging.getLogger("terminal.ringtest")
    log.propagate = False
    log.setLevel(logging.DEBUG)
    log.addHandler(ring)
    try:
        register_secret(SECRET)
        for i in range(8):
            log.debug("debug %d", i)
        log.error("boom %s", SECRET)
        entries = ring.snapshot()
        assert len(entries) == 5
        assert entries[-1].levelname == "ERROR" and entries[-1].levelno == logging.ERROR
        assert SECRET not in entries[-1].text and MASK in entries[-1].text
        assert [e.text.rsplit(" ", 1)[-1] for e in entries[:4]] == ["4", "5", "6", "7"]
        assert [e.levelname for e in ring.snapshot(logging.WARNING)] == ["ERROR"]
        assert ring.since(ring.last_seq) == []
        assert [e.seq for e in ring.since(ring.last_seq - 2)] == [ring.last_seq - 1, ring.last_seq]
    finally:
        log.removeHandler(ring)
        log.propagate = True
        clear_secrets()


def test_short_values_are_not_registered() -> None:
    try:
        register_secret("abc")
        register_secret(None)
        assert redact("abc abc") == "abc abc"
        register_secret(b"bytes-secret-1")
        assert redact("x bytes-secret-1 y") == f"x {MASK} y"
    finally:
        clear_secrets()


def test_parse_level() -> None:
    assert parse_level("debug") == logging.DEBUG
    assert parse_level(logging.ERROR) == logging.ERROR
    with pytest.raises(ValueError):
        parse_level("loud")
