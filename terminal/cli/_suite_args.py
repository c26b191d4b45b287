"""The argument checks `bench` and `drills` share: every `--only` name must be known,
and a `--json` file must have an existing folder. One line on stderr and exit 2 when not.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Sequence
from pathlib import Path


def refuse_bad_suite_args(
    prog: str,
    command: str,
    kind: str,
    known: Iterable[str],
    only: Sequence[str] | None,
    json: Path | None,
) -> int | None:
    """The exit code of the refusal, or None when the arguments can run. `kind` names one
    member of the suite in the message ("benchmark", "drill")."""
    names = set(known)
    unknown = [n for n in only or () if n not in names]
    if unknown:
        print(
            f"{prog} {command}: error: no {kind} named {', '.join(unknown)} "
            f"(known: {', '.join(sorted(names))})",
            file=sys.stderr,
        )
        return 2
    if json is not None and not json.parent.is_dir():
        print(
            f"{prog} {command}: error: --json {json}: no such directory {json.parent}",
            file=sys.stderr,
        )
        return 2
    return None
