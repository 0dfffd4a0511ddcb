"""Render the application icon set from ``avhd.svg`` with Qt's SVG renderer.

Writes ``avhd-N.png`` for every size in :data:`SIZES` beside this file, ``avhd.ico``
(Windows, one PNG per size) and ``avhd.icns`` (macOS, when Qt's icns plug-in is present)::

    QT_QPA_PLATFORM=offscreen python packaging/icons/render_icons.py
"""

from __future__ import annotations

import struct
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
SIZES = (16, 24, 32, 48, 64, 128, 256, 512)
ICO_SIZES = (16, 24, 32, 48, 64, 128, 256)


def render(svg: Path, size: int):
    """The SVG drawn into a transparent ``size`` x ``size`` QImage."""
    from PySide6.QtCore import QRectF, Qt
    from PySide6.QtGui import QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    renderer = QSvgRenderer(str(svg))
    if not renderer.isValid():
        raise ValueError(f"{svg}: not a valid SVG")
    image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
    renderer.render(painter, QRectF(0, 0, size, size))
    painter.end()
    return image


def _png_bytes(image) -> bytes:
    from PySide6.QtCore import QBuffer, QByteArray, QIODevice

    data = QByteArray()
    buf = QBuffer(data)
    buf.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buf, "PNG")
    buf.close()
    return bytes(data.data())


def write_ico(svg: Path, path: Path, sizes=ICO_SIZES) -> None:
    """A Windows .ico holding one PNG-compressed image per size (Vista and later)."""
    images = [_png_bytes(render(svg, s)) for s in sizes]
    offset = 6 + 16 * len(images)
    header = struct.pack("<HHH", 0, 1, len(images))
    entries = b""
    for size, png in zip(sizes, images, strict=True):
        dim = 0 if size >= 256 else size  # 0 means 256 in an ICONDIRENTRY
        entries += struct.pack("<BBBBHHII", dim, dim, 0, 0, 1, 32, len(png), offset)
        offset += len(png)
    path.write_bytes(header + entries + b"".join(images))


def main(out_dir: Path = HERE) -> list[Path]:
    """Write the PNGs (and .ico/.icns where Qt can) into ``out_dir``; return their paths."""
    from PySide6.QtGui import QGuiApplication, QImageWriter

    _app = QGuiApplication.instance() or QGuiApplication(["render_icons"])
    svg = HERE / "avhd.svg"
    written = []
    for size in SIZES:
        path = out_dir / f"avhd-{size}.png"
        if not render(svg, size).save(str(path), "PNG"):
            raise OSError(f"cannot write {path}")
        written.append(path)
    formats = {bytes(f).decode() for f in QImageWriter.supportedImageFormats()}
    write_ico(svg, out_dir / "avhd.ico")
    written.append(out_dir / "avhd.ico")
    if "icns" in formats:
        path = out_dir / "avhd.icns"
        if render(svg, 512).save(str(path), "ICNS"):
            written.append(path)
    return written


if __name__ == "__main__":
    for p in main(Path(sys.argv[1]) if len(sys.argv) > 1 else HERE):
        print(p)
