"""The command line's argument parser: a usage error is one line, never a usage block.

argparse answers a bad flag or argument with its whole usage block and then the error.
Every parser of the CLI (the top level, each command's, each action's under it) is a
`OneLineParser`: subparsers are built with the class of the parser that holds them, so
one class covers them all. `--help` still prints the full usage.
"""

from __future__ import annotations

import argparse
import sys
from typing import NoReturn

EXIT_USAGE = 2


def one_line(text: str) -> str:
    return " ".join(text.split())


class OneLineParser(argparse.ArgumentParser):
    """`prog: error: <what is wrong> (see 'prog --help')` on stderr, exit code 2."""

    def error(self, message: str) -> NoReturn:
        sys.stderr.write(f"{self.prog}: error: {one_line(message)} (see '{self.prog} --help')\n")
        sys.exit(EXIT_USAGE)
