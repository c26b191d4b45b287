"""ccxt exceptions -> core error kinds, by class and by operation, secrets removed."""

from __future__ import annotations

from typing import ClassVar

import ccxt.async_support as ccxt
import pytest

from terminal.core.errors import (
    AuthenticationError,
    ErrorKind,
    OrderNotFoundError,
    OrderRejectedError,
    OutcomeUnknownError,
    RateLimitedError,
    TransientError,
    VenueError,
)
from terminal.exchange.errors import Op, classify, retry_after_from_headers, scrub, venue_reason

R, W = Op.READ, Op.WRITE


@pytest.mark.parametrize(
    "exc_cls,read_kind,write_kind",
    [
        (ccxt.NetworkError, ErrorKind.TRANSIENT, ErrorKind.UNKNOWN_OUTCOME),
        (ccxt.RequestTimeout, ErrorKind.TRANSIENT, ErrorKind.UNKNOWN_OUTCOME),
        (ccxt.ExchangeNotAvailable, ErrorKind.TRANSIENT, ErrorKind.UNKNOWN_OUTCOME),
        (ccxt.OnMaintenance, ErrorKind.TRANSIENT, ErrorKind.UNKNOWN_OUTCOME),
        (ccxt.BadResponse, ErrorKind.TRANSIENT, ErrorKind.UNKNOWN_OUTCOME),
        (ccxt.NullResponse, ErrorKind.TRANSIENT, ErrorKind.UNKNOWN_OUTCOME),
        (ccxt.DDoSProtection, ErrorKind.RATE_LIMITED, ErrorKind.RATE_LIMITED),
        (ccxt.RateLimitExceeded, ErrorKind.RATE_LIMITED, ErrorKind.RATE_LIMITED),
        (ccxt.InsufficientFunds, ErrorKind.REJECTED, ErrorKind.REJECTED),
        (ccxt.InvalidOrder, ErrorKind.REJECTED, ErrorKind.REJECTED),
        (ccxt.OrderImmediatelyFillable, ErrorKind.REJECTED, ErrorKind.REJECTED),
        (ccxt.DuplicateOrderId, ErrorKind.REJECTED, ErrorKind.REJECTED),
        (ccxt.BadSymbol, ErrorKind.REJECTED, ErrorKind.REJECTED),
        (ccxt.BadRequest, ErrorKind.REJECTED, ErrorKind.REJECTED),
        (ccxt.OrderNotFound, ErrorKind.NOT_FOUND, ErrorKind.NOT_FOUND),
        (ccxt.AuthenticationError, ErrorKind.AUTHENTICATION, ErrorKind.AUTHENTICATION),
        (ccxt.PermissionDenied, ErrorKind.AUTHENTICATION, ErrorKind.AUTHENTICATION),
        (ccxt.AccountSuspended, ErrorKind.AUTHENTICATION, ErrorKind.AUTHENTICATION),
        (ccxt.InvalidNonce, ErrorKind.TRANSIENT, ErrorKind.REJECTED),
    ],
)
def test_classified_by_class_and_operation(exc_cls, read_kind, write_kind) -> None:
    exc = exc_cls("binance boom")
    assert classify(exc, op=R, venue="binance").kind is read_kind
    err = classify(exc, op=W, venue="binance")
    assert err.kind is write_kind
    assert err.venue == "binance" and err.cause_name == exc_cls.__name__


def test_hierarchy_subclasses_are_not_swallowed_by_their_parents() -> None:
    # RequestTimeout and DDoSProtection are NetworkErrors; OrderNotFound is an InvalidOrder
    assert isinstance(classify(ccxt.DDoSProtection("x"), op=W), RateLimitedError)
    assert isinstance(classify(ccxt.OrderNotFound("x"), op=W), OrderNotFoundError)
    assert isinstance(classify(ccxt.RequestTimeout("x"), op=W), OutcomeUnknownError)
    assert isinstance(classify(ccxt.PermissionDenied("x"), op=R), AuthenticationError)


def test_message_text_never_decides_the_kind() -> None:
    # a network error that happens to mention funds is still a network error
    err = classify(
        ccxt.NetworkError('{"code":-2010,"msg":"Account has insufficient balance"}'), op=W
    )
    assert isinstance(err, OutcomeUnknownError)
    err = classify(ccxt.InsufficientFunds("request timed out"), op=W)
    assert isinstance(err, OrderRejectedError)


