"""One writer per journal: a second opener is refused with a clear message."""

from __future__ import annotations

import subprocess
import sys

import pytest

from terminal.journal import JournalLockedError, SqlJournal


def test_second_open_in_process_is_refused(tmp_path):
    url = f"sqlite:///{tmp_path / 'journal.sqlite'}"
    first = SqlJournal.open(url)
    try:
        with pytest.raises(JournalLockedError, match="in use by another trading-terminal"):
            SqlJournal.open(url)
        reader = SqlJournal.open(url, read_only=True)  # readers need no lock
        reader.close()
    finally:
        first.close()
    SqlJournal.open(url).close()  # released on close


def test_second_process_is_refused_and_lock_dies_with_the_holder(tmp_path):
    url = f"sqlite:///{tmp_path / 'journal.sqlite'}"
    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import sys,time; from terminal.journal import SqlJournal; "
         f"j=SqlJournal.open({url!r}); print('ready', flush=True); time.sleep(60)"],
        stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "ready"
        with pytest.raises(JournalLockedError, match=rf"pid {holder.pid}"):
            SqlJournal.open(url)
    finally:
        holder.kill()  # SIGKILL: the OS drops the lock
        holder.wait(10)
    SqlJournal.open(url).close()
