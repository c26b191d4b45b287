"""Shared HTTP helpers: JSON responses, parameter parsing, Binance error bodies."""

from __future__ import annotations

from typing import Any

import orjson
from aiohttp import web

from .auth import parse_params
from .errors import ApiError


def json_response(
    obj: Any, status: int = 200, headers: dict[str, str] | None = None
) -> web.Response:
    return web.Response(
        body=orjson.dumps(obj), status=status, headers=headers, content_type="application/json"
    )


def error_response(err: ApiError) -> web.Response:
    return json_response(err.body(), status=err.status, headers=err.headers)


async def raw_params(request: web.Request) -> tuple[str, str, dict[str, str]]:
    """(raw query, raw body, merged params) exactly as the client sent them."""
    raw_q = request.rel_url.raw_query_string
    raw_b = ""
    if request.method in ("POST", "PUT") and request.can_read_body:
        raw_b = (await request.read()).decode("utf-8", "replace")
    params = parse_params(raw_q)
    if raw_b:
        params.update(parse_params(raw_b))
    return raw_q, raw_b, params


def int_param(
    params: dict[str, str],
    name: str,
    default: int | None = None,
    lo: int | None = None,
    hi: int | None = None,
) -> int | None:
    v = params.get(name)
    if v is None or v == "":
        return default
    try:
        n = int(v)
    except ValueError:
        raise ApiError(
            -1100,
            f"Illegal characters found in parameter '{name}'; legal range is '^[0-9]{{1,20}}$'.",
        ) from None
    if hi is not None and n > hi:
        if name == "limit":
            raise ApiError(
                -1100,
                f"Illegal characters found in parameter 'limit'; legal "
                f"range is '{lo or 1}'-'{hi}'.",
            )
        n = hi
    if lo is not None and n < lo:
        n = lo
    return n
