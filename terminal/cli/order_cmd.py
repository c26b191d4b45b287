"""`trading-terminal order`: place, cancel or list orders from the command line.

Goes through the same order service and journal as the GUI: the safety gate first,
the intent journaled before the venue call, reconciliation before entry opens.

    order place --venue paper --symbol BTC/USDT --side buy --type limit --amount 0.01
                --price 25000 [--tif GTC] [--post-only] [--client-id ID] [--confirm RULE]
    order place ... --type stop-market|stop-limit|take-profit|take-profit-limit
                --trigger P [--price P] [--trailing PCT]
    order place ... --type market|limit --bracket --stop P --target P [--held-by venue]
    order cancel --venue paper --symbol BTC/USDT (--client-id ID | --all)
    order amend --venue paper --symbol BTC/USDT --client-id ID [--amount A] [--price P]
    order list --venue paper [--open] [--symbol S]
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace

from terminal.cli._order_args import add_order_actions, order_request, protection_request
from terminal.cli._orders_common import (
    EXIT_FAILED,
    EXIT_OK,
    fail,
    lists_table,
    order_line,
    orders_table,
    run_services,
    session_rules,
    typed_number,
)
from terminal.cli.context import CliContext

NAME = "order"
SUMMARY = "place, cancel, amend or list orders from the command line"
SETTLE_WAIT_S = 15.0


def add_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    parser: argparse.ArgumentParser = subparsers.add_parser(NAME, help=SUMMARY, description=SUMMARY)
    add_order_actions(parser)
    return parser


def unsupported(session, request) -> str | None:
    """Why the connected venue cannot take `request`'s type or trailing (None if it can)."""
    if session is None or not request.type.is_conditional or request.symbol not in session.markets:
        return None
    caps = session.capabilities(request.symbol)
    if not caps.supports(request.type):
        return caps.why_not(request.type.value)
    if request.trailing_percent is not None and not caps.trailing:
        return caps.why_not("trailing")
    return None


def run(args: argparse.Namespace, ctx: CliContext) -> int:
    prog = f"{ctx.prog} {NAME}"
    if args.action == "place" and args.held_by is not None and not args.bracket:
        return fail(prog, "--held-by chooses who holds a --bracket; give it with --bracket", 2)
    if args.action == "place" and args.bracket:
        try:
            if args.oco:
                raise ValueError("give --bracket or --oco, not both")
            if args.held_by == "venue" and args.type != "limit":
                raise ValueError(
                    "a bracket held by the venue (OTOCO) needs a limit entry "
                    "(--type limit --price P); a market entry's bracket is held by this terminal"
                )
            if args.type not in ("market", "limit") or args.stop is None or args.target is None:
                raise ValueError("a bracket needs --type market|limit, --stop and --target")
            if args.trigger is not None or args.trailing is not None:
                raise ValueError("a bracket's stop is --stop, not --trigger")
            from terminal.core.orders.bracket import BracketRequest

            bracket = BracketRequest(
                entry=order_request(args),
                stop_trigger=typed_number(args.stop, "--stop"),
                target=typed_number(args.target, "--target"),
                stop_limit=None
                if args.stop_limit is None
                else typed_number(args.stop_limit, "--stop-limit"),
                native=args.held_by == "venue",
            )
        except ValueError as exc:
            return fail(prog, str(exc), 2)
        return run_services(args, ctx, lambda s: _place_group(s, bracket, args, prog))
    if args.action == "place" and args.oco:
        try:
            protection = protection_request(args)
        except ValueError as exc:
            return fail(prog, str(exc), 2)
        return run_services(args, ctx, lambda s: _place_group(s, protection, args, prog))
    if args.action == "place":
        try:
            if args.type is None:
                raise ValueError("give --type (or --oco)")
            request = order_request(args)
            from terminal.domain.ids import ClientOrderId

            client_id = ClientOrderId(args.client_id) if args.client_id else None
        except ValueError as exc:
            return fail(prog, str(exc), 2)
        return run_services(args, ctx, lambda s: _place(s, request, client_id, args, prog))
    if args.action == "cancel":
        if args.list is not None:
            return run_services(args, ctx, lambda s: _cancel_list(s, args, prog))
        if not args.all and args.symbol is None and args.client_id is None:
            return fail(prog, "give --client-id ID or --all", 2)
        if args.client_id is not None:
            try:
                from terminal.domain.ids import ClientOrderId

                ClientOrderId(args.client_id)
            except ValueError as exc:
                return fail(prog, str(exc), 2)
        if args.all and not args.symbol:
            return fail(prog, "--all needs --symbol (use the emergency stop for every symbol)", 2)
        return run_services(args, ctx, lambda s: _cancel(s, args, prog))
    if args.action == "amend":
        if args.amount is None and args.price is None:
            return fail(prog, "give --amount and/or --price", 2)
        try:
            from terminal.domain.ids import ClientOrderId

            client_id = ClientOrderId(args.client_id)
            amount = None if args.amount is None else typed_number(args.amount, "--amount")
            price = None if args.price is None else typed_number(args.price, "--price")
        except ValueError as exc:
            return fail(prog, str(exc), 2)
        return run_services(args, ctx, lambda s: _amend(s, client_id, amount, price, args, prog))
    return run_services(args, ctx, lambda s: _list(s, args, prog))


