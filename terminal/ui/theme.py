"""Themes (dark by default, light as an option) and icons from the bundled resources.

The style sheets style ordinary widgets; custom-painted widgets (book, chart, lock
switch colours in code) read the `Palette` of the active theme, so both stay in step.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from PySide6.QtCore import QByteArray, QObject, Qt, Signal
from PySide6.QtGui import QColor, QIcon, QPainter, QPalette, QPixmap
from PySide6.QtWidgets import QApplication, QWidget

from terminal.ui import resources

log = logging.getLogger(__name__)

DEFAULT_THEME = "dark"


@dataclass(frozen=True)
class Palette:
    """Colours of one theme, for code that paints by itself."""

    name: str
    background: str
    panel: str
    panel_alt: str
    line: str
    text: str
    muted: str
    accent: str
    buy: str
    sell: str
    warning: str


PALETTES: dict[str, Palette] = {
    "dark": Palette(
        "dark",
        "#0f1216",
        "#161a1e",
        "#1e2329",
        "#2b3139",
        "#eaecef",
        "#848e9c",
        "#f0b90b",
        "#0ecb81",
        "#f6465d",
        "#f0b90b",
    ),
    "light": Palette(
        "light",
        "#f3f4f6",
        "#ffffff",
        "#eef0f3",
        "#d5d9de",
        "#1e2329",
        "#6a7280",
        "#c99400",
        "#03a66d",
        "#cf304a",
        "#b57f00",
    ),
}


class ThemeManager(QObject):
    """Applies a theme to the application and tells widgets that paint themselves."""

    changed = Signal(str)

    def __init__(self, app: QApplication, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._app = app
        self._name = ""

    @property
    def name(self) -> str:
        return self._name

    @property
    def palette(self) -> Palette:
        return PALETTES.get(self._name, PALETTES[DEFAULT_THEME])

    def apply(self, name: str) -> str:
        """Switch to `name` (unknown names fall back to dark); returns the applied name."""
        if name not in PALETTES:
            log.warning("Unknown theme %r; using %s", name, DEFAULT_THEME)
            name = DEFAULT_THEME
        if name == self._name:
            return name
        pal = PALETTES[name]
        qpal = QPalette()
        for role, colour in (
            (QPalette.ColorRole.Window, pal.panel),
            (QPalette.ColorRole.Base, pal.background),
            (QPalette.ColorRole.AlternateBase, pal.panel_alt),
            (QPalette.ColorRole.Text, pal.text),
            (QPalette.ColorRole.WindowText, pal.text),
            (QPalette.ColorRole.Button, pal.line),
            (QPalette.ColorRole.ButtonText, pal.text),
            (QPalette.ColorRole.Highlight, pal.line),
            (QPalette.ColorRole.HighlightedText, pal.text),
            (QPalette.ColorRole.PlaceholderText, pal.muted),
            (QPalette.ColorRole.ToolTipBase, pal.panel_alt),
            (QPalette.ColorRole.ToolTipText, pal.text),
        ):
            qpal.setColor(role, QColor(colour))
        self._app.setPalette(qpal)
        self._app.setStyleSheet(stylesheet(name))
        self._name = name
        self.changed.emit(name)
        return name


@lru_cache(maxsize=4)
def stylesheet(name: str) -> str:
    try:
        return resources.read_text(resources.THEMES, f"{name}.qss")
    except (OSError, ValueError):
        log.exception("Theme %s is missing from the resources", name)
        return ""


@lru_cache(maxsize=64)
def icon(name: str) -> QIcon:
    """A bundled SVG icon by name (e.g. 'stop'); an empty icon if it is missing.

    From a file on disk Qt's SVG icon engine renders lazily, at the size asked for (cheap
    before the first paint); from a zip or a bundle the SVG is rendered here.
    """
    node = resources.asset(resources.ICONS, f"{name}.svg")
    if isinstance(node, Path):
        if node.is_file():
            return QIcon(str(node))
        log.warning("Icon %s is missing from the resources", name)
        return QIcon()
    from PySide6.QtSvg import QSvgRenderer  # only for icons inside a zip or a bundle

    try:
        data = resources.read_bytes(resources.ICONS, f"{name}.svg")
    except (OSError, ValueError):
        log.warning("Icon %s is missing from the resources", name)
        return QIcon()
    renderer = QSvgRenderer(QByteArray(data))
    if not renderer.isValid():
        log.warning("Icon %s is not a valid SVG", name)
        return QIcon()
    result = QIcon()
    for size in (16, 20, 24, 32, 48, 64):
        pixmap = QPixmap(size, size)
        pixmap.fill(Qt.GlobalColor.transparent)
        painter = QPainter(pixmap)
        renderer.render(painter)
        painter.end()
        result.addPixmap(pixmap)
    return result


def repolish(widget: QWidget) -> None:
    """Re-apply the style sheet after a dynamic property used by a selector changed.

    A widget not polished yet (never shown) is skipped: its first polish, when it is
    shown, reads the property anyway, and polishing it here too would style it twice
    (several such widgets sit in the toolbar that is built before the first paint).
    """
    if not widget.testAttribute(Qt.WidgetAttribute.WA_WState_Polished):
        return
    style = widget.style()
    style.unpolish(widget)
    style.polish(widget)
    widget.update()
