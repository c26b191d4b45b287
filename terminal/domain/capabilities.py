"""What a connected venue offers for one market: order types, lists, brackets.

Built at the adapter edge from ccxt's `has` and the market's own info; read by the
ticket, the CLI and the order service, so nothing offers a type the venue cannot take.
Every missing option carries the reason it is missing, in the user's words.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .enums import OrderType


@dataclass(frozen=True)
class OrderCapabilities:
    order_types: tuple[OrderType, ...] = (OrderType.MARKET, OrderType.LIMIT)
    trailing: bool = False  # a venue-native trailing stop (never emulated)
    native_oco: bool = False  # the venue holds a one-cancels-other pair itself
    native_bracket: bool = False  # the venue places the legs when the entry fills
    reduce_only: bool = False
    missing: dict[str, str] = field(default_factory=dict)  # option -> why it is missing

    def supports(self, order_type: OrderType) -> bool:
        return order_type in self.order_types

    def why_not(self, option: str) -> str | None:
        """Why `option` (an order type value, 'trailing', 'oco', 'bracket',
        'reduce_only') is not offered; None when it is."""
        return self.missing.get(option)


PLAIN = OrderCapabilities()
