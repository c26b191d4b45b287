"""JSON of the futures account views: account, balance, positionRisk, premiumIndex and
the ACCOUNT_UPDATE user-data event (field names as Binance documents them)."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from .accounts import FuturesAccount, Position
from .margin import PosView
from .risk import INTEREST_RATE, ZERO, q8

if TYPE_CHECKING:
    from .venue import FuturesVenue


def s(d: Decimal) -> str:
    return f"{q8(d):f}"


def _totals(v: FuturesVenue, a: FuturesAccount) -> dict[str, Decimal]:
    views = v.margin.views(a)
    up = sum((x.upnl for x in views), ZERO)
    cross_up, _, _ = v.margin.cross(views)
    pos_im = sum((x.im for x in views), ZERO)
    order_im = v.margin.order_margin(a)
    avail = max(ZERO, v.margin.available(a, views=views))
    return {
        "wallet": a.wallet,
        "upnl": up,
        "margin": a.wallet + up,
        "mm": sum((x.mm for x in views), ZERO),
        "im": pos_im + order_im,
        "pos_im": pos_im,
        "order_im": order_im,
        "cross_wallet": a.cross_wallet,
        "cross_upnl": cross_up,
        "available": avail,
        "withdraw": min(avail, a.cross_wallet),
    }


def account_json(v: FuturesVenue, a: FuturesAccount, version: int) -> dict[str, object]:
    t = _totals(v, a)
    now = v.clock()
    asset = {
        "asset": "USDT",
        "walletBalance": s(t["wallet"]),
        "unrealizedProfit": s(t["upnl"]),
        "marginBalance": s(t["margin"]),
        "maintMargin": s(t["mm"]),
        "initialMargin": s(t["im"]),
        "positionInitialMargin": s(t["pos_im"]),
        "openOrderInitialMargin": s(t["order_im"]),
        "crossWalletBalance": s(t["cross_wallet"]),
        "crossUnPnl": s(t["cross_upnl"]),
        "availableBalance": s(t["available"]),
        "maxWithdrawAmount": s(t["withdraw"]),
        "marginAvailable": True,
        "updateTime": now,
    }
    positions = []
    for x in v.margin.views(a):
        row: dict[str, object] = {
            "symbol": x.pos.symbol,
            "positionSide": x.pos.side,
            "positionAmt": f"{x.pos.amount:f}",
            "unrealizedProfit": s(x.upnl),
            "isolatedMargin": s(x.pos.isolated_wallet + x.upnl if x.isolated else ZERO),
            "notional": s(x.notional),
            "isolatedWallet": s(x.pos.isolated_wallet),
            "initialMargin": s(x.im),
            "maintMargin": s(x.mm),
            "updateTime": x.pos.update_time,
        }
        if version == 2:
            row.update(
                {
                    "leverage": str(x.leverage),
                    "entryPrice": s(x.pos.entry),
                    "breakEvenPrice": s(x.pos.entry),
                    "isolated": x.isolated,
                    "positionInitialMargin": s(x.im),
                    "openOrderInitialMargin": "0",
                    "maxNotional": str(int(x.contract.max_notional_at(x.leverage))),
                    "bidNotional": "0",
                    "askNotional": "0",
                }
            )
        positions.append(row)
    out: dict[str, object] = {
        "totalInitialMargin": s(t["im"]),
        "totalMaintMargin": s(t["mm"]),
        "totalWalletBalance": s(t["wallet"]),
        "totalUnrealizedProfit": s(t["upnl"]),
        "totalMarginBalance": s(t["margin"]),
        "totalPositionInitialMargin": s(t["pos_im"]),
        "totalOpenOrderInitialMargin": s(t["order_im"]),
        "totalCrossWalletBalance": s(t["cross_wallet"]),
        "totalCrossUnPnl": s(t["cross_upnl"]),
        "availableBalance": s(t["available"]),
        "maxWithdrawAmount": s(t["withdraw"]),
        "assets": [asset],
        "positions": positions,
    }
    if version == 2:
        out.update(
            {
                "feeTier": 0,
                "feeBurn": False,
                "canTrade": True,
                "canDeposit": True,
                "canWithdraw": False,
                "updateTime": 0,
                "multiAssetsMargin": False,
                "tradeGroupId": -1,
            }
        )
    return out


def balance_json(v: FuturesVenue, a: FuturesAccount) -> list[dict[str, object]]:
    t = _totals(v, a)
    return [
        {
            "accountAlias": "paper",
            "asset": "USDT",
            "balance": s(t["wallet"]),
            "crossWalletBalance": s(t["cross_wallet"]),
            "crossUnPnl": s(t["cross_upnl"]),
            "availableBalance": s(t["available"]),
            "maxWithdrawAmount": s(t["withdraw"]),
            "marginAvailable": True,
            "updateTime": v.clock(),
        }
    ]


def position_risk_json(
    v: FuturesVenue, a: FuturesAccount, symbol: str | None, version: int
) -> list[dict[str, object]]:
    """v3 lists open positions only; v2 lists every side of every symbol (zeros
    included), with leverage and margin type."""
    views = v.margin.views(a)
    by_key = {(x.pos.symbol, x.pos.side): x for x in views}
    rows: list[dict[str, object]] = []
    sides = ("LONG", "SHORT") if a.dual_side else ("BOTH",)
    for sym in v.contracts:
        if symbol is not None and sym != symbol:
            continue
        cfg = a.config(sym)
        for side in sides:
            x = by_key.get((sym, side))
            if x is None and version == 3:
                continue
            pos = x.pos if x is not None else Position(sym, side)
            mark = x.mark if x is not None else v.mark_price(sym)
            liq = v.margin.liquidation_price(a, pos, views) if x is not None else ZERO
            row: dict[str, object] = {
                "symbol": sym,
                "positionSide": side,
                "positionAmt": f"{pos.amount:f}",
                "entryPrice": s(pos.entry),
                "breakEvenPrice": s(pos.entry),
                "markPrice": s(mark),
                "unRealizedProfit": s(x.upnl if x else ZERO),
                "liquidationPrice": s(liq),
                "isolatedMargin": s(pos.isolated_wallet + x.upnl if x and x.isolated else ZERO),
                "notional": s(x.notional if x else ZERO),
                "marginAsset": "USDT",
                "isolatedWallet": s(pos.isolated_wallet),
                "initialMargin": s(x.im if x else ZERO),
                "maintMargin": s(x.mm if x else ZERO),
                "positionInitialMargin": s(x.im if x else ZERO),
                "openOrderInitialMargin": "0",
                "adl": 0,
                "bidNotional": "0",
                "askNotional": "0",
                "updateTime": pos.update_time,
            }
            if version == 2:
                c = v.contracts[sym]
                row.update(
                    {
                        "leverage": str(cfg.leverage),
                        "marginType": cfg.margin_type,
                        "isAutoAddMargin": "false",
                        "maxNotionalValue": str(int(c.max_notional_at(cfg.leverage))),
                    }
                )
            rows.append(row)
    return rows


def premium_json(v: FuturesVenue, symbol: str) -> dict[str, object]:
    now = v.clock()
    return {
        "symbol": symbol,
        "markPrice": s(v.mark_price(symbol)),
        "indexPrice": s(v.index_price(symbol)),
        "estimatedSettlePrice": s(v.index_price(symbol)),
        "lastFundingRate": s(v.funding_rate(symbol)),
        "interestRate": s(INTEREST_RATE),
        "nextFundingTime": v.next_funding_time(now),
        "time": now,
    }


def account_update(
    v: FuturesVenue,
    a: FuturesAccount,
    reason: str,
    positions: list[Position],
    balance_change: Decimal = ZERO,
) -> dict[str, object]:
    now = v.clock()
    rows = []
    views = {(x.pos.symbol, x.pos.side): x for x in v.margin.views(a)}
    for p in positions:
        x = views.get((p.symbol, p.side))
        rows.append(
            {
                "s": p.symbol,
                "pa": f"{p.amount:f}",
                "ep": s(p.entry),
                "bep": s(p.entry),
                "cr": s(p.realized_cum),
                "up": s(x.upnl if x else ZERO),
                "mt": a.config(p.symbol).margin_type,
                "iw": s(p.isolated_wallet),
                "ps": p.side,
            }
        )
    return {
        "e": "ACCOUNT_UPDATE",
        "E": now,
        "T": now,
        "a": {
            "m": reason,
            "B": [
                {"a": "USDT", "wb": s(a.wallet), "cw": s(a.cross_wallet), "bc": s(balance_change)}
            ],
            "P": rows,
        },
    }


def view_of(views: list[PosView], pos: Position) -> PosView | None:
    return next((x for x in views if x.pos is pos), None)
