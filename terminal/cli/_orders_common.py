"""Shared pieces of the order / reconcile / journal commands: output and error mapping."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Awaitable, Callable
from typing import Any

EXIT_OK = 0
EXIT_FAILED = 1  # refused, rejected, venue or journal error
EXIT_USAGE = 2


def fail(prog: str, message: str, code: int = EXIT_FAILED) -> int:
    print(f"{prog}: error: {message}", file=sys.stderr)
    return code


def positive_int(text: str) -> int:
    """argparse type of a count such as --limit: a whole number of 1 or more."""
    import argparse

    value = text.strip()
    if not value.isascii() or not value.isdigit() or int(value) < 1:
        raise argparse.ArgumentTypeError(f"must be a whole number of 1 or more, not {text!r}")
    return int(value)


def seconds(text: str) -> float:
    """argparse type of a wait such as --settle-timeout: a finite number of seconds >= 0
    ('inf' or 'nan' would wait for ever or not at all)."""
    import argparse
    import math

    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {text!r}") from None
    if not math.isfinite(value) or value < 0:
        raise argparse.ArgumentTypeError(f"must be a number of seconds >= 0, not {text!r}")
    return value


def typed_number(text: str, flag: str) -> Any:
    """A price or an amount from the command line: exactly the number written, or a
    ValueError naming the flag (the same rules as the order ticket)."""
    from terminal.domain.money import parse_typed_number

    return parse_typed_number(text, flag)


def _places(rules: Any, which: str) -> int | None:
    return None if rules is None else getattr(rules, f"{which}_places")()


def order_line(order: Any, rules: Any = None) -> str:
    """One order on one line; with the market's rules its numbers use the venue's
    precision, otherwise their exact value (plain digits either way)."""
    from terminal.domain.money import format_decimal as num

    pp, ap = _places(rules, "price"), _places(rules, "amount")
    price = "" if order.price is None else f" @ {num(order.price, pp)}"
    avg = order.average_price
    fill = f" filled {num(order.filled, ap)}/{num(order.amount, ap)}" + (
        f" avg {num(avg, pp)}" if avg is not None else ""
    )
    flags = "".join(
        [" post-only" if order.post_only else "", " external" if order.external else ""]
    )
    vid = f" venue-id {order.venue_order_id}" if order.venue_order_id else ""
    reason = f" ({order.reason})" if order.reason else ""
    return (
        f"{order.client_order_id}  {order.status.value:<16} {order.venue} {order.symbol} "
        f"{order.side.value} {order.type.value} {order.time_in_force.value} "
        f"{num(order.amount, ap)}{price}{_trigger_text(order, pp)}{flags}{fill}{vid}"
        f"{_group_text(order)}{reason}"
    )


def _trigger_text(order: Any, pp: Any) -> str:
    from terminal.domain.money import format_decimal as num

    text = ""
    if getattr(order, "trigger_price", None) is not None:
        text += f" trigger {num(order.trigger_price, pp)}"
    if getattr(order, "trailing_percent", None) is not None:
        text += f" trailing {num(order.trailing_percent)}%"
    return text


def _group_text(order: Any) -> str:
    if not getattr(order, "list_id", None):
        held = getattr(order, "held_by", None)
        return f" held-by {held.value}" if held is not None else ""
    role = f" {order.leg_role.value}" if order.leg_role is not None else ""
    held = f" held-by {order.held_by.value}" if order.held_by is not None else ""
    return f" list {order.list_id}{role}{held}"


def orders_table(orders: list[Any], rules_for: Callable[[Any], Any] | None = None) -> str:
    """Orders as an aligned table; `rules_for(order)` gives the market's rules (or None)
    so each number has the venue's precision."""
    from terminal.domain.money import format_decimal as num

    if not orders:
        return "(no orders)"
    header = (
        "CLIENT ID",
        "STATUS",
        "CREATED (UTC)",
        "VENUE",
        "SYMBOL",
        "SIDE",
        "TYPE",
        "AMOUNT",
        "PRICE",
        "TRIGGER",
        "FILLED",
        "AVG",
        "GROUP",
        "FLAGS",
    )
    rows = [header]
    for o in orders:
        rules = rules_for(o) if rules_for is not None else None
        pp, ap = _places(rules, "price"), _places(rules, "amount")
        flags = ",".join(f for f, on in (("post", o.post_only), ("ext", o.external)) if on)
        rows.append(
            (
                o.client_order_id,
                o.status.value,
                o.created_at.strftime("%Y-%m-%d %H:%M:%S"),
                o.venue,
                o.symbol,
                o.side.value,
                o.type.value,
                num(o.amount, ap),
                "" if o.price is None else num(o.price, pp),
                "" if getattr(o, "trigger_price", None) is None else num(o.trigger_price, pp),
                num(o.filled, ap),
                "" if o.average_price is None else num(o.average_price, pp),
                _group_cell(o),
                flags,
            )
        )
    widths = [max(len(str(r[i])) for r in rows) for i in range(len(header))]
    return "\n".join(
        "  ".join(str(c).ljust(w) for c, w in zip(r, widths, strict=False)).rstrip() for r in rows
    )


