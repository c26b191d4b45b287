"""PySide6 6.12.0 on CPython 3.11 aborts after ~560 signal emits (bool refcount bug).

The emits run in a subprocess because the failure is a fatal abort of the interpreter,
which would take the whole test session down with it.
"""

from __future__ import annotations

import importlib.metadata
import os
import subprocess
import sys
import textwrap

from packaging.requirements import Requirement
from packaging.version import Version

EMITS = 20_000

SCRIPT = textwrap.dedent(
    f"""
    import sys
    from PySide6.QtCore import QAbstractListModel, QCoreApplication, QObject, Signal

    class Source(QObject):
        value = Signal(int)

    class Model(QAbstractListModel):
        def rowCount(self, parent=None):
            return 1
        def data(self, index, role=0):
            return None

    app = QCoreApplication([])
    received = []
    src = Source()
    src.value.connect(lambda v: received.append(v))
    for i in range({EMITS}):
        src.value.emit(i)

    model = Model()
    changed = []
    model.dataChanged.connect(lambda a, b, roles: changed.append(1))
    idx = model.index(0, 0)
    for _ in range({EMITS}):
        model.dataChanged.emit(idx, idx, [])

    print(len(received), sum(received), len(changed))
    """
)


def test_tens_of_thousands_of_emits_do_not_abort() -> None:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    proc = subprocess.run(
        [sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=120, env=env
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    count, total, changed = map(int, proc.stdout.split())
    assert count == EMITS
    assert total == EMITS * (EMITS - 1) // 2
    assert changed == EMITS


def _installed_pyside() -> tuple[str, Version]:
    for dist in ("PySide6-Essentials", "PySide6"):
        try:
            return dist, Version(importlib.metadata.version(dist))
        except importlib.metadata.PackageNotFoundError:
            continue
    raise AssertionError("PySide6 is not installed")


def test_installed_pyside_is_not_the_aborting_release() -> None:
    _, version = _installed_pyside()
    if sys.version_info < (3, 12):
        assert version < Version("6.12"), f"PySide6 {version} aborts on Python 3.11"


def test_installed_pyside_matches_the_project_marker() -> None:
    dist, version = _installed_pyside()
    requirements = [Requirement(r) for r in importlib.metadata.requires("trading-terminal") or []]
    applicable = [
        r
        for r in requirements
        if r.name.lower() == dist.lower() and (r.marker is None or r.marker.evaluate({"extra": ""}))
    ]
    assert applicable, f"no {dist} requirement applies to this Python"
    for req in applicable:
        assert version in req.specifier, f"{dist} {version} does not satisfy {req}"
        if sys.version_info < (3, 12):
            assert not req.specifier.contains("6.12.0"), f"{req} admits 6.12.0 on Python 3.11"
