"""Logging, configured in one place, with secrets scrubbed from every record.

Why the scrubbing sits on the handlers: ccxt logs request headers (`X-MBX-APIKEY`)
and signed URLs (`signature=...`) at DEBUG on its own logger `ccxt.base.exchange`,
qasync logs callback arguments, and any library may log an exception whose message
carries a key. A filter on a *logger* only sees records logged on that logger; a
filter on each *handler* sees every record that is written anywhere, whichever logger
produced it. So every handler this module installs gets `RedactingFilter` (which
scrubs the message with its %-args, the traceback and the stack) and a
`RedactingFormatter` (which scrubs the final text once more).

Two kinds of scrubbing:
- known values: the app calls `register_secret(value)` when it loads an API key,
  secret or passphrase; that exact text (and its URL-encoded forms) is replaced
  wherever it appears;
- patterns: `signature=<hex>` and key/value forms whose key names a credential
  (apiKey, X-MBX-APIKEY, secret, password, passphrase, signature, ...) in dict reprs,
  JSON, query strings and headers.
"""

from __future__ import annotations

import contextlib
import io
import logging
import logging.handlers
import re
import sys
import threading
import traceback
from collections import deque
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO
from urllib.parse import quote, quote_plus

from terminal.paths import AppPaths

MASK = "***"
LOG_FILE_NAME = "terminal.log"
DEFAULT_FORMAT = "%(asctime)s %(levelname)-7s %(name)s: %(message)s"
# Shorter values are not registered: masking "1" or "abc" everywhere would shred logs.
MIN_SECRET_LENGTH = 6

# --------------------------------------------------------------------------- secrets


class _SecretRegistry:
    """Known secret values; replaced longest first so a prefix never leaves a tail."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._values: tuple[str, ...] = ()

    def add(self, value: str) -> None:
        variants = {value, quote(value, safe=""), quote_plus(value), repr(value)[1:-1]}
        with self._lock:
            merged = set(self._values) | {v for v in variants if len(v) >= MIN_SECRET_LENGTH}
            self._values = tuple(sorted(merged, key=len, reverse=True))

    def remove(self, value: str) -> None:
        variants = {value, quote(value, safe=""), quote_plus(value), repr(value)[1:-1]}
        with self._lock:
            self._values = tuple(v for v in self._values if v not in variants)

    def clear(self) -> None:
        with self._lock:
            self._values = ()

    def scrub(self, text: str) -> str:
        for value in self._values:  # a tuple snapshot: safe without the lock
            if value in text:
                text = text.replace(value, MASK)
        return text


_SECRETS = _SecretRegistry()


def register_secret(value: str | bytes | None) -> None:
    """Mask this exact value in every log record from now on (API key, secret, ...)."""
    if value is None:
        return
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    value = str(value)
    if len(value) >= MIN_SECRET_LENGTH:
        _SECRETS.add(value)


def forget_secret(value: str) -> None:
    """Stop masking a value (credentials removed); patterns still apply."""
    _SECRETS.remove(value)


def clear_secrets() -> None:
    """Forget every registered value (tests, or a full sign-out)."""
    _SECRETS.clear()


# Key names that carry credentials: any key *containing* one of these words, plus the
# bare `sign` used by OKX/Bitget. Matching is case-insensitive.
_KEY_NAME = (
    r"(?:[A-Za-z0-9_.\-]*?"
    r"(?:api[-_]?key|secret|password|passwd|passphrase|signature|access[-_]?sign"
    r"|access[-_]?key|private[-_]?key|token|authorization|listen[-_]?key)"
    r"[A-Za-z0-9_\-]*"
    r"|(?<![A-Za-z0-9_\-])sign)"
)
_VALUE = (
    r"(?:b?\"(?:[^\"\\]|\\.)*\""  # "double quoted" (JSON, repr)
    r"|b?'(?:[^'\\]|\\.)*'"  # 'single quoted' (dict repr)
    r"|(?:(?:Bearer|Basic)\s+)?[^\s&,;'\"}\])]+)"  # bare: query string, header line
)
_KEY_VALUE = re.compile(
    r"(?P<key>(?P<kq>[\"']?)" + _KEY_NAME + r"(?P=kq))"
    r"(?P<sep>\s*[:=]\s*)"
    r"(?P<value>" + _VALUE + r")",
    re.IGNORECASE,
)


def _mask_value(match: re.Match[str]) -> str:
    value = match.group("value")
    prefix = "b" if value[:2] in ("b'", 'b"') else ""
    body = value[len(prefix) :]
    if body[:1] in ("'", '"'):
        quote_char = body[0]
        masked = f"{prefix}{quote_char}{MASK}{quote_char}"
    else:
        masked = MASK
    return f"{match.group('key')}{match.group('sep')}{masked}"


def redact(text: str) -> str:
    """The text with known secrets and credential-looking key/values masked."""
    if not text:
        return text
    text = _SECRETS.scrub(text)
    return _KEY_VALUE.sub(_mask_value, text)


# --------------------------------------------------------------------------- handlers


class RedactingFilter(logging.Filter):
    """Scrubs a record in place before any handler formats it.

    The message is rendered with its args and the args dropped, the traceback and
    stack are rendered to text and scrubbed; `exc_info` is cleared so no later
    formatter can render the raw exception again. Never rejects a record.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "_terminal_redacted", False):
            return True
        try:
            message = record.getMessage()
        except Exception:  # a bad format string must not lose the record
            message = f"{record.msg!r} % {record.args!r}"
        record.msg = redact(message)
        record.args = None
        if record.exc_info:
            if not record.exc_text:
                record.exc_text = "".join(traceback.format_exception(*record.exc_info)).rstrip()
            record.exc_info = None
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        record._terminal_redacted = True
        return True


