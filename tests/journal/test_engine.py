"""Journal URLs: which databases the journal opens, and how a wrong one is refused."""

from __future__ import annotations

import pytest

from terminal.journal import JournalError, SqlJournal
from terminal.journal.engine import engine_url


def test_a_postgresql_url_without_a_driver_goes_through_psycopg():
    pytest.importorskip("psycopg")
    assert engine_url("postgresql://u:pw@db.example:5433/j") == (
        "postgresql+psycopg://u:pw@db.example:5433/j"
    )
    assert engine_url("postgres://u@h/j") == "postgresql+psycopg://u@h/j"
    assert engine_url("postgresql+psycopg://u@h/j") == "postgresql+psycopg://u@h/j"
    assert engine_url("sqlite:////tmp/x.sqlite") == "sqlite:////tmp/x.sqlite"


@pytest.mark.parametrize(
    ("url", "said"),
    [
        ("postgresql+psycopg2://u@h/j", "uses psycopg 3, not psycopg2"),
        ("mysql://u@h/j", "not mysql"),
        ("not a url", "not a database URL"),
    ],
)
def test_other_databases_and_drivers_are_refused_in_one_line(url, said, tmp_path):
    with pytest.raises(JournalError, match=said) as refused:
        SqlJournal.open(url, lock_path=tmp_path / "j.lock")
    assert "\n" not in str(refused.value)


def test_an_unreachable_server_is_one_line_without_the_password(tmp_path):
    pytest.importorskip("psycopg")
    import socket

    with socket.socket() as s:  # a loopback port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    url = f"postgresql://u:SecretPw9@127.0.0.1:{port}/j"
    with pytest.raises(JournalError, match="cannot open the journal") as refused:
        SqlJournal.open(url, lock_path=tmp_path / "j.lock")
    message = str(refused.value)
    assert "\n" not in message and "SecretPw9" not in message
    assert f"127.0.0.1:{port}/j" in message
