"""The paper URL check: only loopback passes, whatever form the URL takes."""

from __future__ import annotations

import pytest

from terminal.loopback import (
    NotLoopbackError,
    assert_urls_loopback,
    check_loopback_url,
    is_loopback_address,
    paper_url_refusal,
)


@pytest.mark.parametrize(
    ("url", "base"),
    [
        ("http://127.0.0.1:8765", "http://127.0.0.1:8765"),
        ("http://127.0.0.1:8765/", "http://127.0.0.1:8765"),
        ("HTTP://127.0.0.1:8765", "http://127.0.0.1:8765"),  # an upper-case scheme is the same
        ("http://127.9.8.7:1", "http://127.9.8.7:1"),  # all of 127.0.0.0/8
        ("http://[::1]:8765", "http://[::1]:8765"),
        ("http://localhost:8765", "http://127.0.0.1:8765"),  # /etc/hosts: resolved, then pinned
        ("http://LOCALHOST:8765", "http://127.0.0.1:8765"),
        ("https://127.0.0.1", "https://127.0.0.1:443"),
        ("http://2130706433:9", "http://127.0.0.1:9"),  # 127.0.0.1 as one number: resolved
    ],
)
def test_loopback_urls_pass_and_give_the_address_to_use(url: str, base: str) -> None:
    assert check_loopback_url(url).base == base


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("https://203.0.113.7", "not a loopback address"),  # a real, non-loopback address
        ("https://203.0.113.7:443/api/v3", "only scheme, host and port"),
        ("http://0.0.0.0:8765", "not a loopback address"),
        ("http://10.0.0.1:8765", "not a loopback address"),
        ("HTTPS://203.0.113.7", "not a loopback address"),  # upper-case scheme, live host
        ("http://[2001:db8::1]:8765", "not a loopback address"),
        ("http://[::ffff:127.0.0.1]:8765", "not a loopback address"),  # IPv4-mapped IPv6
        ("http://[::ffff:7f00:1]:8765", "not a loopback address"),
        ("http://[::1%25lo]:8765", "not a loopback address"),  # scoped
        ("http://[::]:8765", "not a loopback address"),
        ("http://localhost.:8765", "does not resolve"),  # trailing dot: not in /etc/hosts
        ("http://localhost.paper.invalid:8765", "does not resolve"),
        ("http://127.0.0.1.paper.invalid:8765", "does not resolve"),
        ("http://paper.example.invalid:8765", "does not resolve"),  # a DNS name
        ("http://user@127.0.0.1:8765", "user name or password"),
        ("http://user:pass@127.0.0.1:8765", "user name or password"),
        ("http://127.0.0.1:8765@203.0.113.7", "user name or password"),
        ("http://127.0.0.1:8765@localhost.paper.invalid", "user name or password"),
        ("http://127.0.0.1\\@203.0.113.7", "backslash"),
        ("http://127.0.0.1:8765 @203.0.113.7", "spaces or control characters"),
        ("http://127.0.0.1:8765\n", "spaces or control characters"),
        ("ftp://127.0.0.1:8765", "http:// or https://"),
        ("ws://127.0.0.1:8765", "http:// or https://"),
        ("127.0.0.1:8765", "http:// or https://"),
        ("//127.0.0.1:8765", "http:// or https://"),
        ("http://127.0.0.1:8765/anything", "only scheme, host and port"),
        ("http://127.0.0.1:8765?x=1", "only scheme, host and port"),
        ("http://127.0.0.1:8765#f", "only scheme, host and port"),
        ("http://127.0.0.1:99999", "invalid port"),
        ("http://127.0.0.1:0", "invalid port"),
        ("http://:8765", "no host"),
        ("", "empty"),
    ],
)
def test_everything_else_is_refused_with_the_reason(url: str, why: str) -> None:
    with pytest.raises(NotLoopbackError, match=why):
        check_loopback_url(url)


def test_a_name_must_resolve_only_to_loopback() -> None:
    """A resolver answer is an input: a live exchange's name, and a name that resolves to
    loopback AND something else, are both refused; one resolving only to loopback passes
    and the client is pointed at that address (so a later, different answer is moot)."""
    public = {
        "api.binance.com": ["52.84.150.3"],
        "mixed.example": ["127.0.0.1", "192.0.2.4"],
        "v6only.example": ["::1"],
        "both.example": ["::1", "127.0.0.2"],
    }
    resolve = public.__getitem__
    with pytest.raises(NotLoopbackError, match=r"resolves to 52\.84\.150\.3"):
        check_loopback_url("https://api.binance.com", resolve=resolve)
    with pytest.raises(NotLoopbackError, match=r"resolves to 192\.0\.2\.4"):
        check_loopback_url("http://mixed.example:1", resolve=resolve)
    assert check_loopback_url("http://v6only.example:1", resolve=resolve).base == "http://[::1]:1"
    assert check_loopback_url("http://both.example:1", resolve=resolve).base == "http://127.0.0.2:1"
    with pytest.raises(NotLoopbackError, match="does not resolve"):
        check_loopback_url("http://nothing.example:1", resolve=lambda host: [])


def test_the_refusal_is_one_line_naming_the_source_and_never_repeats_the_url() -> None:
    text = paper_url_refusal("--paper-url", "https://me:hunter2secret@api.binance.com")
    assert text is not None and "\n" not in text
    assert text.startswith("--paper-url refused: ")
    assert "hunter2secret" not in text
    assert paper_url_refusal("--paper-url", "http://127.0.0.1:1") is None


def test_is_loopback_address() -> None:
    assert is_loopback_address("127.0.0.1") and is_loopback_address("127.255.255.254")
    assert is_loopback_address("::1")
    for text in ("128.0.0.1", "::ffff:127.0.0.1", "0.0.0.0", "::", "localhost", "", "1"):
        assert not is_loopback_address(text), text


def test_every_url_a_client_holds_must_be_a_loopback_literal() -> None:
    good = {
        "api": {"public": "http://127.0.0.1:1/api/v3", "ws": ["ws://[::1]:1/ws"]},
        "doc": "not a url",
    }
    assert_urls_loopback(good)
    for bad in (
        {"api": {"public": "https://api.binance.com/api/v3"}},
        {"api": ["http://127.0.0.1:1", "wss://stream.binance.com/ws"]},
        {"api": "http://localhost:1/api"},  # a name, not the pinned address
        {"api": "http://u@127.0.0.1:1/api"},
    ):
        with pytest.raises(NotLoopbackError):
            assert_urls_loopback(bad)
