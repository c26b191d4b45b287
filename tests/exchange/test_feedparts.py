"""FeedOptions take the user's FeedSettings: the defaults are the settings' own (defined
once), every setting reaches the feed hub, and a changed value is not dropped."""

from __future__ import annotations

from dataclasses import fields, replace

from terminal.exchange.feedparts import FeedOptions
from terminal.exchange.manager import feed_options_from_settings
from terminal.settings import FeedSettings


def test_defaults_are_the_settings_defaults() -> None:
    options, settings = FeedOptions(), FeedSettings()
    for f in fields(FeedSettings):
        assert getattr(options, f.name) == getattr(settings, f.name), f.name


def test_every_setting_reaches_the_options() -> None:
    changed = {}
    for f in fields(FeedSettings):
        value = getattr(FeedSettings(), f.name)
        changed[f.name] = value + 7 if isinstance(value, int) else value + 0.5
    options = feed_options_from_settings(FeedSettings(**changed))
    assert {name: getattr(options, name) for name in changed} == changed
    # options the settings file does not offer keep theirs, and overrides win
    tuned = FeedOptions.from_settings(replace(FeedSettings(), stale_after_s=2.0), poll_scale=0.1)
    assert tuned.stale_after_s == 2.0 and tuned.poll_scale == 0.1
    assert tuned.private_settle_s == FeedOptions().private_settle_s
