"""Which database errors are the disk's fault, and how to say so in a few words.

SQLite reports a full disk as SQLITE_FULL, but a write refused by the file-size limit
(EFBIG, `ulimit -f`) or a failing device as SQLITE_IOERR_*, and a read-only medium as
SQLITE_READONLY_*. For people these are "disk full", "read-only disk", "disk I/O
error"; an I/O error is looked at once more (free space, the process's file-size limit)
to say which it is. PostgreSQL names its storage failures by SQLSTATE: class 53
(53100 disk full), 25006 (the database or server is read-only, e.g. a standby), and
class 08 or 57P (the connection to the server was lost or the server shut down).
"""

from __future__ import annotations

import errno
import os
import sqlite3
from pathlib import Path

_ERRNO_REASONS = {
    errno.ENOSPC: "disk full",
    errno.EDQUOT: "disk full (quota exceeded)",
    errno.EFBIG: "disk full (the file size limit, ulimit -f, is reached)",
    errno.EROFS: "the disk is read-only",
    errno.EACCES: "permission denied",
    errno.EPERM: "permission denied",
    errno.EIO: "disk I/O error",
}


def _driver_error(exc: BaseException) -> BaseException:
    """The DBAPI exception under a SQLAlchemy wrapper (or the exception itself)."""
    return getattr(exc, "orig", None) or exc


def storage_reason(exc: BaseException, directory: Path | None) -> str | None:
    """A short reason when `exc` means the journal's storage failed, else None."""
    err = _driver_error(exc)
    if isinstance(err, OSError):
        return _ERRNO_REASONS.get(err.errno or 0, f"{err.strerror or err}")
    sqlstate = getattr(err, "sqlstate", None)
    if isinstance(sqlstate, str):
        return _server_reason(sqlstate)
    if not isinstance(err, sqlite3.Error):
        return None
    name = getattr(err, "sqlite_errorname", "") or ""
    if name == "SQLITE_FULL":
        return "disk full"
    if name.startswith("SQLITE_READONLY"):
        return "the journal is read-only (read-only disk or file)"
    if name.startswith("SQLITE_CORRUPT") or name == "SQLITE_NOTADB":
        return "the journal file is damaged (`trading-terminal journal check`)"
    if name.startswith(("SQLITE_IOERR", "SQLITE_CANTOPEN")):
        return _diagnose_io(directory) or f"disk I/O error ({name})"
    return None


def _server_reason(sqlstate: str) -> str | None:
    """A database server's storage or connection failure, from its SQLSTATE."""
    if sqlstate == "53100":
        return "disk full (on the database server)"
    if sqlstate.startswith("53"):
        return f"the database server is out of resources (SQLSTATE {sqlstate})"
    if sqlstate == "25006":
        return "the journal database is read-only"
    if sqlstate.startswith(("08", "57P")):
        return "the connection to the journal database was lost"
    return None


def _diagnose_io(directory: Path | None) -> str | None:
    """An I/O error's likely cause: no free space, or the process's file-size limit."""
    if directory is not None and hasattr(os, "statvfs"):
        try:
            st = os.statvfs(directory)
            if st.f_bavail == 0:
                return "disk full"
        except OSError:
            pass
    try:
        import resource

        soft, _hard = resource.getrlimit(resource.RLIMIT_FSIZE)
        if soft != resource.RLIM_INFINITY:
            return _ERRNO_REASONS[errno.EFBIG]
    except (ImportError, OSError, ValueError):
        pass
    return None
