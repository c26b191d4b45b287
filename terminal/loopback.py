"""The paper venue talks only to this machine: a URL check that admits loopback alone.

The paper venue signs its orders with ccxt's Binance class. Pointed at any other host it
would trade there while the testnet lock shows ON, so every paper URL, wherever it
comes from (the `--paper-url` option, `paper.url` in settings.json, the embedded
exchange's own address), is checked where it enters and again where the ccxt client is
built, and anything that is not provably loopback is refused before a byte is sent.

Loopback means an IPv4 address in 127.0.0.0/8, the IPv6 address ::1, or a name that
resolves only to those. A name is resolved once, by the check, and the client is then
pointed at the address it resolved to (`LoopbackUrl.base`), so a resolver that answers
differently a moment later (DNS rebinding) cannot move the venue off this machine.
The URL must be `http://HOST[:PORT]` or `https://HOST[:PORT]` and nothing more: no user
name or password, no path, query or fragment, no spaces, backslashes or control
characters (parsers disagree about such URLs, and a check is only as good as the parser
that agrees with the client).
"""

from __future__ import annotations

import concurrent.futures
import ipaddress
import socket
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

RESOLVE_TIMEOUT_S = 3.0
_DEFAULT_PORTS = {"http": 80, "https": 443}

Resolver = Callable[[str], Iterable[str]]


class NotLoopbackError(ValueError):
    """The URL is not a loopback URL; the message says why in one line."""


@dataclass(frozen=True)
class LoopbackUrl:
    """A checked paper URL: what was given, and the loopback address to use."""

    text: str  # as given
    scheme: str  # "http" or "https"
    host: str  # as given: a literal address or a name
    port: int
    address: str  # the loopback address the client is pointed at

    @property
    def base(self) -> str:
        """`scheme://address:port`, the address being the resolved loopback one."""
        host = f"[{self.address}]" if ":" in self.address else self.address
        return f"{self.scheme}://{host}:{self.port}"


def is_loopback_address(text: str) -> bool:
    """True for an address literal in 127.0.0.0/8 or ::1 (an IPv4-mapped form is not)."""
    try:
        addr = ipaddress.ip_address(text)
    except ValueError:
        return False
    if isinstance(addr, ipaddress.IPv4Address):
        return addr in ipaddress.IPv4Network("127.0.0.0/8")
    return addr == ipaddress.IPv6Address("::1")


def system_resolver(host: str) -> list[str]:
    """Every address the system resolver gives for `host` (blocking, bounded in time)."""

    def lookup() -> list[str]:
        infos = socket.getaddrinfo(host, None, type=socket.SOCK_STREAM)
        return [str(info[4][0]) for info in infos]

    pool = concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="resolve")
    try:
        return pool.submit(lookup).result(timeout=RESOLVE_TIMEOUT_S)
    except concurrent.futures.TimeoutError:
        raise NotLoopbackError(
            f"host {host!r} could not be resolved within {RESOLVE_TIMEOUT_S:.0f} s"
        ) from None
    except OSError:
        raise NotLoopbackError(f"host {host!r} does not resolve on this machine") from None
    finally:
        pool.shutdown(wait=False)


def _split(text: str) -> tuple[str, str, int]:
    """(scheme, host, port) of a URL that has exactly those parts, else NotLoopbackError."""
    if not isinstance(text, str) or not text:
        raise NotLoopbackError("the URL is empty")
    if any(ch.isspace() or ord(ch) < 0x20 or ord(ch) == 0x7F for ch in text):
        raise NotLoopbackError("the URL contains spaces or control characters")
    if "\\" in text:
        raise NotLoopbackError("the URL contains a backslash")
    parts = urlsplit(text)
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS:
        raise NotLoopbackError("the URL must start with http:// or https://")
    if "@" in parts.netloc:
        raise NotLoopbackError("the URL must not contain a user name or password (user@host)")
    if parts.path not in ("", "/") or parts.query or parts.fragment or text.endswith(("?", "#")):
        raise NotLoopbackError(
            "the URL must be only scheme, host and port (no path, query or "
            "fragment), e.g. http://127.0.0.1:8765"
        )
    host = parts.hostname or ""
    if not host:
        raise NotLoopbackError("the URL has no host")
    try:
        port = parts.port
    except ValueError:
        raise NotLoopbackError("the URL has an invalid port") from None
    if port == 0:
        raise NotLoopbackError("the URL has an invalid port")
    return scheme, host, port if port is not None else _DEFAULT_PORTS[scheme]


def check_loopback_url(text: str, *, resolve: Resolver = system_resolver) -> LoopbackUrl:
    """The checked URL, or NotLoopbackError (one line, without the URL itself)."""
    scheme, host, port = _split(text)
    try:
        literal = ipaddress.ip_address(host)
    except ValueError:
        literal = None
    if literal is not None:
        if not is_loopback_address(str(literal)):
            raise NotLoopbackError(f"host {host} is not a loopback address")
        return LoopbackUrl(text, scheme, host, port, str(literal))
    addresses = list(dict.fromkeys(resolve(host)))
    if not addresses:
        raise NotLoopbackError(f"host {host!r} does not resolve on this machine")
    outside = [a for a in addresses if not is_loopback_address(a)]
    if outside:
        raise NotLoopbackError(
            f"host {host!r} resolves to {outside[0]}, which is not a loopback address"
        )
    # prefer IPv4: the paper exchange listens on 127.0.0.1
    chosen = next((a for a in addresses if ":" not in a), addresses[0])
    return LoopbackUrl(text, scheme, host, port, chosen)


def paper_url_refusal(source: str, text: str, *, resolve: Resolver = system_resolver) -> str | None:
    """The one-line refusal for a paper URL from `source`, or None when it is loopback."""
    try:
        check_loopback_url(text, resolve=resolve)
    except NotLoopbackError as exc:
        return paper_refusal_text(source, exc)
    return None


def paper_refusal_text(source: str, exc: NotLoopbackError) -> str:
    """One line naming where the URL came from and why it is refused. The URL itself is
    not repeated: it may carry a user name and password."""
    return (
        f"{source} refused: {exc}; the paper venue only talks to this machine "
        "(127.0.0.0/8, ::1 or a name that resolves only to those)"
    )


def assert_urls_loopback(urls: object, where: str = "urls") -> None:
    """Raise NotLoopbackError unless every http(s)/ws(s) URL inside `urls` (nested dicts
    and lists of a ccxt `exchange.urls`) has a loopback address literal as its host."""
    if isinstance(urls, str):
        parts = urlsplit(urls)
        if parts.scheme.lower() in ("http", "https", "ws", "wss"):
            host = parts.hostname or ""
            if "@" in parts.netloc or not is_loopback_address(host):
                raise NotLoopbackError(
                    f"{where} points at {host or urls!r}, not at a loopback address"
                )
        return
    if isinstance(urls, dict):
        for key, value in urls.items():
            assert_urls_loopback(value, f"{where}.{key}")
    elif isinstance(urls, (list, tuple)):
        for i, value in enumerate(urls):
            assert_urls_loopback(value, f"{where}[{i}]")
