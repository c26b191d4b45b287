"""The GUI's assets (icons, themes), shipped inside the package.

Why here and not in a top-level `resources/` folder: only `terminal*` packages are
installed (pyproject `packages.find`), and the editable install maps only `terminal`;
assets inside `terminal.ui.resources` are found by `importlib.resources` from a source
tree, an editable install, a wheel (package-data globs `*.svg`, `*.qss`) and a frozen
bundle alike. The desktop-entry template, which only the packaging scripts read, stays
in the top-level `resources/` folder.
"""

from __future__ import annotations

from importlib.resources import files
from importlib.resources.abc import Traversable

ICONS = "icons"
THEMES = "themes"


def asset(*parts: str) -> Traversable:
    """A file of this package as a Traversable (may live inside a zip or a bundle)."""
    node: Traversable = files(__name__)
    for part in parts:
        node = node.joinpath(part)
    return node


def read_bytes(*parts: str) -> bytes:
    return asset(*parts).read_bytes()


def read_text(*parts: str) -> str:
    return asset(*parts).read_text(encoding="utf-8")


def icon_names() -> list[str]:
    """Names (without .svg) of every bundled icon."""
    return sorted(p.name[:-4] for p in asset(ICONS).iterdir() if p.name.endswith(".svg"))


def theme_names() -> list[str]:
    return sorted(p.name[:-4] for p in asset(THEMES).iterdir() if p.name.endswith(".qss"))
