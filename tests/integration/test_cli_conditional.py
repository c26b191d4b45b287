"""`order place` with stop and take-profit types, as a user runs it, against a running
paper exchange: sent through ccxt's unified parameters, listed with its trigger, and a
trigger on the wrong side of the price refused before anything is sent."""

from __future__ import annotations

import pytest

from terminal.paper.embedded import start_paper_exchange
from tests.integration.test_cli_orders import KEY, SECRET, bid_price, cli


@pytest.fixture(scope="module")
def paper(tmp_path_factory):
    handle = start_paper_exchange(
        tmp_path_factory.mktemp("paper-cli-stops"),
        faults=False,
        rate="calm",
        accounts=[(KEY, SECRET)],
    )
    try:
        yield handle
    finally:
        handle.stop()


def test_stop_limit_placed_listed_with_its_trigger_and_cancelled(paper, tmp_path):
    bid = bid_price(paper)
    trigger, limit = f"{bid * 0.98:.2f}", f"{bid * 0.975:.2f}"
    placed = cli(
        tmp_path,
        paper,
        "order",
        "place",
        "--symbol",
        "BTC/USDT",
        "--side",
        "sell",
        "--type",
        "stop-limit",
        "--amount",
        "0.001",
        "--trigger",
        trigger,
        "--price",
        limit,
        "--client-id",
        "cli-stop-1",
    )
    assert placed.returncode == 0, placed.stderr + placed.stdout
    assert "state: pending_trigger" in placed.stdout
    assert f"trigger {trigger}" in placed.stdout and "held-by venue" in placed.stdout

    listed = cli(tmp_path, paper, "order", "list", "--open")
    assert listed.returncode == 0, listed.stderr
    row = next(line for line in listed.stdout.splitlines() if "cli-stop-1" in line)
    assert "stop_limit" in row and trigger in row and "pending_trigger" in row

    cancelled = cli(
        tmp_path, paper, "order", "cancel", "--symbol", "BTC/USDT", "--client-id", "cli-stop-1"
    )
    assert cancelled.returncode == 0, cancelled.stderr + cancelled.stdout


def test_stop_above_the_price_is_refused_before_sending(paper, tmp_path):
    above = f"{bid_price(paper) * 1.02:.2f}"
    refused = cli(
        tmp_path,
        paper,
        "order",
        "place",
        "--symbol",
        "BTC/USDT",
        "--side",
        "sell",
        "--type",
        "stop-market",
        "--amount",
        "0.001",
        "--trigger",
        above,
    )
    assert refused.returncode == 1
    assert "refused [trigger_side]" in refused.stdout and "below" in refused.stdout


def test_missing_trigger_and_stray_price_are_one_line_refusals(paper, tmp_path):
    no_trigger = cli(
        tmp_path,
        paper,
        "order",
        "place",
        "--symbol",
        "BTC/USDT",
        "--side",
        "sell",
        "--type",
        "stop-market",
        "--amount",
        "0.001",
    )
    assert no_trigger.returncode == 2 and "needs --trigger" in no_trigger.stderr
    assert "Traceback" not in no_trigger.stderr
    stray = cli(
        tmp_path,
        paper,
        "order",
        "place",
        "--symbol",
        "BTC/USDT",
        "--side",
        "sell",
        "--type",
        "take-profit",
        "--amount",
        "0.001",
        "--trigger",
        "1",
        "--price",
        "2",
    )
    assert stray.returncode == 2 and "takes no --price" in stray.stderr


def test_oco_placed_listed_as_a_group_and_cancelled_with_one_command(paper, tmp_path):
    bid = bid_price(paper)
    stop, target = f"{bid * 0.98:.2f}", f"{bid * 1.02:.2f}"
    placed = cli(
        tmp_path,
        paper,
        "order",
        "place",
        "--symbol",
        "BTC/USDT",
        "--side",
        "sell",
        "--oco",
        "--amount",
        "0.001",
        "--trigger",
        stop,
        "--price",
        target,
    )
    assert placed.returncode == 0, placed.stderr + placed.stdout
    assert "held by: the venue" in placed.stdout
    list_id = placed.stdout.split("order list: ", 1)[1].split()[0]
    assert f"list {list_id} stop held-by venue" in placed.stdout
    assert f"list {list_id} target held-by venue" in placed.stdout

    listed = cli(tmp_path, paper, "order", "list", "--open")
    assert listed.returncode == 0, listed.stderr
    assert f"{list_id}/stop" in listed.stdout and f"{list_id}/target" in listed.stdout
    group = next(line for line in listed.stdout.splitlines() if line.startswith(list_id))
    assert "oco" in group and "open" in group and "venue" in group and stop in group

    cancelled = cli(tmp_path, paper, "order", "cancel", "--list", list_id)
    assert cancelled.returncode == 0, cancelled.stderr + cancelled.stdout
    assert cancelled.stdout.count("canceled") == 2
    after = cli(tmp_path, paper, "order", "list", "--open")
    assert list_id not in after.stdout