def lists_table(lists: list[Any]) -> str:
    """Order lists and brackets: the GROUP column of the orders table names them."""
    header = (
        "LIST",
        "KIND",
        "STATUS",
        "HELD BY",
        "VENUE LIST ID",
        "SIDE",
        "AMOUNT",
        "STOP",
        "TARGET",
    )
    rows = [header]
    for lst in lists:
        d = lst.details
        held = "venue" if lst.held_by.value == "venue" else "terminal*"
        rows.append(
            (
                lst.list_id,
                lst.kind.value,
                lst.status.value,
                held,
                lst.venue_list_id or "",
                d.get("side", ""),
                d.get("amount", ""),
                d.get("stop_trigger", ""),
                d.get("target", ""),
            )
        )
    widths = [max(len(str(r[i])) for r in rows) for i in range(len(header))]
    body = "\n".join(
        "  ".join(str(c).ljust(w) for c, w in zip(r, widths, strict=False)).rstrip() for r in rows
    )
    return body + "\n* held by this terminal: only while it runs"


def _group_cell(order: Any) -> str:
    """`LIST/ROLE` for a leg of an order list or bracket, `*` marking one held by this
    terminal (only while it runs)."""
    if not getattr(order, "list_id", None):
        return ""
    role = order.leg_role.value if order.leg_role is not None else "leg"
    star = (
        "*"
        if getattr(order, "held_by", None) is not None and order.held_by.value == "terminal"
        else ""
    )
    return f"{order.list_id}/{role}{star}"


def session_rules(services: Any, venue: Any) -> Callable[[Any], Any]:
    """`rules_for(order)` from the connected session's markets (None when unknown)."""
    session = services.sessions.get(venue)
    markets = getattr(session, "markets", None) or {}
    return lambda order: markets.get(order.symbol)


def run_services(
    args: Any,
    ctx: Any,
    body: Callable[[Any], Awaitable[int]],
    *,
    read_only_journal: bool = False,
    timeout: float = 120.0,
) -> int:
    """Build TerminalServices from the global options, run `body(services)`, close.

    Known failures (journal locked, paper exchange down, venue errors) become one
    clear line on stderr and exit code 1 (an unknown venue: 2); anything else is left
    to `terminal.cli.failures`, which does the same for what nobody expected.
    """
    from terminal.core.errors import VenueError
    from terminal.core.orders import OrderServiceError
    from terminal.core.storage import JournalWriteFailed
    from terminal.exchange.catalogue import UnknownVenueError
    from terminal.journal import JournalError, JournalLockedError
    from terminal.services import ServicesError, ServicesOptions, TerminalServices

    prog = f"{ctx.prog} {args.command}"
    options = ServicesOptions.from_args(ctx.global_args, read_only_journal=read_only_journal)

    async def main() -> int:
        services = TerminalServices(options, paths=ctx.paths)
        # With the stop engaged, connecting a venue sweeps it: say so where the user looks.
        services.stop_notices.add(lambda n: print(f"{prog}: {n.text}", file=sys.stderr))
        async with services:
            return await asyncio.wait_for(body(services), timeout)

    try:
        return asyncio.run(main())
    except JournalLockedError as exc:
        return fail(prog, str(exc))
    except (JournalError, JournalWriteFailed, ServicesError, OrderServiceError) as exc:
        return fail(prog, str(exc))
    except VenueError as exc:
        return fail(prog, f"{getattr(exc, 'venue', None) or 'venue'}: {exc}")
    except UnknownVenueError as exc:
        return fail(prog, str(exc.args[0]) if exc.args else "unknown venue", EXIT_USAGE)
    except TimeoutError:
        return fail(prog, f"gave up after {timeout:.0f} s")
