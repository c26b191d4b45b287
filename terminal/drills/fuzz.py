"""Bad-input drill: property-based fuzz (hypothesis) of the ticket's fields and of the
mapping of venue order payloads.

- Ticket: random text in the price and amount fields (digits, separators, signs,
  exponents, NaN, Infinity, huge and tiny numbers, any unicode), every side and kind,
  evaluated exactly as the order ticket does (`terminal.ui.panels.ticket.evaluate`). A
  crash is any exception; an invalid order is a request the ticket would send whose
  price or amount is not finite, not positive, off the market's grid, or below its
  minimum amount or notional.
- Venue payloads: ccxt-shaped order dicts with fields missing, of the wrong type, NaN,
  infinite, huge, negative or crossed (filled above amount), through
  `terminal.exchange.mapping.report_from_ccxt`. A payload that cannot be read or cannot
  be right must be refused as a classified `VenuePayloadError` (the callers skip it or
  settle the order by query); a crash is any other exception, an invalid report is one
  returned with a non-finite or negative number, filled above amount, or a fill of
  nothing or at no price.

hypothesis is a test extra: without it the drill says so and is skipped.
"""

from __future__ import annotations

import math
from decimal import Decimal
from typing import Any

from terminal.drills.result import DrillResult

D = Decimal


def _rules() -> Any:
    from terminal.domain.ids import Symbol
    from terminal.domain.market import MarketRules

    return MarketRules(
        symbol=Symbol("BTC/USDT"),
        base="BTC",
        quote="USDT",
        tick_size=D("0.01"),
        step_size=D("0.00001"),
        min_amount=D("0.00001"),
        min_notional=D("5"),
        maker_fee=D("0.001"),
        taker_fee=D("0.001"),
    )


def _bad_request(req: Any, rules: Any) -> str | None:
    for name in ("price", "amount"):
        v = getattr(req, name)
        if v is None:
            continue
        if not isinstance(v, Decimal) or not v.is_finite() or v <= 0:
            return f"{name} {v!r}"
    if req.price is not None and req.price % rules.tick_size:
        return f"price {req.price} off the tick"
    if req.amount % rules.step_size:
        return f"amount {req.amount} off the step"
    if req.amount < rules.min_amount:
        return f"amount {req.amount} below the minimum"
    if req.price is not None and req.price * req.amount < rules.min_notional:
        return f"notional {req.price * req.amount} below the minimum"
    return None


def fuzz_ticket(examples: int) -> tuple[int, int, int, list[str]]:
    """(examples run, crashes, invalid requests, first problems)."""
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    from terminal.domain.enums import Side, TimeInForce, VenueMode
    from terminal.domain.ids import AccountLabel, VenueId
    from terminal.ui.panels.ticket import EntryKind, TicketInput, evaluate

    rules = _rules()
    counts = {"run": 0, "crash": 0, "invalid": 0}
    problems: list[str] = []
    numbers = st.one_of(
        st.text(alphabet="0123456789.,-+eE _", max_size=14),
        st.text(max_size=8),
        st.sampled_from(
            [
                "NaN",
                "nan",
                "Infinity",
                "-inf",
                "1e999",
                "1e-999",
                "0",
                "-0",
                "0.000000001",
                "99999999999999999999",
                "1,000.5",
                "١٢٣",
                "½",
            ]
        ),
        st.decimals(allow_nan=True, allow_infinity=True).map(str),
        st.floats().map(repr),
    )
    kinds = st.sampled_from([k for k in EntryKind])

    @settings(
        max_examples=examples,
        deadline=None,
        database=None,
        derandomize=False,
        suppress_health_check=list(HealthCheck),
    )
    @given(
        price=numbers,
        amount=numbers,
        kind=kinds,
        side=st.sampled_from(list(Side)),
        in_quote=st.booleans(),
    )
    def check(price: str, amount: str, kind: Any, side: Any, in_quote: bool) -> None:
        counts["run"] += 1
        try:
            state = evaluate(
                TicketInput(side, kind, TimeInForce.GTC, amount, price, in_quote),
                rules,
                venue=VenueId("paper"),
                mode=VenueMode.PAPER,
                account=AccountLabel("default"),
            )
        except Exception as exc:
            counts["crash"] += 1
            problems.append(f"ticket {price!r}/{amount!r}: {type(exc).__name__}: {exc}")
            return
        if state.request is not None:
            bad = _bad_request(state.request, rules)
            if bad:
                counts["invalid"] += 1
                problems.append(f"ticket {price!r}/{amount!r} would send {bad}")

    check()
    return counts["run"], counts["crash"], counts["invalid"], problems[:5]