def test_rejection_keeps_the_venue_reason() -> None:
    exc = ccxt.InsufficientFunds(
        'binance {"code":-2010,"msg":"Account has insufficient balance for requested action."}'
    )
    err = classify(exc, op=W, venue="binance")
    assert err.reason == "Account has insufficient balance for requested action. (code -2010)"
    assert venue_reason(ccxt.InvalidOrder("plain words")) == "plain words"


def test_rate_limit_takes_retry_after_from_the_last_response_headers() -> None:
    class FakeExchange:
        last_response_headers: ClassVar[dict[str, str]] = {
            "Content-Type": "application/json",
            "Retry-After": "7",
        }

    err = classify(ccxt.DDoSProtection("429"), op=R, exchange=FakeExchange())
    assert isinstance(err, RateLimitedError) and err.retry_after == 7.0
    assert retry_after_from_headers({"retry-after": " 3 "}) == 3.0
    assert retry_after_from_headers({}, default=1.5) == 1.5
    assert retry_after_from_headers({"Retry-After": "soon"}) == 1.0


def test_plain_exchange_error_wrapping_a_transport_failure_is_unknown_for_writes() -> None:
    import aiohttp

    try:
        try:
            raise aiohttp.ClientPayloadError("cut")
        except aiohttp.ClientError as inner:
            raise ccxt.ExchangeError("binance POST /api/v3/order") from inner
    except ccxt.ExchangeError as exc:
        assert isinstance(classify(exc, op=W), OutcomeUnknownError)
        assert isinstance(classify(exc, op=R), TransientError)
    answered = ccxt.ExchangeError('binance {"code":-1013,"msg":"Filter failure"}')
    assert isinstance(classify(answered, op=W), OrderRejectedError)


def test_non_ccxt_failures() -> None:
    assert isinstance(classify(TimeoutError(), op=W), OutcomeUnknownError)
    assert isinstance(classify(ConnectionResetError(), op=R), TransientError)
    # an unparsable reply after a create: it may have been executed
    assert isinstance(classify(KeyError("orderId"), op=W), OutcomeUnknownError)
    read = classify(KeyError("x"), op=R)
    assert type(read) is VenueError and read.kind is ErrorKind.INTERNAL
    already = OrderRejectedError("no")
    assert classify(already, op=R) is already


def test_secrets_are_stripped_from_error_text() -> None:
    key, secret = "AbCdEfGhIjKlMnOp1234", "s3cr3tS3cr3tS3cr3t"
    exc = ccxt.AuthenticationError(
        f"binance GET https://api.binance.com/api/v3/account?timestamp=1&recvWindow=5000"
        f'&signature=deadbeefcafe0123 {{"code":-2015,"msg":"Invalid API-key {key}"}} '
        f"secret={secret}"
    )
    err = classify(exc, op=R, secrets=(key, secret))
    text = str(err)
    assert key not in text and secret not in text and "deadbeefcafe0123" not in text
    assert "AuthenticationError" in text
    long = scrub("x" * 5000)
    assert len(long) < 500


@pytest.mark.parametrize(
    ("exc", "op", "words"),
    [
        (
            ccxt.ExchangeNotAvailable("okx GET https://www.okx.com/api/v5/public/instruments"),
            R,
            "the venue could not be reached or did not answer in time",
        ),
        (
            ccxt.RequestTimeout("binance POST https://api.binance.com/api/v3/order"),
            W,
            "the venue gave no clear answer, so whether it acted is unknown",
        ),
        (
            ccxt.AuthenticationError('{"code":-2015,"msg":"Invalid API-key"}'),
            R,
            "the venue refused the API key",
        ),
        (ccxt.RateLimitExceeded("binance 429"), R, "the venue asks to slow down"),
        (
            ccxt.BadResponse("binance GET /api/v3/depth <html>"),
            R,
            "the venue's answer could not be read",
        ),
        (ccxt.ExchangeError("gate something odd"), R, "the venue answered with an error"),
        (KeyError("x"), R, "the venue's answer could not be read"),
    ],
)
def test_ccxt_wording_never_reaches_a_user_unexplained(exc, op, words) -> None:
    """A user reads first what happened in plain words; ccxt's class and text follow in
    parentheses, for whoever needs the detail."""
    text = str(classify(exc, op=op, venue="v"))
    assert text.startswith(words)
    assert f"({type(exc).__name__}: " in text
