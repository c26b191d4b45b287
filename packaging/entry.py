"""The frozen app's main script: `trading-terminal` as built by packaging/terminal.spec.

A frozen bundle has no Python interpreter to run `python -m terminal.paper`, which is how
the GUI starts its embedded paper exchange (as a child process of `sys.executable`).
Here the bundle's binary answers that one form itself, so the child is the same binary
running the paper exchange; everything else is the normal command line.
"""

from __future__ import annotations

import contextlib
import os
import sys


def _reattach_std_streams() -> None:
    """A windowed Windows build starts with sys.stdout/stderr set to None even when the
    parent handed it pipes; the paper exchange child writes its URL to stdout."""
    for fd, name in ((1, "stdout"), (2, "stderr")):
        if getattr(sys, name) is None:
            with contextlib.suppress(OSError):
                setattr(sys, name, os.fdopen(fd, "w", buffering=1, encoding="utf-8"))


def main() -> int:
    argv = sys.argv[1:]
    if argv[:2] == ["-m", "terminal.paper"]:
        _reattach_std_streams()
        from terminal.paper.cli import main as paper_main

        return paper_main(argv[2:])
    from terminal.cli import main as cli_main

    return cli_main(argv)


if __name__ == "__main__":
    sys.exit(main())
