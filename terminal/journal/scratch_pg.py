"""A throwaway PostgreSQL server on loopback, for the journal's tests, bench and drills.

Uses the server binaries of the distribution's package (Debian/Ubuntu `postgresql`:
/usr/lib/postgresql/N/bin, found through `pg_config --bindir`, the versioned folders or
PATH; TERMINAL_PG_BINDIR overrides). `start()` makes a new cluster in a private
temporary folder, listening on 127.0.0.1 on a free port only (its Unix socket in that
folder), trust authentication for one user; `stop()` shuts it down and deletes the
folder. PostgreSQL refuses to run as root: when root, the server runs as the
`postgres` user (or `nobody`) and the folder is handed to that user.
"""

from __future__ import annotations

import glob
import importlib
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

USER = "terminal"


class ScratchServerUnavailable(RuntimeError):
    """No PostgreSQL server binaries on this machine (or they failed to start)."""


def server_bindir() -> Path | None:
    """The folder holding initdb and pg_ctl, or None."""
    candidates: list[str] = []
    if os.environ.get("TERMINAL_PG_BINDIR"):
        candidates.append(os.environ["TERMINAL_PG_BINDIR"])
    pg_config = shutil.which("pg_config")
    if pg_config:
        try:
            out = subprocess.run(
                [pg_config, "--bindir"], capture_output=True, text=True, timeout=10
            )
            candidates.append(out.stdout.strip())
        except (OSError, subprocess.SubprocessError):
            pass
    versioned = glob.glob("/usr/lib/postgresql/*/bin")
    candidates += sorted(versioned, key=lambda p: int(Path(p).parent.name), reverse=True)
    initdb = shutil.which("initdb")
    if initdb:
        candidates.append(str(Path(initdb).resolve().parent))
    for folder in candidates:
        if folder and (Path(folder) / "initdb").is_file() and (Path(folder) / "pg_ctl").is_file():
            return Path(folder)
    return None


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _run_as() -> pwd.struct_passwd | None:
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        try:
            return pwd.getpwnam(name)
        except KeyError:
            continue
    raise ScratchServerUnavailable("running as root and no postgres or nobody user to run as")


class ScratchPostgres:
    """One private PostgreSQL cluster; `with ScratchPostgres() as pg: pg.url("db")`."""

    def __init__(self, *, durable: bool = True) -> None:
        self.durable = durable  # False: fsync off (tests that measure nothing)
        self.port = 0
        self._root: Path | None = None
        self._bindir = server_bindir()
        self._user = _run_as()

    # ---- life cycle ------------------------------------------------------------------
    def start(self, timeout: float = 60.0) -> ScratchPostgres:
        if self._bindir is None:
            raise ScratchServerUnavailable(
                "no PostgreSQL server binaries (install the distribution's postgresql package)"
            )
        root = Path(tempfile.mkdtemp(prefix="terminal-pg-"))
        self._root = root
        if self._user is not None:
            os.chown(root, self._user.pw_uid, self._user.pw_gid)
        data = root / "data"
        self._pg("initdb", "-D", str(data), "-U", USER, "--auth=trust", "-E", "UTF8",
                 "--no-sync", timeout=timeout)  # fmt: skip
        options = (
            f"-c listen_addresses=127.0.0.1 -k {root} -c fsync={'on' if self.durable else 'off'}"
        )
        for _attempt in range(3):  # a free port can be taken between probe and bind
            self.port = _free_port()
            done = self._pg(
                "pg_ctl", "-D", str(data), "-l", str(root / "server.log"), "-w",
                "-t", str(int(timeout)), "-o", f"{options} -p {self.port}", "start",
                timeout=timeout + 10, check=False,
            )  # fmt: skip
            if done.returncode == 0:
                return self
        log = (root / "server.log").read_text(errors="replace")[-800:]
        self.stop()
        raise ScratchServerUnavailable(f"PostgreSQL did not start: {log.strip()}")

    def stop(self) -> None:
        root, self._root = self._root, None
        if root is None:
            return
        try:
            if (root / "data" / "postmaster.pid").exists():
                self._pg("pg_ctl", "-D", str(root / "data"), "-m", "fast", "-w", "stop",
                         timeout=60, check=False)  # fmt: skip
        finally:
            shutil.rmtree(root, ignore_errors=True)

    def __enter__(self) -> ScratchPostgres:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # ---- databases ---------------------------------------------------------------------
    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://{USER}@127.0.0.1:{self.port}/{database}"

    def create_database(self, name: str) -> str:
        """A new empty database; returns its URL."""
        self._admin(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def drop_database(self, name: str) -> None:
        self._admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def _admin(self, sql: str) -> None:
        psycopg = importlib.import_module("psycopg")  # the optional extra
        with psycopg.connect(
            host="127.0.0.1", port=self.port, user=USER, dbname="postgres", autocommit=True
        ) as conn:
            conn.execute(sql)

    def _pg(
        self, tool: str, *args: str, timeout: float, check: bool = True
    ) -> subprocess.CompletedProcess[str]:
        assert self._bindir is not None
        user = self._user
        done = subprocess.run(
            [str(self._bindir / tool), *args],
            capture_output=True,
            text=True,
            timeout=timeout,
            cwd=self._root,
            user=user.pw_uid if user else None,
            group=user.pw_gid if user else None,
            extra_groups=[] if user else None,
            env={**os.environ, "LC_ALL": "C", "HOME": str(self._root)},
        )
        if check and done.returncode != 0:
            raise ScratchServerUnavailable(f"{tool} failed: {(done.stderr or done.stdout)[-400:]}")
        return done
