"""The order service's tunables (built from terminal.settings.OrderSettings by the root).

A plain dataclass of the standard library only: the core does not import the settings
module, and the settings module takes its defaults from here without importing the core
(the window's first paint happens before the core is imported).
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any


@dataclass(frozen=True)
class OrderPolicy:
    double_submit_window_s: float = 3.0
    stale_order_age_s: float = 3600.0
    auto_cancel_stale: bool = False
    stale_check_interval_s: float = 30.0
    # An order whose outcome is unknown is queried by client order id this many times
    # answering "not found" before it is marked REJECTED (Hummingbot uses 3).
    unknown_not_found_limit: int = 3
    unknown_query_backoff_s: float = 0.25  # first wait; doubles up to the cap
    unknown_query_backoff_max_s: float = 5.0
    unknown_query_max_attempts: int = 12  # transient errors included
    reconcile_timeout_s: float = 60.0
    # a failed reconciliation is tried again after this, doubling up to the cap
    reconcile_retry_base_s: float = 1.0
    reconcile_retry_max_s: float = 30.0

    @classmethod
    def from_settings(cls, settings: Any) -> OrderPolicy:
        """The policy of an OrderSettings dataclass: each of its fields is a field of the
        policy (a settings field the policy does not know is a programming error, raised
        here, never dropped); the policy's own defaults fill the rest."""
        return cls(**{f.name: getattr(settings, f.name) for f in fields(settings)})