def _sent_not_journaled(exc, prog: str) -> int:
    """The venue has it, the journal could not record it: say so, and do not report a
    failure (a retry would send it twice); the next start reconciles it."""
    from terminal.domain.order import OrderStatus

    order = exc.order
    print(f"client order id: {order.client_order_id}")
    print(f"state: {order.status.value}")
    print(order_line(order))
    print(f"{prog}: {exc}", file=sys.stderr)
    return EXIT_FAILED if order.status is OrderStatus.REJECTED else EXIT_OK


async def _connect_for_entry(services, request, args, prog):
    """Connect `request`'s venue for an order: (the connected session's mode, None), or
    (None, the exit code of the refusal): a venue with no testnet or demo needs
    `--mode live` named, and the lock and the stop refuse before any connection is made
    (a live venue is never contacted for an order while the testnet lock is on); then
    the session must take orders now. The order is sent in the mode connected here."""
    info = services.exchange.catalogue.get(request.venue)
    mode = args.mode or info.default_mode()
    if args.mode is None and mode == "live":
        return None, fail(
            prog,
            f"{request.venue} has no testnet or demo; a live order needs "
            "--mode live (and is refused while the testnet lock is on)",
        )
    if services.safety is not None:
        refusal = services.safety.gate.entry_refusal(request.venue, mode, request.account)
        if refusal is not None:
            return None, fail(prog, f"refused [{refusal.rule}]: {refusal.message}")
    session = await services.connect(request.venue, mode, account=request.account)
    reason = services.orders.entry_block_reason(session.key)
    if reason:
        return None, fail(prog, reason)
    return session.mode, None


async def _place(services, request, client_id, args, prog) -> int:
    from terminal.core.orders import SubmitRefused
    from terminal.core.orders.errors import SentNotJournaled
    from terminal.domain.order import OrderStatus

    mode, refused = await _connect_for_entry(services, request, args, prog)
    if refused is not None:
        return refused
    request = replace(request, mode=mode)
    missing = unsupported(services.orders.session(request.session), request)
    if missing:
        return fail(prog, missing)
    await services.refresh_market_inputs(request.venue, request.symbol)
    try:
        order = await services.orders.submit(
            request, confirmed=frozenset(args.confirm), client_order_id=client_id
        )
    except SubmitRefused as exc:
        for r in exc.refusals:
            hint = f" (confirm with --confirm {r.rule})" if r.overridable else ""
            print(f"{prog}: refused [{r.rule}]: {r.message}{hint}")
        return EXIT_FAILED
    except SentNotJournaled as exc:
        return _sent_not_journaled(exc, prog)
    if order.status in (OrderStatus.UNKNOWN, OrderStatus.PENDING_SUBMIT):
        print(f"{order.client_order_id}: outcome unknown, querying {order.venue}...")
        order = await services.orders.wait_settled(order.client_order_id, SETTLE_WAIT_S) or order
    print(f"client order id: {order.client_order_id}")
    print(f"state: {order.status.value}")
    print(order_line(order, session_rules(services, request.venue)(order)))
    return EXIT_FAILED if order.status is OrderStatus.REJECTED else EXIT_OK


