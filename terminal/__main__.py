"""`python -m terminal`: the same as the `trading-terminal` command."""

import sys

from terminal.cli import main

if __name__ == "__main__":
    sys.exit(main())