def test_oco_with_type_is_a_one_line_refusal(paper, tmp_path):
    bad = cli(
        tmp_path,
        paper,
        "order",
        "place",
        "--symbol",
        "BTC/USDT",
        "--side",
        "sell",
        "--oco",
        "--type",
        "limit",
        "--amount",
        "0.001",
        "--trigger",
        "1",
        "--price",
        "2",
    )
    assert bad.returncode == 2 and "leave out --type" in bad.stderr


def test_market_bracket_places_entry_and_its_oco_in_one_command(paper, tmp_path):
    bid = bid_price(paper)
    stop, target = f"{bid * 0.98:.2f}", f"{bid * 1.02:.2f}"
    placed = cli(
        tmp_path,
        paper,
        "order",
        "place",
        "--symbol",
        "BTC/USDT",
        "--side",
        "buy",
        "--type",
        "market",
        "--amount",
        "0.001",
        "--bracket",
        "--stop",
        stop,
        "--target",
        target,
    )
    assert placed.returncode == 0, placed.stderr + placed.stdout
    assert "bracket: " in placed.stdout and "held by: this terminal" in placed.stdout
    lines = placed.stdout.splitlines()
    assert any(" filled " in x and " entry " in x and "market" in x for x in lines), lines
    assert any(
        "stop_market" in x and f"trigger {stop}" in x and "pending_trigger" in x for x in lines
    ), lines
    assert any("limit" in x and f"@ {target}" in x and " target " in x for x in lines), lines


def test_bracket_held_by_the_venue_is_one_otoco_list_and_refused_where_there_is_none(
    paper, tmp_path
):
    bid = bid_price(paper)
    entry, stop, target = f"{bid * 0.99:.2f}", f"{bid * 0.97:.2f}", f"{bid * 1.02:.2f}"
    common = ("order", "place", "--symbol", "BTC/USDT", "--side", "buy", "--amount", "0.001")
    bracket = ("--bracket", "--stop", stop, "--target", target)
    placed = cli(
        tmp_path,
        paper,
        *common,
        "--type",
        "limit",
        "--price",
        entry,
        *bracket,
        "--held-by",
        "venue",
    )
    assert placed.returncode == 0, placed.stderr + placed.stdout
    assert "held by: the venue" in placed.stdout, placed.stdout
    lines = placed.stdout.splitlines()
    list_id = next(x.split(": ")[1] for x in lines if x.startswith("bracket: "))
    assert any(" entry " in x and "open" in x and f"@ {entry}" in x for x in lines), lines
    # the stop and target wait on the venue until the entry has fully filled
    assert any("stop_market" in x and f"trigger {stop}" in x for x in lines), lines
    assert sum("pending_trigger" in x for x in lines) == 2, lines
    listed = cli(tmp_path, paper, "order", "list", "--open")
    assert listed.returncode == 0 and sum(list_id in x for x in listed.stdout.splitlines()) >= 3
    cancelled = cli(tmp_path, paper, "order", "cancel", "--list", list_id)
    assert cancelled.returncode == 0, cancelled.stderr + cancelled.stdout

    # a venue whose ccxt client has no OTOCO order list: one line, nothing sent
    none = cli(
        tmp_path,
        paper,
        *common,
        "--venue",
        "bybit",
        "--type",
        "limit",
        "--price",
        entry,
        *bracket,
        "--held-by",
        "venue",
    )
    assert none.returncode == 1 and none.stdout == "", none.stdout
    (line,) = none.stderr.strip().splitlines()
    assert "holds no bracket" in line and "leave out --held-by venue" in line, line
    # a market entry cannot be held by the venue; --held-by goes with --bracket only
    market = cli(tmp_path, paper, *common, "--type", "market", *bracket, "--held-by", "venue")
    assert market.returncode == 2 and "needs a limit entry" in market.stderr, market.stderr
    assert len(market.stderr.strip().splitlines()) == 1
    alone = cli(tmp_path, paper, *common, "--type", "limit", "--price", entry, "--held-by", "venue")
    assert alone.returncode == 2 and "give it with --bracket" in alone.stderr, alone.stderr