class RedactingFormatter(logging.Formatter):
    """A formatter that scrubs its whole output once more (belt and braces)."""

    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))

    def formatException(self, ei) -> str:
        return redact(super().formatException(ei))


def protect_handler(handler: logging.Handler, fmt: str | None = DEFAULT_FORMAT) -> logging.Handler:
    """Give a handler the redaction filter and (unless `fmt` is None) our formatter.

    Use it for every handler the app adds. A foreign handler (pytest's capture, a
    library's) gets only the filter, so its own format is kept.
    """
    if not any(isinstance(f, RedactingFilter) for f in handler.filters):
        handler.addFilter(RedactingFilter())
    if fmt is not None and not isinstance(handler.formatter, RedactingFormatter):
        handler.setFormatter(RedactingFormatter(fmt))
    return handler


@dataclass(frozen=True)
class LogEntry:
    """One formatted, redacted record for the UI logs panel."""

    seq: int
    created: float
    levelno: int
    levelname: str
    logger: str
    text: str


class RingHandler(logging.Handler):
    """Keeps the last `capacity` records in memory for the UI logs panel.

    The panel polls `since(seq)` on its frame timer instead of receiving a call per
    record, so a burst of DEBUG lines cannot flood the GUI thread.
    """

    def __init__(self, capacity: int = 2000, level: int = logging.NOTSET) -> None:
        super().__init__(level)
        self._entries: deque[LogEntry] = deque(maxlen=capacity)
        self._seq = 0

    def emit(self, record: logging.LogRecord) -> None:
        try:
            text = self.format(record)
            self._seq += 1  # emit runs under the handler lock
            self._entries.append(
                LogEntry(
                    self._seq,
                    record.created,
                    record.levelno,
                    record.levelname,
                    record.name,
                    text,
                )
            )
        except Exception:
            self.handleError(record)

    def snapshot(self, min_level: int = logging.NOTSET) -> list[LogEntry]:
        with self.lock:  # type: ignore[union-attr]
            return [e for e in self._entries if e.levelno >= min_level]

    def since(self, seq: int, min_level: int = logging.NOTSET) -> list[LogEntry]:
        """Entries newer than `seq` (0 = all still held)."""
        with self.lock:  # type: ignore[union-attr]
            return [e for e in self._entries if e.seq > seq and e.levelno >= min_level]

    @property
    def last_seq(self) -> int:
        return self._seq


# --------------------------------------------------------------------------- setup


