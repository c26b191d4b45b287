"""Realised P&L a trader can trust, per symbol: what closing fills realised, the fees
paid, the funding paid or received, and the liquidation clearance, from the venue's own
income history (every movement of the futures wallet), so the net of a symbol is exactly
what its trading did to the wallet. Exported as CSV with the venue's figures as text."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal

from terminal.domain.ids import Symbol
from terminal.domain.money import ZERO
from terminal.domain.position import IncomeEntry, IncomeKind

TRADING_KINDS = frozenset(
    {IncomeKind.REALIZED_PNL, IncomeKind.COMMISSION, IncomeKind.FUNDING, IncomeKind.LIQUIDATION_FEE}
)
CSV_COLUMNS = ("time_utc", "symbol", "kind", "amount", "asset", "trade_id", "venue_type", "id")


@dataclass(frozen=True, slots=True)
class SymbolPnl:
    symbol: Symbol
    realized: Decimal = ZERO
    fees: Decimal = ZERO  # negative: paid
    funding: Decimal = ZERO  # negative: paid
    liquidation_fees: Decimal = ZERO

    @property
    def net(self) -> Decimal:
        return self.realized + self.fees + self.funding + self.liquidation_fees


def pnl_by_symbol(entries: Iterable[IncomeEntry]) -> dict[Symbol, SymbolPnl]:
    """Sum the trading movements per symbol (transfers and others are not P&L)."""
    sums: dict[Symbol, dict[IncomeKind, Decimal]] = {}
    for e in entries:
        if e.kind not in TRADING_KINDS or e.symbol is None:
            continue
        per = sums.setdefault(e.symbol, {})
        per[e.kind] = per.get(e.kind, ZERO) + e.amount
    return {
        sym: SymbolPnl(
            sym,
            realized=per.get(IncomeKind.REALIZED_PNL, ZERO),
            fees=per.get(IncomeKind.COMMISSION, ZERO),
            funding=per.get(IncomeKind.FUNDING, ZERO),
            liquidation_fees=per.get(IncomeKind.LIQUIDATION_FEE, ZERO),
        )
        for sym, per in sorted(sums.items())
    }


def income_csv(entries: Iterable[IncomeEntry]) -> str:
    """Every movement, oldest first, one row each (amounts exactly as the venue gave)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for e in sorted(entries, key=lambda e: (e.time_ms, e.id)):
        at = datetime.fromtimestamp(e.time_ms / 1000, UTC)
        writer.writerow(
            (
                at.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z",
                e.symbol or "",
                e.kind.value,
                format(e.amount, "f"),
                e.asset,
                e.trade_id or "",
                e.venue_type,
                e.id,
            )
        )
    return out.getvalue()