def _takes_otoco(info) -> bool:
    """The venue's ccxt class can send an OTOCO order list (whether a market allows it
    is the venue's own word, checked again once connected)."""
    import ccxt.async_support as ccxt_async

    from terminal.exchange.capabilities import OTOCO_METHOD

    return callable(getattr(getattr(ccxt_async, info.ccxt_id, None), OTOCO_METHOD, None))


async def _place_group(services, group, args, prog) -> int:
    """An OCO (ProtectionRequest) or a bracket (BracketRequest)."""
    from terminal.core.orders import SubmitRefused
    from terminal.domain.order import OrderStatus

    request = getattr(group, "entry", group)
    if getattr(group, "native", False):
        info = services.exchange.catalogue.get(request.venue)
        if not _takes_otoco(info):
            return fail(
                prog,
                f"{info.name} holds no bracket (it has no OTOCO order list); "
                "leave out --held-by venue to have this terminal hold it (only while it runs)",
            )
    mode, refused = await _connect_for_entry(services, request, args, prog)
    if refused is not None:
        return refused
    if request is group:
        group = request = replace(group, mode=mode)
    else:
        request = replace(request, mode=mode)
        group = replace(group, entry=request)
    await services.refresh_market_inputs(request.venue, request.symbol)
    try:
        if request is group:
            order_list, legs = await services.orders.place_oco(
                group, confirmed=frozenset(args.confirm)
            )
        else:
            order_list, entry = await services.orders.place_bracket(
                group, confirmed=frozenset(args.confirm)
            )
            legs = [entry]
            if order_list.details.get("native"):  # the venue's stop and target, waiting
                legs += [
                    leg
                    for leg in await services.journal.list_legs(order_list.list_id)
                    if leg.client_order_id != entry.client_order_id
                ]
            for pair_id in order_list.details.get("pairs", []):
                legs += await services.journal.list_legs(pair_id)
    except SubmitRefused as exc:
        for r in exc.refusals:
            hint = f" (confirm with --confirm {r.rule})" if r.overridable else ""
            print(f"{prog}: refused [{r.rule}]: {r.message}{hint}")
        return EXIT_FAILED
    rules = session_rules(services, request.venue)
    print(f"{'bracket' if request is not group else 'order list'}: {order_list.list_id}")
    by_venue = order_list.held_by.value == "venue"
    print(f"held by: {'the venue' if by_venue else 'this terminal: only while it runs'}")
    for leg in legs:
        print(order_line(leg, rules(leg)))
    return EXIT_FAILED if any(leg.status is OrderStatus.REJECTED for leg in legs) else EXIT_OK


async def _cancel_list(services, args, prog) -> int:
    from terminal.core.orders.errors import UnknownOrder
    from terminal.domain.ids import VenueId

    venue = VenueId(args.venue)
    await services.connect(venue, account=args.account)
    try:
        legs = await services.orders.cancel_list(args.list)
    except UnknownOrder as exc:
        return fail(prog, str(exc))
    for leg in legs:
        print(order_line(leg, session_rules(services, venue)(leg)))
    return EXIT_OK if all(leg.is_final for leg in legs) else EXIT_FAILED


async def _cancel(services, args, prog) -> int:
    from terminal.core.orders.errors import SentNotJournaled
    from terminal.domain.ids import ClientOrderId, Symbol, VenueId

    venue = VenueId(args.venue)
    session = await services.connect(venue, account=args.account)
    if args.all:
        touched = await services.orders.cancel_all(session.key, Symbol(args.symbol))
        if not touched:
            print("no open orders")
        for order in touched:
            print(order_line(order, session_rules(services, venue)(order)))
        return EXIT_OK if all(o.is_final for o in touched) else EXIT_FAILED
    try:
        order = await services.orders.cancel(ClientOrderId(args.client_id))
    except SentNotJournaled as exc:
        print(order_line(exc.order))
        print(f"{prog}: {exc}", file=sys.stderr)
        return EXIT_OK if exc.order.status.value == "canceled" else EXIT_FAILED
    if order.status.value == "unknown":
        order = await services.orders.wait_settled(order.client_order_id, SETTLE_WAIT_S) or order
    print(order_line(order, session_rules(services, venue)(order)))
    if order.status.value != "canceled":
        print(
            f"{prog}: order {order.client_order_id} is {order.status.value}, not canceled"
            + (f": {order.reason}" if order.reason else "")
        )
        return EXIT_FAILED
    return EXIT_OK


