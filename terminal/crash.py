"""The one place uncaught exceptions go: the log (redacted) and visible notices.

Without this, an exception in a Qt slot, a worker thread or a fire-and-forget asyncio
task is printed to a console nobody sees (or swallowed). Here `sys.excepthook`,
`threading.excepthook` and an asyncio loop exception handler all end in
`report_exception`, which logs the traceback on logger `terminal.crash` (the handlers
from `terminal.logsetup` scrub it) and calls every registered notice callback with a
redacted `CrashReport`. Nothing in this module may raise: a failing callback or a
broken log is caught and written, as a last resort, to the original stderr.

Callbacks can run on any thread (the failing one); a UI callback must hand the report
over to the GUI thread itself (e.g. by emitting a Qt signal).

asyncio is named in annotations only: the GUI installs the hooks before its first
paint, and importing asyncio (with ssl, socket, subprocess) there would cost that
paint about 20 ms; the loop handler is installed later, once the loop exists.
"""

from __future__ import annotations

import contextlib
import logging
import sys
import threading
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from types import TracebackType
from typing import TYPE_CHECKING, Any

from terminal.logsetup import redact

if TYPE_CHECKING:
    import asyncio

log = logging.getLogger("terminal.crash")


@dataclass(frozen=True)
class CrashReport:
    """What a notice shows: where it came from and a short redacted summary."""

    source: str  # "sys.excepthook", "threading.excepthook", "asyncio"
    summary: str  # one line, e.g. "ValueError: bad price"
    details: str  # redacted traceback text (may be empty)
    thread: str


NoticeCallback = Callable[[CrashReport], None]

_lock = threading.Lock()
_callbacks: list[NoticeCallback] = []
_saved: dict[str, Any] = {}
_local = threading.local()


def add_notice_callback(callback: NoticeCallback) -> Callable[[], None]:
    """Call `callback` for every uncaught exception; returns a function that removes it."""
    with _lock:
        _callbacks.append(callback)

    def remove() -> None:
        remove_notice_callback(callback)

    return remove


def remove_notice_callback(callback: NoticeCallback) -> None:
    with _lock:
        if callback in _callbacks:
            _callbacks.remove(callback)


def _last_resort(text: str) -> None:
    try:
        stream = sys.__stderr__
        if stream is not None:
            stream.write(redact(text) + "\n")
            stream.flush()
    except Exception:
        pass


def report_exception(
    exc: BaseException | None,
    *,
    source: str,
    message: str | None = None,
    tb: TracebackType | None = None,
) -> CrashReport | None:
    """Log an uncaught exception and notify every callback. Never raises."""
    if getattr(_local, "busy", False):  # a callback that fails while reporting
        _last_resort(f"[{source}] nested failure while reporting: {exc!r}")
        return None
    _local.busy = True
    try:
        if exc is not None:
            tb = tb if tb is not None else exc.__traceback__
            head = f"{type(exc).__name__}: {exc}".strip()
            details = "".join(traceback.format_exception(type(exc), exc, tb))
        else:
            head, details = "", ""
        summary_parts = [p for p in (message, head) if p]
        summary = redact(" | ".join(summary_parts).splitlines()[0] if summary_parts else source)
        report = CrashReport(source, summary, redact(details), threading.current_thread().name)
        try:
            exc_info = (type(exc), exc, tb) if exc is not None else None
            log.error("Uncaught exception (%s): %s", source, message or head, exc_info=exc_info)
        except Exception:
            _last_resort(f"[{source}] {summary}\n{report.details}")
        with _lock:
            callbacks = list(_callbacks)
        for callback in callbacks:
            try:
                callback(report)
            except Exception as cb_exc:  # a broken notice must not hide the original
                _last_resort(f"[crash] notice callback {callback!r} failed: {cb_exc!r}")
        return report
    except Exception as inner:  # pragma: no cover - truly last resort
        _last_resort(f"[crash] reporting failed: {inner!r}; original: {exc!r}")
        return None
    finally:
        _local.busy = False


def _sys_excepthook(
    exc_type: type[BaseException], exc: BaseException, tb: TracebackType | None
) -> None:
    if issubclass(exc_type, KeyboardInterrupt):
        with contextlib.suppress(Exception):
            log.info("Interrupted")
        return
    report_exception(exc, source="sys.excepthook", tb=tb)


def _threading_excepthook(args: threading.ExceptHookArgs) -> None:
    if args.exc_type is SystemExit:
        return
    name = args.thread.name if args.thread is not None else "?"
    report_exception(
        args.exc_value,
        source="threading.excepthook",
        message=f"in thread {name}",
        tb=args.exc_traceback,
    )


def asyncio_exception_handler(loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
    """Install with `loop.set_exception_handler(asyncio_exception_handler)`.

    Receives what asyncio could not deliver: exceptions of tasks nobody awaited,
    failing callbacks, unclosed transports.
    """
    try:
        exc = context.get("exception")
        message = str(context.get("message") or "asyncio error")
        where = context.get("task") or context.get("future") or context.get("handle")
        if where is not None:
            message = f"{message} ({where!r})"
        if isinstance(exc, BaseException) and is_expected_fault(exc):
            # a venue or network fault nobody was left waiting for (a ccxt future of a
            # socket already given up): the code that owns the venue handles those
            # faults, so this is a log line, never a notice
            log.warning(
                "venue/network fault not awaited (%s): %s: %s",
                message,
                type(exc).__name__,
                redact(str(exc)),
            )
            return
        report_exception(
            exc if isinstance(exc, BaseException) else None, source="asyncio", message=message
        )
    except Exception as inner:  # pragma: no cover
        _last_resort(f"[crash] asyncio handler failed: {inner!r}")


EXPECTED_FAULT_MODULES = ("ccxt.", "aiohttp.")


def is_expected_fault(exc: BaseException) -> bool:
    """A fault the code expects from a venue or the network: ccxt's and aiohttp's errors,
    the core's venue errors, dropped connections and timeouts. A bug (anything else)
    still becomes a visible notice."""
    if type(exc).__module__.startswith(EXPECTED_FAULT_MODULES):
        return True
    if isinstance(exc, (ConnectionError, TimeoutError)):
        return True
    from terminal.core.errors import VenueError  # light: no asyncio, no ccxt

    return isinstance(exc, VenueError)


def install(loop: asyncio.AbstractEventLoop | None = None) -> None:
    """Route sys and threading hooks here (idempotent); also `loop`'s handler if given."""
    with _lock:
        if sys.excepthook is not _sys_excepthook:
            _saved.setdefault("sys", sys.excepthook)
            sys.excepthook = _sys_excepthook
        if threading.excepthook is not _threading_excepthook:
            _saved.setdefault("threading", threading.excepthook)
            threading.excepthook = _threading_excepthook
    if loop is not None:
        install_on_loop(loop)


def install_on_loop(loop: asyncio.AbstractEventLoop) -> None:
    loop.set_exception_handler(asyncio_exception_handler)


def uninstall() -> None:
    """Put back the hooks that were there before `install` (tests, shutdown)."""
    with _lock:
        if "sys" in _saved and sys.excepthook is _sys_excepthook:
            sys.excepthook = _saved.pop("sys")
        if "threading" in _saved and threading.excepthook is _threading_excepthook:
            threading.excepthook = _saved.pop("threading")
        _saved.clear()
