"""Names, version and platform metadata of the bundle, shared by terminal.spec, build.py
and the tests (importable without PyInstaller or Qt).
"""

from __future__ import annotations

import ast
import platform
import plistlib
import shutil
import subprocess
import sys
from pathlib import Path, PurePath

ROOT = Path(__file__).resolve().parent.parent
ICONS = ROOT / "resources" / "icons"
APP_ID = "trading-terminal"
DISPLAY_NAME = "Trading Terminal"
BUNDLE_ID = "org.tradingterminal.TradingTerminal"
COPYRIGHT = "MIT licence, the Trading Terminal contributors"

# PySide6 modules the app never imports (it uses QtCore, QtGui, QtWidgets and QtSvg;
# pyqtgraph imports QtOpenGL and QtOpenGLWidgets at import time, so they stay).
UNUSED_QT_MODULES = [
    f"PySide6.{name}"
    for name in (
        "QtNetwork",
        "QtQml",
        "QtQuick",
        "QtQuickControls2",
        "QtQuickTest",
        "QtQuickWidgets",
        "QtSql",
        "QtTest",
        "QtUiTools",
        "QtDesigner",
        "QtHelp",
        "QtPrintSupport",
        "QtDBus",
        "QtConcurrent",
        "QtSvgWidgets",
        "QtXml",
        "QtMultimedia",
        "QtWebEngineCore",
        "QtWebEngineWidgets",
        "QtCharts",
        "QtPdf",
        "Qt3DCore",
        "QtBluetooth",
        "QtPositioning",
        "QtSerialPort",
        "QtWebSockets",
    )
]

# Qt plugin folders to leave out entirely, and single plugins to leave out of kept folders.
_DROP_PLUGIN_DIRS = {
    "designer",
    "egldeviceintegrations",
    "generic",
    "qmllint",
    "qmltooling",
    "sqldrivers",
    "printsupport",
    "vectorimageformats",
    "wayland-graphics-integration-server",
    "networkinformation",
    "tls",
    "position",
    "sensors",
    "multimedia",
    "renderers",
    "sceneparsers",
    "geometryloaders",
    "canbus",
    "webview",
    "texttospeech",
}
# (qgtk3: its GTK libraries would have to come from the build machine; the desktop
# portal theme covers file dialogs on GNOME and KDE alike)
_DROP_PLUGINS = (
    "qeglfs",
    "qlinuxfb",
    "qvnc",
    "qvkkhrdisplay",
    "qminimalegl",
    "qtvirtualkeyboard",
    "qpdf",
    "qdirect2d",
    "qdirectfb",
    "qgtk3",
)
# Qt libraries only those modules or plugins load (file names on all three platforms
# contain these stems: libQt6Quick.so.6, Qt6Quick.dll, QtQuick.framework).
_DROP_QT_LIBS = (
    "Quick",
    "Qml",
    "Designer",
    "Help",
    "Lottie",
    "Labs",
    "Pdf",
    "WaylandCompositor",
    "WaylandEgl",
    "WlShell",
    "EglFS",
    "EglFs",
    "Test",
    "UiTools",
    "Sql",
    "ShaderTools",
    "VirtualKeyboard",
    "Charts",
    "Multimedia",
    "WebEngine",
    "3D",
)


# System libraries only the GTK3 platform theme (left out above) links: PyInstaller has
# already collected them as its dependencies when the plugin is dropped.
_GTK_THEME_ONLY_LIBS = (
    "libatk-",
    "libcairo",
    "libpango",
    "libgdk_pixbuf",
    "libharfbuzz",
    "libthai",
    "libdatrie",
    "libfribidi",
    "libpixman",
    "libgraphite2",
    "libjpeg",
    "libgio-",
    "libgmodule",
    "libmount",
    "libblkid",
    "libselinux",
    "libXrender",
)


def keep_qt_file(dest: str) -> bool:
    """False for a Qt plugin or library (by its path in the bundle) the app never loads."""
    parts = PurePath(dest.replace("\\", "/")).parts
    if len(parts) == 1 and parts[0].startswith(_GTK_THEME_ONLY_LIBS):
        return False
    if "PySide6" not in parts:
        return True
    name = parts[-1]
    if "plugins" in parts:
        folder = (
            parts[parts.index("plugins") + 1] if len(parts) > parts.index("plugins") + 2 else ""
        )
        if folder in _DROP_PLUGIN_DIRS:
            return False
        return not any(stem in name for stem in _DROP_PLUGINS)
    # any part: a macOS framework is a folder (QtQuick.framework/Versions/A/Resources/...)
    for stem in _DROP_QT_LIBS:
        if any(f"Qt6{stem}" in part or f"Qt{stem}" in part for part in parts):
            return False
    # QML files, and Qt's translations (the app's text is English only)
    return not ("qml" in parts or "translations" in parts)


