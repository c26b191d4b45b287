"""POST /api/v3/order/cancelReplace (ccxt's binance ``edit_order`` on spot): cancel one
order and place a new one on the same symbol in ONE synchronous engine step."""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field

from .engine import Engine
from .errors import UNKNOWN_ORDER, ApiError, missing_param
from .orders import Order


@dataclass
class CancelReplaceResult:
    """What POST /api/v3/order/cancelReplace did: each half's order or its error.

    ``new_attempted`` is False when STOP_ON_FAILURE skipped the placement."""

    canceled: Order | None = None
    cancel_client_id: str = ""
    cancel_error: ApiError | None = None
    new_order: Order | None = None
    fills: list[dict[str, object]] = field(default_factory=list)
    new_error: ApiError | None = None
    new_attempted: bool = False


CANCEL_REPLACE_MODES = ("STOP_ON_FAILURE", "ALLOW_FAILURE")


def cancel_replace(eng: Engine, account: str, p: Mapping[str, str]) -> CancelReplaceResult:
    """POST /api/v3/order/cancelReplace: cancel one order and place a new one on the
    same symbol in ONE synchronous step (no market event can fall in between).

    The new order's parameters and filters are checked first and fail the whole
    request (nothing canceled), as on Binance. Then the cancel; if it fails,
    STOP_ON_FAILURE stops there and ALLOW_FAILURE still places the new order. A
    placement refused by the engine (balance, would-take, duplicate id) leaves the
    cancel done. The caller turns the result into the -2021/-2022 replies."""
    m = eng.spec(p.get("symbol"))
    mode = p.get("cancelReplaceMode")
    if not mode:
        raise missing_param("cancelReplaceMode")
    if mode not in CANCEL_REPLACE_MODES:
        raise ApiError(
            -1100,
            "Illegal characters found in parameter 'cancelReplaceMode'; "
            "legal range is 'STOP_ON_FAILURE, ALLOW_FAILURE'.",
        )
    cancel_oid, cancel_cid = p.get("cancelOrderId"), p.get("cancelOrigClientOrderId")
    if not cancel_oid and not cancel_cid:
        raise ApiError(
            -1102,
            "Param 'cancelOrigClientOrderId' or 'cancelOrderId' must be "
            "sent, but both were empty/null!",
        )
    if cancel_oid and not cancel_oid.isdigit():
        raise ApiError(
            -1100,
            "Illegal characters found in parameter 'cancelOrderId'; "
            "legal range is '^[0-9]{1,20}$'.",
        )
    checked = eng.check_new_order(p)
    out = CancelReplaceResult()
    o = eng.find(account, m.symbol, cancel_oid, None if cancel_oid else cancel_cid)
    if o is None or not o.is_open:
        out.cancel_error = ApiError(-2011, UNKNOWN_ORDER)
    else:
        out.cancel_client_id = p.get("cancelNewClientOrderId") or "cancel_" + secrets.token_hex(10)
        if o.order_list_id >= 0:  # one order of a list: the whole list goes
            eng.lists.cancel(eng.lists.get(account, o.order_list_id), out.cancel_client_id)
        else:
            eng._cancel(o, out.cancel_client_id)
        out.canceled = o
    if out.cancel_error is None or mode == "ALLOW_FAILURE":
        out.new_attempted = True
        try:
            out.new_order, out.fills = eng._place_checked(account, p, checked)
        except ApiError as e:
            out.new_error = e
    eng.books[m.symbol].commit()
    eng.settle()
    return out
