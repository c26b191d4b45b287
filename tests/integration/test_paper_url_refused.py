"""A paper URL that is not loopback is refused and nothing is sent, run as a real process.

A listener on 127.0.0.1 stands in for the exchange each bad URL would reach if it were
not refused (an IPv4-mapped address, a URL with user-info, a settings file): it must
receive no connection. The same command with a plain loopback URL does reach it, so the
listener is seen to work.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.listener import Listener

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def listener():
    lst = Listener()
    yield lst
    lst.close()


def _run_cli(tmp_path: Path, *args: str, timeout: float = 90.0) -> subprocess.CompletedProcess:
    env = dict(
        os.environ,
        PYTHONPATH=os.pathsep.join([str(REPO), *filter(None, [os.environ.get("PYTHONPATH")])]),
    )
    return subprocess.run(
        [sys.executable, "-m", "terminal", "--data-dir", str(tmp_path), *args],
        check=False,
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
        stdin=subprocess.DEVNULL,
    )


PLACE = (
    "order",
    "place",
    "--venue",
    "paper",
    "--symbol",
    "BTC/USDT",
    "--side",
    "buy",
    "--type",
    "limit",
    "--amount",
    "0.01",
    "--price",
    "25000",
)


@pytest.mark.parametrize(
    "template",
    [
        "http://[::ffff:127.0.0.1]:{port}",  # would reach the listener through IPv4 mapping
        "http://user:pw@127.0.0.1:{port}",
        "http://127.0.0.1:{port}@localhost.paper.invalid",
        "HTTP://localhost.:{port}",
        "http://127.0.0.1:{port}/api/v3",
        "https://203.0.113.7:{port}",
    ],
)
def test_cli_refuses_a_bad_paper_url_and_sends_nothing(tmp_path, listener, template):
    url = template.format(port=listener.port)
    proc = _run_cli(tmp_path, "--paper-url", url, "--paper-account", "KEY:SECRET", *PLACE)
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("trading-terminal: error: --paper-url refused: ")
    assert "Traceback" not in proc.stderr and proc.stdout == ""
    time.sleep(0.3)
    assert listener.connections == 0
    # nothing was even started: no journal written for a refused command
    assert not (tmp_path / "data" / "journal.sqlite").exists()


def test_ipv4_mapped_address_would_have_reached_the_listener(listener):
    """The IPv4-mapped case above proves something only where the mapping connects."""
    try:
        with socket.create_connection(("::ffff:127.0.0.1", listener.port), timeout=2):
            pass
    except OSError:
        pytest.skip("this machine does not route IPv4-mapped IPv6 to 127.0.0.1")
    deadline = time.monotonic() + 5
    while listener.connections == 0 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert listener.connections == 1


def test_settings_paper_url_is_refused_and_sends_nothing(tmp_path, listener):
    config = tmp_path / "config"
    config.mkdir(parents=True)
    (config / "settings.json").write_text(
        json.dumps({"paper": {"url": f"http://[::ffff:127.0.0.1]:{listener.port}"}}),
        encoding="utf-8",
    )
    proc = _run_cli(tmp_path, "--paper-account", "KEY:SECRET", *PLACE)
    assert proc.returncode == 1, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert "paper.url in " in lines[0] and "settings.json refused: " in lines[0]
    assert "not a loopback address" in lines[0]
    time.sleep(0.3)
    assert listener.connections == 0
    assert not (tmp_path / "data" / "journal.sqlite").exists()  # refused before the journal


def test_a_loopback_url_does_reach_the_listener(tmp_path, listener):
    """The control: the same command with a loopback URL connects (and then fails, as the
    listener is no exchange), so the tests above would see a connection if one were made."""
    proc = _run_cli(
        tmp_path,
        "--paper-url",
        f"http://127.0.0.1:{listener.port}",
        "--paper-account",
        "KEY:SECRET",
        *PLACE,
    )
    assert proc.returncode == 1
    assert listener.connections >= 1


def test_the_gui_refuses_a_bad_settings_paper_url_and_sends_nothing(
    tmp_path, listener, monkeypatch
):
    """The window opens, says why it cannot start, and contacts nothing."""
    config = tmp_path / "config"
    config.mkdir(parents=True)
    (config / "settings.json").write_text(
        json.dumps({"paper": {"url": f"http://user@127.0.0.1:{listener.port}"}}), encoding="utf-8"
    )
    monkeypatch.setenv("QT_QPA_PLATFORM", "offscreen")
    proc = _run_cli(tmp_path, "--exit-after", "4", timeout=120)
    assert proc.returncode == 0, proc.stderr
    log = (tmp_path / "logs" / "terminal.log").read_text(encoding="utf-8")
    assert "settings.json refused: the URL must not contain a user name or password" in log
    time.sleep(0.3)
    assert listener.connections == 0
