"""Balances (free/locked per asset per account) kept in Decimal.

Two internal parties make conservation checkable: ``MARKET`` is the simulated crowd (the
counterparty of every fill against simulated liquidity, so its balance may go negative)
and ``FEES`` collects commissions. Summed over every party, each asset is constant.

Every change of a real account's row (lock, unlock, fill, deposit, restore) is reported to
``on_change(account, asset)``: the user-data stream pushes an ``outboundAccountPosition``
from it, so no path that moves a balance can forget to tell the client.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from .errors import insufficient_balance

MARKET = "__market__"
FEES = "__fees__"
ZERO = Decimal(0)


class Ledger:
    def __init__(self, assets: list[str]) -> None:
        self.assets = list(assets)
        self._bal: dict[str, dict[str, list[Decimal]]] = {}
        self.dirty: set[str] = set()  # accounts whose balances changed since the last save
        self.on_change: Callable[[str, str], None] | None = None
        self.ensure(MARKET)
        self.ensure(FEES)

    def ensure(self, account: str) -> dict[str, list[Decimal]]:
        acct = self._bal.get(account)
        if acct is None:
            acct = self._bal[account] = {a: [ZERO, ZERO] for a in self.assets}
        return acct

    def _changed(self, account: str, asset: str) -> None:
        self.dirty.add(account)
        if self.on_change is not None and account not in (MARKET, FEES):
            self.on_change(account, asset)

    def accounts(self) -> list[str]:
        return list(self._bal)

    def get(self, account: str, asset: str) -> tuple[Decimal, Decimal]:
        f, lk = self.ensure(account).setdefault(asset, [ZERO, ZERO])
        return f, lk

    def set(self, account: str, asset: str, free: Decimal, locked: Decimal = ZERO) -> None:
        self.ensure(account)[asset] = [free, locked]
        self._changed(account, asset)

    def snapshot(self, account: str) -> dict[str, tuple[Decimal, Decimal]]:
        return {a: (v[0], v[1]) for a, v in self.ensure(account).items()}

    def lock(self, account: str, asset: str, amount: Decimal) -> None:
        row = self.ensure(account).setdefault(asset, [ZERO, ZERO])
        if amount > row[0]:
            raise insufficient_balance()
        row[0] -= amount
        row[1] += amount
        self._changed(account, asset)

    def unlock(self, account: str, asset: str, amount: Decimal) -> None:
        row = self.ensure(account)[asset]
        row[1] -= amount
        row[0] += amount
        self._changed(account, asset)

    def credit(self, account: str, asset: str, amount: Decimal) -> None:
        self.ensure(account).setdefault(asset, [ZERO, ZERO])[0] += amount
        self._changed(account, asset)

    def debit_free(self, account: str, asset: str, amount: Decimal) -> None:
        self.ensure(account).setdefault(asset, [ZERO, ZERO])[0] -= amount
        self._changed(account, asset)

    def debit_locked(self, account: str, asset: str, amount: Decimal) -> None:
        self.ensure(account)[asset][1] -= amount
        self._changed(account, asset)

    def totals(self) -> dict[str, Decimal]:
        """Per-asset sum over every party, the conserved quantity."""
        out: dict[str, Decimal] = {}
        for acct in self._bal.values():
            for asset, (f, lk) in acct.items():
                out[asset] = out.get(asset, ZERO) + f + lk
        return out
