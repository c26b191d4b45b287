"""Session-wide test setup.

Qt runs offscreen unless the caller chose a platform (a developer may run the UI
tests on a real display with QT_QPA_PLATFORM=xcb). Shared fixture modules are listed in
`pytest_plugins` only once they exist, so this file works while they are written.
"""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from pathlib import Path

_HERE = Path(__file__).resolve().parent

pytest_plugins = [
    f"tests.{name}" for name in ("fixtures_paper", "fixtures_pg") if (_HERE / f"{name}.py").exists()
]
