"""Render the app icon from its SVG into every file a desktop or installer asks for.

    python packaging/icons.py           # (re)write resources/icons/ from the SVG
    python packaging/icons.py --check   # exit 1 if a file is missing or has a wrong size

Source: `terminal/ui/resources/icons/app.svg` (the icon the running app shows). Output,
committed under `resources/icons/` so no build step needs Qt's SVG renderer:

- `trading-terminal.svg`: a copy of the source (the hicolor "scalable" icon);
- `trading-terminal-N.png` for N in SIZES (the hicolor NxN icons, 16 to 512);
- `trading-terminal.ico` (Windows; PNG-compressed entries 16 to 256);
- `trading-terminal.icns` (macOS; PNG entries 16 to 1024).

ICO and ICNS both allow PNG data inside, so they are written here byte by byte, without
an image library.
"""

from __future__ import annotations

import argparse
import os
import shutil
import struct
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "terminal" / "ui" / "resources" / "icons" / "app.svg"
OUT = ROOT / "resources" / "icons"
NAME = "trading-terminal"
SIZES = (16, 22, 24, 32, 48, 64, 128, 256, 512)  # freedesktop hicolor sizes
ICO_SIZES = (16, 24, 32, 48, 64, 128, 256)
# ICNS types holding PNG data, by pixel size (Apple's icon family types)
ICNS_TYPES = {
    16: b"icp4",
    32: b"icp5",
    64: b"icp6",
    128: b"ic07",
    256: b"ic08",
    512: b"ic09",
    1024: b"ic10",
}
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def png_path(size: int) -> Path:
    return OUT / f"{NAME}-{size}.png"


def png_size(data: bytes) -> tuple[int, int]:
    """Width and height from a PNG's IHDR chunk."""
    if data[:8] != PNG_MAGIC or data[12:16] != b"IHDR":
        raise ValueError("not a PNG")
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def render_png(svg: Path, size: int) -> bytes:
    """The SVG rendered at size x size with a transparent background (Qt's SVG renderer)."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QBuffer, QByteArray, QIODevice, Qt
    from PySide6.QtGui import QGuiApplication, QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    _app = QGuiApplication.instance() or QGuiApplication([sys.argv[0]])
    renderer = QSvgRenderer(str(svg))
    if not renderer.isValid():
        raise SystemExit(f"cannot read {svg}")
    image = QImage(size, size, QImage.Format.Format_ARGB32)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    renderer.render(painter)
    painter.end()
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, "PNG")
    buffer.close()
    return bytes(data.data())


def build_ico(pngs: dict[int, bytes]) -> bytes:
    """An ICO file whose entries are PNG images (Windows Vista and later)."""
    sizes = sorted(pngs)
    header = struct.pack("<HHH", 0, 1, len(sizes))
    offset = 6 + 16 * len(sizes)
    entries, blobs = b"", b""
    for size in sizes:
        data = pngs[size]
        dim = 0 if size >= 256 else size  # 0 means 256 in an ICO directory
        entries += struct.pack("<BBBBHHII", dim, dim, 0, 0, 1, 32, len(data), offset)
        blobs += data
        offset += len(data)
    return header + entries + blobs


def read_ico(data: bytes) -> dict[int, tuple[int, int]]:
    """Entry size -> (width, height) of its PNG, read back from an ICO file."""
    reserved, kind, count = struct.unpack("<HHH", data[:6])
    if reserved != 0 or kind != 1:
        raise ValueError("not an ICO file")
    found = {}
    for i in range(count):
        dim, _, _, _, _, _, length, offset = struct.unpack(
            "<BBBBHHII", data[6 + 16 * i : 22 + 16 * i]
        )
        found[dim or 256] = png_size(data[offset : offset + length])
    return found


def build_icns(pngs: dict[int, bytes]) -> bytes:
    body = b""
    for size in sorted(pngs):
        data = pngs[size]
        body += ICNS_TYPES[size] + struct.pack(">I", len(data) + 8) + data
    return b"icns" + struct.pack(">I", len(body) + 8) + body


def read_icns(data: bytes) -> dict[bytes, tuple[int, int]]:
    """Entry type -> (width, height) of its PNG, read back from an ICNS file."""
    if data[:4] != b"icns" or struct.unpack(">I", data[4:8])[0] != len(data):
        raise ValueError("not an ICNS file")
    found, pos = {}, 8
    while pos < len(data):
        kind = data[pos : pos + 4]
        length = struct.unpack(">I", data[pos + 4 : pos + 8])[0]
        found[kind] = png_size(data[pos + 8 : pos + length])
        pos += length
    return found


def problems() -> list[str]:
    """What is missing or wrong under resources/icons/ (empty when all is in place)."""
    found = []
    svg = OUT / f"{NAME}.svg"
    if not svg.exists() or svg.read_bytes() != SOURCE.read_bytes():
        found.append(f"{svg} is missing or differs from {SOURCE}")
    for size in SIZES:
        path = png_path(size)
        if not path.exists():
            found.append(f"{path} is missing")
        elif png_size(path.read_bytes()) != (size, size):
            found.append(f"{path} is not {size}x{size}")
    ico = OUT / f"{NAME}.ico"
    if not ico.exists() or sorted(read_ico(ico.read_bytes())) != sorted(ICO_SIZES):
        found.append(f"{ico} is missing or lacks a size of {ICO_SIZES}")
    icns = OUT / f"{NAME}.icns"
    if not icns.exists() or set(read_icns(icns.read_bytes())) != set(ICNS_TYPES.values()):
        found.append(f"{icns} is missing or lacks a size of {sorted(ICNS_TYPES)}")
    return found


def write_all() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(SOURCE, OUT / f"{NAME}.svg")
    pngs = {size: render_png(SOURCE, size) for size in sorted(set(SIZES) | set(ICNS_TYPES))}
    for size in SIZES:
        png_path(size).write_bytes(pngs[size])
    (OUT / f"{NAME}.ico").write_bytes(build_ico({s: pngs[s] for s in ICO_SIZES}))
    (OUT / f"{NAME}.icns").write_bytes(build_icns({s: pngs[s] for s in ICNS_TYPES}))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Render the app icon files from its SVG.")
    parser.add_argument("--check", action="store_true", help="only check, write nothing")
    args = parser.parse_args(argv)
    if not args.check:
        write_all()
    found = problems()
    for line in found:
        print(line, file=sys.stderr)
    if not found:
        print(f"icons OK in {OUT}: svg, png {', '.join(map(str, SIZES))}, ico, icns")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
