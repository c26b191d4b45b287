"""Binance error replies: exact codes and texts, because ccxt matches the text first."""

from __future__ import annotations


class ApiError(Exception):
    """An error answered as ``{"code": n, "msg": "..."}`` with an HTTP status."""

    def __init__(
        self, code: int, msg: str, status: int = 400, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(f"{code} {msg}")
        self.code = code
        self.msg = msg
        self.status = status
        self.headers = headers or {}

    def body(self) -> dict[str, object]:
        return {"code": self.code, "msg": self.msg}


# Messages copied from Binance (and ccxt's binance ``exceptions`` table).
INSUFFICIENT_BALANCE = "Account has insufficient balance for requested action."
DUPLICATE_ORDER = "Duplicate order sent."
UNKNOWN_ORDER = "Unknown order sent."
ORDER_NOT_EXIST = "Order does not exist."
INVALID_SYMBOL = "Invalid symbol."
WOULD_TAKE = "Order would immediately match and take."
PRECISION = "Precision is over the maximum defined for this asset."
BAD_SIGNATURE = "Signature for this request is not valid."
BAD_KEY = "Invalid API-key, IP, or permissions for action."
KEY_FORMAT = "API-key format invalid."
OUTSIDE_RECV_WINDOW = "Timestamp for this request is outside of the recvWindow."
AHEAD_OF_SERVER = "Timestamp for this request was 1000ms ahead of the server's time."


def filter_failure(name: str) -> ApiError:
    return ApiError(-1013, f"Filter failure: {name}")


def bad_symbol() -> ApiError:
    return ApiError(-1121, INVALID_SYMBOL)


def missing_param(name: str) -> ApiError:
    return ApiError(
        -1102, f"Mandatory parameter '{name}' was not sent, was empty/null, or malformed."
    )


def illegal_param(name: str) -> ApiError:
    return ApiError(
        -1100,
        f"Illegal characters found in parameter '{name}'; legal range is "
        "'^[0-9]{1,20}(\\.[0-9]{1,20})?$'.",
    )


def insufficient_balance() -> ApiError:
    return ApiError(-2010, INSUFFICIENT_BALANCE)


def weight_exceeded(limit: int, retry_after: int) -> ApiError:
    return ApiError(
        -1003,
        f"Too much request weight used; current limit is {limit} request "
        "weight per 1 MINUTE. Please use WebSocket Streams for live "
        "updates to avoid polling the API.",
        status=429,
        headers={"Retry-After": str(retry_after)},
    )


def orders_exceeded(limit: int, retry_after: int) -> ApiError:
    return ApiError(
        -1015,
        f"Too many new orders; current limit is {limit} orders per TEN_SECONDS.",
        status=429,
        headers={"Retry-After": str(retry_after)},
    )
