"""PostgreSQL fixtures (registered in tests/conftest.py).

- ``pg_server``: one throwaway PostgreSQL server for the session (the distribution's
  server binaries, 127.0.0.1 on a free port, its folder deleted at teardown), started
  only by the first test that asks for it. Without psycopg or the server binaries the
  tests that need it are skipped on a developer's machine and FAIL in CI (CI set), so
  CI cannot pass without having run them.
- ``pg_url``: a fresh empty database on that server for one test, dropped afterwards
  (the test runs in its tmp_path, where a journal opened without `lock_path` puts its
  lock file).
- ``journal_url``: parametrised over both backends: a new SQLite file, then a new
  PostgreSQL database.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest


def _unavailable(why: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"PostgreSQL tests cannot run in CI: {why}")
    pytest.skip(f"PostgreSQL tests need {why}")


@pytest.fixture(scope="session")
def pg_server() -> Iterator[object]:
    try:
        import psycopg  # noqa: F401
    except ImportError:
        _unavailable("psycopg (pip install -e '.[postgresql]')")
    from terminal.journal.scratch_pg import ScratchPostgres, server_bindir

    if server_bindir() is None:
        _unavailable("the server binaries (apt-get install postgresql)")
    server = ScratchPostgres(durable=False).start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def pg_url(pg_server, tmp_path, monkeypatch) -> Iterator[str]:
    # A journal opened without lock_path keeps its lock file in the working directory.
    monkeypatch.chdir(tmp_path)
    name = f"journal_{uuid.uuid4().hex[:12]}"
    url = pg_server.create_database(name)
    try:
        yield url
    finally:
        pg_server.drop_database(name)


@pytest.fixture(params=["sqlite", "postgresql"])
def journal_url(request, tmp_path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'journal.sqlite'}"
    return request.getfixturevalue("pg_url")