def version() -> str:
    """terminal.__version__, read without importing the package."""
    tree = ast.parse((ROOT / "terminal" / "__init__.py").read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "__version__" for t in node.targets
        ):
            return str(ast.literal_eval(node.value))
    raise RuntimeError("terminal/__init__.py has no __version__")


def version_tuple() -> tuple[int, int, int, int]:
    numbers = [
        int("".join(ch for ch in part if ch.isdigit()) or 0) for part in version().split(".")[:4]
    ]
    return tuple([*numbers, 0, 0, 0, 0][:4])  # type: ignore[return-value]


def info_plist() -> dict[str, object]:
    """Extra Info.plist keys of the macOS .app (PyInstaller adds the bundle basics)."""
    return {
        "CFBundleName": DISPLAY_NAME,
        "CFBundleDisplayName": DISPLAY_NAME,
        "CFBundleIdentifier": BUNDLE_ID,
        "CFBundleShortVersionString": version(),
        "CFBundleVersion": version(),
        "CFBundlePackageType": "APPL",
        "LSApplicationCategoryType": "public.app-category.finance",
        "LSMinimumSystemVersion": "11.0",
        "NSHighResolutionCapable": True,
        # False: follow the system's light/dark appearance instead of forcing light
        "NSRequiresAquaSystemAppearance": False,
        "NSHumanReadableCopyright": COPYRIGHT,
    }


def info_plist_bytes() -> bytes:
    return plistlib.dumps(info_plist())


def windows_version_text() -> str:
    """The Windows version resource in PyInstaller's version-file syntax."""
    v = version_tuple()
    strings = {
        "CompanyName": "Trading Terminal contributors",
        "FileDescription": DISPLAY_NAME,
        "FileVersion": version(),
        "InternalName": APP_ID,
        "LegalCopyright": COPYRIGHT,
        "OriginalFilename": f"{APP_ID}.exe",
        "ProductName": DISPLAY_NAME,
        "ProductVersion": version(),
    }
    items = ",\n          ".join(f"StringStruct({k!r}, {val!r})" for k, val in strings.items())
    return f"""VSVersionInfo(
  ffi=FixedFileInfo(filevers={v}, prodvers={v}, mask=0x3f, flags=0x0, OS=0x40004,
                    fileType=0x1, subtype=0x0, date=(0, 0)),
  kids=[
    StringFileInfo([StringTable('040904B0', [
          {items}])]),
    VarFileInfo([VarStruct('Translation', [1033, 1200])])
  ]
)
"""


def windows_version_file(root: Path) -> str:
    path = root / "build" / "version_info.txt"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(windows_version_text(), encoding="utf-8")
    return str(path)


# Libraries the xcb platform plugin links that PySide6 does not ship, with the Debian/Ubuntu
# package of each. They are bundled from the build machine, so a desktop without them
# (libxcb-cursor0 is missing on many) still opens the window.
XCB_LIBS = {
    "libxcb-cursor.so.0": "libxcb-cursor0",
    "libxcb-icccm.so.4": "libxcb-icccm4",
    "libxcb-keysyms.so.1": "libxcb-keysyms1",
    "libxcb-image.so.0": "libxcb-image0",
    "libxcb-render-util.so.0": "libxcb-render-util0",
    "libxkbcommon-x11.so.0": "libxkbcommon-x11-0",
    "libxcb-randr.so.0": "libxcb-randr0",
    "libxcb-shape.so.0": "libxcb-shape0",
    "libxcb-xfixes.so.0": "libxcb-xfixes0",
    "libxcb-xkb.so.1": "libxcb-xkb1",
}


def linux_xcb_libs() -> list[tuple[str, str]]:
    """XCB_LIBS as found on the build machine: (source, folder in the bundle); exits with
    the apt-get line to run when one is missing."""
    ldconfig = shutil.which("ldconfig") or "/sbin/ldconfig"
    try:
        out = subprocess.run(
            [ldconfig, "-p"], check=False, capture_output=True, text=True, timeout=30
        ).stdout
    except (OSError, subprocess.SubprocessError):
        out = ""
    found: dict[str, str] = {}
    for line in out.splitlines():
        name = line.strip().split(" ", 1)[0]
        if name not in XCB_LIBS or "=>" not in line:
            continue
        path = line.split("=>", 1)[1].strip()
        # several architectures may be installed: the build machine's own comes first
        if name not in found or platform.machine() in path:
            found[name] = path
    missing = [pkg for name, pkg in XCB_LIBS.items() if name not in found]
    if missing:
        sys.exit(
            f"missing on this machine, needed in the bundle: apt-get install -y {' '.join(missing)}"
        )
    return [(path, ".") for path in found.values()]