async def _amend(services, client_id, amount, price, args, prog) -> int:
    """Amend through the order service: the replacement of a cancel-and-replace is
    journaled before the venue call; an unknown outcome is settled by queries."""
    from terminal.core.errors import VenueError
    from terminal.core.orders import SubmitRefused
    from terminal.core.orders.errors import SentNotJournaled
    from terminal.domain.ids import VenueId
    from terminal.domain.order import OrderStatus

    venue = VenueId(args.venue)
    session = await services.connect(venue, account=args.account)
    reason = services.orders.entry_block_reason(session.key)
    if reason:
        return fail(prog, reason)
    order = await services.journal.get_order(client_id)
    if order is None or order.venue != venue:
        return fail(prog, f"no order {client_id} on {venue} in the journal")
    if order.symbol != args.symbol:
        return fail(prog, f"order {client_id} is on {order.symbol}, not {args.symbol}")
    await services.refresh_market_inputs(venue, order.symbol)
    try:
        new = await services.orders.amend(
            client_id,
            order.amount if amount is None else amount,
            order.price if price is None else price,
            confirmed=frozenset(args.confirm),
        )
    except SubmitRefused as exc:
        for r in exc.refusals:
            hint = f" (confirm with --confirm {r.rule})" if r.overridable else ""
            print(f"{prog}: refused [{r.rule}]: {r.message}{hint}")
        return EXIT_FAILED
    except SentNotJournaled as exc:
        return _sent_not_journaled(exc, prog)
    except VenueError as exc:
        print(f"{prog}: {venue} refused the amend: {exc}", file=sys.stderr)
        after = await services.journal.get_order(client_id)
        if after is not None:
            print(order_line(after, session_rules(services, venue)(after)))
        return EXIT_FAILED
    if new.status in (OrderStatus.UNKNOWN, OrderStatus.PENDING_SUBMIT):
        print(f"{new.client_order_id}: outcome unknown, querying {venue}...")
        new = await services.orders.wait_settled(new.client_order_id, SETTLE_WAIT_S) or new
        # the original settles in its own task; give it the same bounded wait
        await services.orders.wait_settled(client_id, SETTLE_WAIT_S)
    rules_for = session_rules(services, venue)
    print(f"client order id: {new.client_order_id}")
    print(f"state: {new.status.value}")
    print(order_line(new, rules_for(new)))
    if new.client_order_id != client_id:
        old = await services.journal.get_order(client_id)
        if old is not None:
            print(f"replaces: {order_line(old, rules_for(old))}")
    return (
        EXIT_OK
        if new.status in (OrderStatus.OPEN, OrderStatus.PARTIALLY_FILLED, OrderStatus.FILLED)
        else EXIT_FAILED
    )


async def _list(services, args, prog) -> int:
    """Reconcile, then list. When the reconcile fails the journal's last known state is
    still listed, but the command says so and fails: the list may not be the venue's."""
    from terminal.domain.ids import VenueId

    venue = VenueId(args.venue)
    await services.connect(venue, account=args.account, reconcile=False)
    result = await services.reconcile(venue)
    orders = await services.journal.order_history(
        venue=venue, symbol=args.symbol, open_only=args.open, limit=args.limit
    )
    print(orders_table(orders, session_rules(services, venue)))
    lists = await services.journal.order_lists(venue, open_only=args.open)
    if lists:
        print()
        print(lists_table(lists[: args.limit]))
    if not result.ok:
        return fail(
            prog,
            f"reconciling {venue} failed ({result.error}); the list above is "
            "the journal's last known state, not checked with the venue",
        )
    return EXIT_OK