def fuzz_payloads(examples: int) -> tuple[int, int, int, list[str]]:
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    from terminal.core.errors import VenuePayloadError
    from terminal.exchange.mapping import report_from_ccxt

    counts = {"run": 0, "crash": 0, "invalid": 0}
    problems: list[str] = []
    number = st.one_of(
        st.none(),
        st.floats(),
        st.integers(-(10**30), 10**30),
        st.text(max_size=10),
        st.sampled_from(["", "NaN", "1e400", "-1"]),
    )
    anything = st.one_of(
        number,
        st.booleans(),
        st.lists(st.integers(), max_size=2),
        st.dictionaries(st.text(max_size=5), st.integers(), max_size=2),
    )
    status = st.one_of(
        st.sampled_from(["open", "closed", "canceled", "expired", "rejected", "OPEN", "", "weird"]),
        anything,
    )
    trade = st.fixed_dictionaries(
        {},
        optional={
            "id": st.one_of(st.none(), st.text(max_size=6), st.integers()),
            "price": number,
            "amount": number,
            "fee": st.one_of(
                st.none(),
                st.fixed_dictionaries({}, optional={"cost": number, "currency": anything}),
            ),
            "symbol": st.one_of(st.none(), st.sampled_from(["BTC/USDT", "", "x"])),
            "takerOrMaker": anything,
            "order": anything,
            "side": anything,
            "timestamp": anything,
        },
    )
    order = st.fixed_dictionaries(
        {},
        optional={
            "id": st.one_of(st.none(), st.text(max_size=8), st.integers()),
            "clientOrderId": st.one_of(st.none(), st.text(max_size=40)),
            "symbol": st.one_of(st.none(), st.sampled_from(["BTC/USDT", "ETH/BTC", "", "BTC"])),
            "status": status,
            "side": anything,
            "type": anything,
            "amount": number,
            "price": number,
            "filled": number,
            "average": number,
            "remaining": number,
            "timeInForce": anything,
            "postOnly": anything,
            "triggerPrice": number,
            "timestamp": anything,
            "trades": st.one_of(st.none(), st.lists(trade, max_size=3)),
            "info": st.one_of(
                st.none(), st.dictionaries(st.text(max_size=12), anything, max_size=4)
            ),
        },
    )

    @settings(
        max_examples=examples, deadline=None, database=None, suppress_health_check=list(HealthCheck)
    )
    @given(payload=order)
    def check(payload: dict[str, Any]) -> None:
        counts["run"] += 1
        try:
            report = report_from_ccxt(payload, default_symbol="BTC/USDT")
        except VenuePayloadError:
            return  # refused at the adapter edge, classified
        except Exception as exc:
            counts["crash"] += 1
            problems.append(f"payload {payload!r:.160}: {type(exc).__name__}: {exc}")
            return
        bad = None
        for name in ("amount", "price", "filled", "average_price", "trigger_price"):
            v = getattr(report, name, None)
            if v is not None and (not v.is_finite() or v < 0):
                bad = f"{name} {v}"
        if report.amount is not None and report.filled > report.amount:
            bad = f"filled {report.filled} above amount {report.amount}"
        for f in report.fills:
            if not (f.price.is_finite() and f.amount.is_finite()) or f.amount <= 0 or f.price <= 0:
                bad = f"fill {f.price} x {f.amount}"
        if bad:
            counts["invalid"] += 1
            problems.append(f"payload {payload!r:.160} gave {bad}")

    check()
    return counts["run"], counts["crash"], counts["invalid"], problems[:5]


def run(quick: bool) -> DrillResult:
    result = DrillResult("bad input (fuzz)")
    try:
        import hypothesis  # noqa: F401
    except ImportError:
        result.skipped = (
            "hypothesis is not installed (a test extra: pip install 'trading-terminal[test]')"
        )
        return result
    n = 300 if quick else 3000
    run_t, crash_t, bad_t, prob_t = fuzz_ticket(n)
    run_p, crash_p, bad_p, prob_p = fuzz_payloads(n)
    result.add("ticket inputs tried", run_t, at_least=math.floor(n * 0.9))
    result.add("ticket crashes", crash_t, must_be=0)
    result.add("invalid orders the ticket would send", bad_t, must_be=0)
    result.add("venue payloads tried", run_p, at_least=math.floor(n * 0.9))
    result.add("payload crashes (not a classified venue-payload error)", crash_p, must_be=0)
    result.add("invalid order reports accepted", bad_p, must_be=0)
    result.notes = "; ".join(prob_t + prob_p)
    return result
