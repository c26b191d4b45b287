"""The arguments of `trading-terminal order` and the requests they make: an order
ticket, an OCO pair or a bracket's entry (checked here, before any connection)."""

from __future__ import annotations

import argparse

from terminal.cli._orders_common import positive_int, typed_number

CLI_TYPES = {
    "limit": "limit",
    "market": "market",
    "stop-market": "stop_market",
    "stop-limit": "stop_limit",
    "take-profit": "take_profit",
    "take-profit-limit": "take_profit_limit",
}


def add_order_actions(parser: argparse.ArgumentParser) -> None:
    """The actions (place, cancel, amend, list) and their arguments."""
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)

    place = actions.add_parser("place", help="send a new order (prints its client id and state)")
    place.add_argument("--venue", default="paper")
    place.add_argument("--symbol", required=True, help="e.g. BTC/USDT")
    place.add_argument("--side", required=True, choices=["buy", "sell"])
    place.add_argument(
        "--oco",
        action="store_true",
        help="a one-cancels-other pair closing a position: a target limit at "
        "--price and a stop at --trigger (a stop-limit with --stop-limit); "
        "native where the venue has order lists, else held by this "
        "terminal (only while it runs)",
    )
    place.add_argument("--stop-limit", default=None, help="limit price of an OCO's stop")
    place.add_argument(
        "--bracket",
        action="store_true",
        help="a market or limit entry with a stop at --stop and a target at "
        "--target, placed (as an OCO) as the entry fills; held by this "
        "terminal: legs are placed only while a terminal or command runs "
        "(see --held-by)",
    )
    place.add_argument(
        "--held-by",
        default=None,
        choices=["terminal", "venue"],
        help="who holds a --bracket: 'terminal' (the default) or 'venue': one OTOCO "
        "order list, a limit entry whose stop and target the venue places once the "
        "entry has fully filled, also while nothing runs (refused where the venue has "
        "no such list)",
    )
    place.add_argument("--stop", default=None, help="a bracket's stop trigger")
    place.add_argument("--target", default=None, help="a bracket's target price")
    place.add_argument(
        "--type",
        default=None,
        choices=list(CLI_TYPES),
        help="stop and take-profit types need --trigger; the -limit ones "
        "also --price (offered only where the venue takes them)",
    )
    place.add_argument("--amount", required=True, help="base amount, e.g. 0.01")
    place.add_argument("--price", default=None, help="limit price")
    place.add_argument(
        "--trigger", default=None, help="trigger price of a stop or take-profit (last trade price)"
    )
    place.add_argument(
        "--trailing",
        default=None,
        metavar="PCT",
        help="trailing distance in %% for a stop or take-profit (venue-native "
        "trailing only); --trigger then is its activation price",
    )
    place.add_argument("--tif", default="GTC", choices=["GTC", "IOC", "FOK"], type=str.upper)
    place.add_argument("--post-only", action="store_true")
    place.add_argument("--client-id", default=None, help="your own client order id")
    place.add_argument("--account", default="default")
    place.add_argument(
        "--mode",
        default=None,
        choices=["sandbox", "demo", "live", "paper"],
        help="connection mode (default: the venue's testnet, else its demo; "
        "never live unless named; live while the testnet lock is on is "
        "refused before any network call)",
    )
    place.add_argument(
        "--confirm",
        action="append",
        default=[],
        metavar="RULE",
        help="confirm an overridable refusal (e.g. double_submit, price_deviation)",
    )

    cancel = actions.add_parser("cancel", help="cancel one order or all on a symbol")
    cancel.add_argument("--venue", default="paper")
    cancel.add_argument("--symbol", default=None)
    which = cancel.add_mutually_exclusive_group(required=True)
    which.add_argument("--client-id", default=None)
    which.add_argument("--all", action="store_true")
    which.add_argument(
        "--list",
        default=None,
        metavar="LIST_ID",
        help="cancel every open order of an order list or bracket",
    )
    cancel.add_argument("--account", default="default")

    amend = actions.add_parser(
        "amend",
        help="change the amount and/or price of a resting limit order (where the "
        "venue can edit; Binance and paper cancel-and-replace it under a new "
        "client id, which is printed)",
    )
    amend.add_argument("--venue", default="paper")
    amend.add_argument("--symbol", required=True, help="the order's symbol, e.g. BTC/USDT")
    amend.add_argument("--client-id", required=True, help="the order to amend")
    amend.add_argument("--amount", default=None, help="new base amount (default: unchanged)")
    amend.add_argument("--price", default=None, help="new limit price (default: unchanged)")
    amend.add_argument("--account", default="default")
    amend.add_argument(
        "--confirm",
        action="append",
        default=[],
        metavar="RULE",
        help="confirm an overridable refusal (e.g. price_deviation)",
    )

    lst = actions.add_parser("list", help="reconcile with the venue, then list its orders")
    lst.add_argument("--venue", default="paper")
    lst.add_argument("--symbol", default=None)
    lst.add_argument("--open", action="store_true", help="only orders not in a final state")
    lst.add_argument(
        "--limit",
        type=positive_int,
        default=50,
        help="at most this many orders, newest first (default 50)",
    )
    lst.add_argument("--account", default="default")


