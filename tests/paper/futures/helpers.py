"""Reading the futures account through ccxt and checking it against Binance's formulas."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from tests.paper.futures import formulas as f

D = Decimal


async def snapshot(ex: Any) -> dict[str, Any]:
    """Raw positionRisk v3, account v3, symbolConfig and the bracket table."""
    return {
        "positions": await ex.fapiPrivateV3GetPositionRisk(),
        "account": await ex.fapiPrivateV3GetAccount(),
        "config": {c["symbol"]: c for c in await ex.fapiPrivateGetSymbolConfig()},
        "brackets": {b["symbol"]: b["brackets"] for b in await ex.fapiPrivateGetLeverageBracket()},
    }


def check_formulas(snap: dict[str, Any]) -> int:
    """Every open position's uPnL, initial and maintenance margin and liquidation price
    agree with Binance's formulas to the cent. Returns the number of positions checked."""
    rows = [
        {
            "symbol": p["symbol"],
            "side": p["positionSide"],
            "amount": D(p["positionAmt"]),
            "entry": D(p["entryPrice"]),
            "mark": D(p["markPrice"]),
            "raw": p,
        }
        for p in snap["positions"]
        if D(p["positionAmt"])
    ]
    cross_wallet = D(snap["account"]["totalCrossWalletBalance"])
    for r in rows:
        cfg = snap["config"][r["symbol"]]
        br = snap["brackets"][r["symbol"]]
        raw = r["raw"]
        lev = D(cfg["leverage"])
        assert (
            abs(D(raw["unRealizedProfit"]) - f.upnl(r["amount"], r["entry"], r["mark"])) < f.CENT
        ), raw
        assert abs(D(raw["initialMargin"]) - abs(r["amount"]) * r["mark"] / lev) < f.CENT
        assert abs(D(raw["maintMargin"]) - f.maint(r["amount"], r["mark"], br)) < f.CENT
        if cfg["marginType"] == "ISOLATED":
            expected = f.liquidation_price(D(raw["isolatedWallet"]), D(0), D(0), [r], br)
        else:
            others = [
                o
                for o in rows
                if o["symbol"] != r["symbol"]
                and snap["config"][o["symbol"]]["marginType"] == "CROSSED"
            ]
            tmm1 = sum(
                (f.maint(o["amount"], o["mark"], snap["brackets"][o["symbol"]]) for o in others),
                D(0),
            )
            upnl1 = sum((f.upnl(o["amount"], o["entry"], o["mark"]) for o in others), D(0))
            mine = [o for o in rows if o["symbol"] == r["symbol"]]
            expected = f.liquidation_price(cross_wallet, tmm1, upnl1, mine, br)
        assert abs(D(raw["liquidationPrice"]) - expected) < f.CENT, (raw, expected)
    return len(rows)


def check_unified(positions: list[dict[str, Any]], snap: dict[str, Any]) -> None:
    """ccxt's unified positions carry the same figures as the raw rows."""
    raw = {(p["symbol"], p["positionSide"]): p for p in snap["positions"]}
    for p in positions:
        r = raw[(p["info"]["symbol"], p["info"]["positionSide"])]
        assert p["contracts"] == abs(float(r["positionAmt"]))
        assert p["side"] == ("long" if float(r["positionAmt"]) > 0 else "short")
        assert p["entryPrice"] == float(r["entryPrice"])
        assert p["markPrice"] == float(r["markPrice"])
        assert p["unrealizedPnl"] == float(r["unRealizedProfit"])
        if float(r["liquidationPrice"]):  # ccxt estimates its own when Binance sends 0
            assert p["liquidationPrice"] == float(r["liquidationPrice"]), (p, r)
