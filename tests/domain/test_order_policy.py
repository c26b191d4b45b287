"""The order service's defaults are defined once (OrderPolicy); the user's settings start
from them and carry every field over."""

from __future__ import annotations

from dataclasses import dataclass, fields

import pytest

from terminal.domain.order_policy import OrderPolicy
from terminal.settings import OrderSettings


def test_default_settings_give_the_default_policy() -> None:
    assert OrderPolicy.from_settings(OrderSettings()) == OrderPolicy()


def test_every_setting_reaches_the_policy() -> None:
    changed = OrderSettings(
        stale_order_age_s=60,
        auto_cancel_stale=True,
        double_submit_window_s=1.5,
        stale_check_interval_s=7.0,
        unknown_not_found_limit=5,
        unknown_query_backoff_s=0.5,
        unknown_query_backoff_max_s=9.0,
        unknown_query_max_attempts=20,
        reconcile_timeout_s=30.0,
    )
    policy = OrderPolicy.from_settings(changed)
    for f in fields(OrderSettings):
        assert getattr(policy, f.name) == getattr(changed, f.name), f.name
    # what the settings do not offer keeps the policy's own default
    assert policy.reconcile_retry_max_s == OrderPolicy().reconcile_retry_max_s


def test_a_setting_the_policy_does_not_know_is_an_error_not_dropped() -> None:
    @dataclass
    class Extra(OrderSettings):
        not_a_policy_field: int = 1

    with pytest.raises(TypeError, match="not_a_policy_field"):
        OrderPolicy.from_settings(Extra())