def order_request(args: argparse.Namespace):
    from terminal.domain.enums import HeldBy, OrderType, Side, TimeInForce
    from terminal.domain.ids import AccountLabel, Symbol, VenueId
    from terminal.domain.order import OrderRequest

    order_type = OrderType(CLI_TYPES[args.type])
    if order_type.has_limit_price and args.price is None:
        raise ValueError(f"a {order_type.label} order needs --price")
    if not order_type.has_limit_price and args.price is not None:
        raise ValueError(f"a {order_type.label} order takes no --price")
    if order_type is not OrderType.LIMIT and args.post_only:
        raise ValueError("--post-only applies to limit orders only")
    if order_type.is_conditional and args.trigger is None and args.trailing is None:
        raise ValueError(f"a {order_type.label} order needs --trigger")
    if not order_type.is_conditional and (args.trigger is not None or args.trailing is not None):
        raise ValueError("--trigger and --trailing apply to stop and take-profit types only")
    return OrderRequest(
        venue=VenueId(args.venue),
        symbol=Symbol(args.symbol),
        side=Side(args.side),
        type=order_type,
        amount=typed_number(args.amount, "--amount"),
        price=None if args.price is None else typed_number(args.price, "--price"),
        time_in_force=TimeInForce(args.tif),
        post_only=args.post_only,
        account=AccountLabel(args.account),
        trigger_price=None if args.trigger is None else typed_number(args.trigger, "--trigger"),
        trailing_percent=None
        if args.trailing is None
        else typed_number(args.trailing, "--trailing"),
        held_by=HeldBy.VENUE if order_type.is_conditional else None,
    )


def protection_request(args: argparse.Namespace):
    from terminal.domain.enums import Side, TimeInForce
    from terminal.domain.ids import AccountLabel, Symbol, VenueId
    from terminal.domain.orderlist import ProtectionRequest

    if args.type is not None:
        raise ValueError("--oco sets the types itself: leave out --type")
    if args.price is None or args.trigger is None:
        raise ValueError("an OCO needs --price (the target) and --trigger (the stop)")
    if args.post_only or args.trailing is not None:
        raise ValueError("--post-only and --trailing do not apply to --oco")
    return ProtectionRequest(
        venue=VenueId(args.venue),
        symbol=Symbol(args.symbol),
        side=Side(args.side),
        amount=typed_number(args.amount, "--amount"),
        stop_trigger=typed_number(args.trigger, "--trigger"),
        target=typed_number(args.price, "--price"),
        stop_limit=None
        if args.stop_limit is None
        else typed_number(args.stop_limit, "--stop-limit"),
        time_in_force=TimeInForce(args.tif),
        account=AccountLabel(args.account),
    )