class _LogFileHandler(logging.handlers.RotatingFileHandler):
    """The log file; a write it cannot do (disk full, read-only) is said once on stderr
    in one line, not as logging's traceback for every record; lines that cannot be
    written are dropped."""

    _failed = False

    def handleError(self, record: logging.LogRecord) -> None:
        exc = sys.exc_info()[1]
        if not isinstance(exc, OSError):
            super().handleError(record)
            return
        if not self._failed and sys.stderr is not None:
            self._failed = True
            # OSError, ValueError: stderr closed or broken, nothing left to tell
            with contextlib.suppress(OSError, ValueError):
                sys.stderr.write(
                    f"trading-terminal: cannot write the log file "
                    f"{self.baseFilename}: {exc.strerror or exc}; lines that "
                    f"cannot be written are dropped\n"
                )
        self._failed = True


@dataclass
class LoggingSetup:
    """What `setup_logging` installed, so it can be read (ring) and torn down."""

    log_file: Path
    file_handler: logging.handlers.RotatingFileHandler
    console_handler: logging.StreamHandler[TextIO] | None
    ring: RingHandler
    level: int

    def handlers(self) -> list[logging.Handler]:
        hs: list[logging.Handler] = [self.file_handler, self.ring]
        if self.console_handler is not None:
            hs.append(self.console_handler)
        return hs


_OURS = "_terminal_handler"
_current: LoggingSetup | None = None


def parse_level(level: str | int) -> int:
    """'debug' / 'INFO' / 10 -> a logging level; ValueError for anything else."""
    if isinstance(level, int):
        return level
    value = logging.getLevelName(level.strip().upper())
    if not isinstance(value, int):
        raise ValueError(f"unknown log level: {level!r}")
    return value


# Libraries whose INFO lines say nothing a user needs ("setup plugin alembic.autogenerate
# .schemas" seven times per start); at DEBUG they still speak.
QUIET_LOGGERS = {"alembic": logging.WARNING}


def setup_logging(
    paths: AppPaths,
    level: str | int = "INFO",
    *,
    console: TextIO | bool = True,
    console_level: str | int | None = None,
    ring_capacity: int = 2000,
    max_bytes: int = 5 * 1024 * 1024,
    backup_count: int = 5,
) -> LoggingSetup:
    """Install the file, console and ring handlers on the root logger.

    Calling it again replaces the handlers it installed before (not foreign ones, but
    those get the redaction filter too). `console` is a stream, True for stderr or
    False for none; `console_level` raises the console's threshold above `level` (the
    headless commands show only warnings and errors there unless asked for more).
    """
    global _current
    levelno = parse_level(level)
    root = logging.getLogger()
    teardown_logging()

    log_file = paths.ensure_logs() / LOG_FILE_NAME
    file_handler = _LogFileHandler(
        log_file, maxBytes=max_bytes, backupCount=backup_count, encoding="utf-8"
    )
    console_handler: logging.StreamHandler[TextIO] | None = None
    stream = sys.stderr if console is True else (console or None)
    if stream is not None:  # sys.stderr is None under pythonw (the gui-script on Windows)
        console_handler = logging.StreamHandler(stream)
        if console_level is not None:
            console_handler.setLevel(max(levelno, parse_level(console_level)))
    ring = RingHandler(ring_capacity)

    setup = LoggingSetup(log_file, file_handler, console_handler, ring, levelno)
    for handler in setup.handlers():
        protect_handler(handler)
        setattr(handler, _OURS, True)
        root.addHandler(handler)
    for handler in root.handlers:  # someone else's handler must not leak either
        protect_handler(handler, fmt=None)
    root.setLevel(levelno)
    for name, floor in QUIET_LOGGERS.items():  # chatty libraries: their INFO is noise here
        logging.getLogger(name).setLevel(
            levelno if levelno <= logging.DEBUG else max(levelno, floor)
        )
    logging.captureWarnings(True)
    _current = setup
    return setup


def teardown_logging() -> None:
    """Remove and close the handlers `setup_logging` installed."""
    global _current
    root = logging.getLogger()
    for handler in list(root.handlers):
        if getattr(handler, _OURS, False):
            root.removeHandler(handler)
            handler.close()
    _current = None


def current_setup() -> LoggingSetup | None:
    """The active setup (the UI logs panel reads `.ring` from it)."""
    return _current


def format_exception_redacted(exc: BaseException) -> str:
    """A traceback as text with secrets masked (for notices shown to the user)."""
    buf = io.StringIO()
    traceback.print_exception(type(exc), exc, exc.__traceback__, file=buf)
    return redact(buf.getvalue())
