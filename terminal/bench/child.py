"""One benchmark in its own process: `python -m terminal.bench.child NAME [--quick]`.

Imports `terminal.bench.NAME`, calls its `collect(quick)` and prints the figures as the
last line of stdout (`FIGURES [...]`) for the runner to read.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m terminal.bench.child")
    parser.add_argument("name")
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args(argv)
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from terminal.bench.figures import print_json_line

    module = importlib.import_module(f"terminal.bench.{args.name}")
    print_json_line(module.collect(args.quick))
    return 0


if __name__ == "__main__":
    sys.exit(main())
