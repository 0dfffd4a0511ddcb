"""Icons and style sheets from AVHD's bundled files (:mod:`core.resources`), by name.

Icons are SVG files drawn with ``currentColor``; they are tinted with the palette's text
colour when loaded, so they stay visible in light and dark mode.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

from PySide6.QtCore import QByteArray, QRectF, Qt
from PySide6.QtGui import QGuiApplication, QIcon, QPainter, QPalette, QPixmap
from PySide6.QtSvg import QSvgRenderer

from core.resources import resource_root


def resource_dir() -> Path:
    """The folder of AVHD's bundled files, the installed ``avhd_resources`` package
    (``AVHD_RESOURCES`` overrides it)."""
    override = os.environ.get("AVHD_RESOURCES")
    if override:
        return Path(override)
    return resource_root()


@lru_cache(maxsize=64)
def _svg_text(name: str) -> str | None:
    path = resource_dir() / "icons" / f"{name}.svg"
    try:
        return path.read_text(encoding="utf-8")
    except OSError:
        return None


def icon_names() -> list[str]:
    """Names of the bundled icons."""
    return sorted(p.stem for p in (resource_dir() / "icons").glob("*.svg"))


def _render(svg: str, color: str, size: int, ratio: float) -> QPixmap:
    renderer = QSvgRenderer(QByteArray(svg.replace("currentColor", color).encode("utf-8")))
    px = QPixmap(int(size * ratio), int(size * ratio))
    px.fill(Qt.GlobalColor.transparent)
    painter = QPainter(px)
    renderer.render(painter, QRectF(0, 0, px.width(), px.height()))
    painter.end()
    px.setDevicePixelRatio(ratio)
    return px


def icon(name: str, palette: QPalette | None = None) -> QIcon:
    """The icon called ``name`` tinted for ``palette`` (default: the application's).

    A missing icon gives an empty :class:`QIcon` (the action still shows its text).
    """
    svg = _svg_text(name)
    if svg is None:
        return QIcon()
    pal = palette or QGuiApplication.palette()
    app = QGuiApplication.instance()
    ratio = app.devicePixelRatio() if app is not None else 1.0
    normal = pal.color(QPalette.ColorGroup.Active, QPalette.ColorRole.WindowText).name()
    disabled = pal.color(QPalette.ColorGroup.Disabled, QPalette.ColorRole.WindowText).name()
    result = QIcon()
    for size in (16, 24, 32):
        result.addPixmap(_render(svg, normal, size, ratio), QIcon.Mode.Normal)
        result.addPixmap(_render(svg, disabled, size, ratio), QIcon.Mode.Disabled)
    return result


def style_sheet(name: str = "app") -> str:
    """The text of ``resources/styles/NAME.qss`` ("" when absent)."""
    try:
        return (resource_dir() / "styles" / f"{name}.qss").read_text(encoding="utf-8")
    except OSError:
        return ""
