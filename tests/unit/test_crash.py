"""Every kind of uncaught exception reaches the log (redacted) and the notice callbacks."""

from __future__ import annotations

import asyncio
import io
import subprocess
import sys
import textwrap
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from terminal import crash
from terminal.logsetup import (
    LoggingSetup,
    clear_secrets,
    register_secret,
    setup_logging,
    teardown_logging,
)
from terminal.paths import AppPaths

SECRET = "crash-secret-7f3a9c1e55"


@pytest.fixture
def routed(tmp_path: Path) -> Iterator[tuple[LoggingSetup, list[crash.CrashReport]]]:
    setup = setup_logging(AppPaths.from_override(tmp_path), "DEBUG", console=io.StringIO())
    register_secret(SECRET)
    reports: list[crash.CrashReport] = []
    remove = crash.add_notice_callback(reports.append)
    crash.install()
    try:
        yield setup, reports
    finally:
        crash.uninstall()
        remove()
        teardown_logging()
        clear_secrets()


def _log_text(setup: LoggingSetup) -> str:
    setup.file_handler.flush()
    return setup.log_file.read_text(encoding="utf-8")


def test_install_replaces_and_uninstall_restores_hooks() -> None:
    before_sys, before_thread = sys.excepthook, threading.excepthook
    crash.install()
    crash.install()  # idempotent
    assert sys.excepthook is not before_sys and threading.excepthook is not before_thread
    crash.uninstall()
    assert sys.excepthook is before_sys and threading.excepthook is before_thread


def test_sys_excepthook_reaches_log_and_notice(routed) -> None:  # type: ignore[no-untyped-def]
    setup, reports = routed
    try:
        raise ValueError(f"bad price with key {SECRET}")
    except ValueError as exc:
        sys.excepthook(type(exc), exc, exc.__traceback__)
    assert [r.source for r in reports] == ["sys.excepthook"]
    assert reports[0].summary == "ValueError: bad price with key ***"
    assert "Traceback" in reports[0].details and SECRET not in reports[0].details
    text = _log_text(setup)
    assert "Uncaught exception (sys.excepthook)" in text and "ValueError: bad price" in text
    assert SECRET not in text


def test_threading_excepthook_reaches_log_and_notice(routed) -> None:  # type: ignore[no-untyped-def]
    setup, reports = routed

    def work() -> None:
        raise RuntimeError(f"worker died {SECRET}")

    thread = threading.Thread(target=work, name="feed-worker")
    thread.start()
    thread.join(5)
    assert [r.source for r in reports] == ["threading.excepthook"]
    assert reports[0].thread == "feed-worker"
    assert "in thread feed-worker" in reports[0].summary
    text = _log_text(setup)
    assert "RuntimeError: worker died ***" in text and SECRET not in text


def test_asyncio_handler_reaches_log_and_notice(routed) -> None:  # type: ignore[no-untyped-def]
    setup, reports = routed

    async def orphan() -> None:
        raise KeyError(f"lost task {SECRET}")

    async def main() -> None:
        loop = asyncio.get_running_loop()
        crash.install_on_loop(loop)
        loop.call_soon(lambda: 1 / 0)  # a failing callback
        task = loop.create_task(orphan())
        await asyncio.sleep(0.05)
        del task  # never awaited: reported when collected

    loop = asyncio.new_event_loop()
    try:
        loop.run_until_complete(main())
        import gc

        gc.collect()
    finally:
        loop.close()
    sources = [r.source for r in reports]
    assert sources.count("asyncio") >= 2, reports
    summaries = " ".join(r.summary for r in reports)
    assert "ZeroDivisionError" in summaries and "KeyError" in summaries
    text = _log_text(setup)
    assert "Uncaught exception (asyncio)" in text and "ZeroDivisionError" in text
    assert SECRET not in text and SECRET not in summaries


def test_failing_callback_does_not_break_reporting(routed) -> None:  # type: ignore[no-untyped-def]
    setup, reports = routed

    def broken(report: crash.CrashReport) -> None:
        raise OSError("notice widget gone")

    remove = crash.add_notice_callback(broken)
    later: list[crash.CrashReport] = []
    remove_later = crash.add_notice_callback(later.append)
    try:
        report = crash.report_exception(TypeError("x"), source="test")
    finally:
        remove()
        remove_later()
    assert report is not None and reports and later  # callbacks on both sides still ran
    assert "TypeError: x" in _log_text(setup)


def test_report_without_logging_configured_never_raises() -> None:
    report = crash.report_exception(None, source="asyncio", message="Unclosed client session")
    assert report is not None and report.summary == "Unclosed client session"


def test_uncaught_exception_in_a_real_process_is_logged(tmp_path: Path) -> None:
    script = textwrap.dedent(
        f"""
        from terminal import crash
        from terminal.logsetup import register_secret, setup_logging
        from terminal.paths import AppPaths
        setup_logging(AppPaths.from_override({str(tmp_path)!r}), "INFO", console=True)
        register_secret({SECRET!r})
        crash.install()
        raise SystemError("top-level failure {SECRET}")
        """
    )
    proc = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 1
    log_text = (tmp_path / "logs" / "terminal.log").read_text(encoding="utf-8")
    for text in (log_text, proc.stderr):
        assert "SystemError: top-level failure ***" in text
        assert SECRET not in text


def test_an_unretrieved_venue_fault_is_logged_not_noticed(routed) -> None:  # type: ignore[no-untyped-def]
    """ccxt rejects futures nobody awaits any more (a socket given up after a stall):
    asyncio calls that "Future exception was never retrieved". For a fault the code
    expects that is a log line; a bug still becomes a notice."""
    import ccxt

    setup, reports = routed

    async def main() -> None:
        loop = asyncio.get_running_loop()
        crash.install_on_loop(loop)
        for exc in (
            ccxt.InvalidNonce('binance {"code":-1021}'),
            ccxt.NetworkError("Connection closed by remote server, closing code 1006"),
            ConnectionResetError("reset by peer"),
            ValueError("a bug"),
        ):
            fut = loop.create_future()
            fut.set_exception(exc)
            del fut  # never retrieved: reported when collected
        import gc

        gc.collect()
        await asyncio.sleep(0)

    loop = asyncio.new_event_loop()
    try:
        loop.run_until_complete(main())
    finally:
        loop.close()
    assert [r.summary for r in reports if "ValueError" not in r.summary] == []
    assert any("ValueError: a bug" in r.summary for r in reports)
    text = _log_text(setup)
    assert "venue/network fault not awaited" in text and "InvalidNonce" in text
