"""Shared pieces of the order / reconcile / journal commands: output and error mapping."""

from __future__ import annotations

import asyncio
import sys
from typing import Any, Awaitable, Callable

EXIT_OK = 0
EXIT_FAILED = 1  # refused, rejected, venue or journal error
EXIT_USAGE = 2


def fail(prog: str, message: str, code: int = EXIT_FAILED) -> int:
    print(f"{prog}: error: {message}", file=sys.stderr)
    return code


def order_line(order: Any) -> str:
    price = "" if order.price is None else f" @ {order.price}"
    avg = order.average_price
    fill = f" filled {order.filled}/{order.amount}" + (f" avg {avg}" if avg is not None else "")
    flags = "".join([" post-only" if order.post_only else "", " external" if order.external else ""])
    vid = f" venue-id {order.venue_order_id}" if order.venue_order_id else ""
    reason = f" ({order.reason})" if order.reason else ""
    return (f"{order.client_order_id}  {order.status.value:<16} {order.venue} {order.symbol} "
            f"{order.side.value} {order.type.value} {order.time_in_force.value} "
            f"{order.amount}{price}{flags}{fill}{vid}{reason}")


def orders_table(orders: list[Any]) -> str:
    if not orders:
        return "(no orders)"
    header = ("CLIENT ID", "STATUS", "CREATED (UTC)", "VENUE", "SYMBOL", "SIDE", "TYPE", "AMOUNT",
              "PRICE", "FILLED", "AVG", "FLAGS")
    rows = [header]
    for o in orders:
        flags = ",".join(f for f, on in (("post", o.post_only), ("ext", o.external)) if on)
        rows.append((o.client_order_id, o.status.value, o.created_at.strftime("%Y-%m-%d %H:%M:%S"),
                     o.venue, o.symbol, o.side.value, o.type.value, str(o.amount),
                     "" if o.price is None else str(o.price), str(o.filled),
                     "" if o.average_price is None else f"{o.average_price:.8g}", flags))
    widths = [max(len(str(r[i])) for r in rows) for i in range(len(header))]
    return "\n".join("  ".join(str(c).ljust(w) for c, w in zip(r, widths)).rstrip() for r in rows)


def run_services(args: Any, ctx: Any, body: Callable[[Any], Awaitable[int]], *,
                 read_only_journal: bool = False, timeout: float = 120.0) -> int:
    """Build TerminalServices from the global options, run `body(services)`, close.

    Known failures (journal locked, paper exchange down, venue errors) become one
    clear line on stderr and exit code 1.
    """
    from terminal.core.errors import VenueError
    from terminal.core.orders import OrderServiceError
    from terminal.core.storage import JournalWriteFailed
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
    except asyncio.TimeoutError:
        return fail(prog, f"gave up after {timeout:.0f} s")
