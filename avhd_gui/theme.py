"""Light/dark colour schemes.

By default the app follows the system palette. ``--color-scheme light|dark`` asks Qt for
that scheme; where the platform cannot switch (e.g. X11 without a desktop theme), the
Fusion style gets an explicit palette of the asked lightness. Widgets never hard-code
colours: they derive them from whatever palette is active.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QGuiApplication, QPalette

_DARK = {
    QPalette.ColorRole.Window: "#2b2b2d",
    QPalette.ColorRole.WindowText: "#e4e4e6",
    QPalette.ColorRole.Base: "#1e1e20",
    QPalette.ColorRole.AlternateBase: "#27272a",
    QPalette.ColorRole.ToolTipBase: "#3a3a3d",
    QPalette.ColorRole.ToolTipText: "#e4e4e6",
    QPalette.ColorRole.PlaceholderText: "#8c8c90",
    QPalette.ColorRole.Text: "#e4e4e6",
    QPalette.ColorRole.Button: "#333336",
    QPalette.ColorRole.ButtonText: "#e4e4e6",
    QPalette.ColorRole.BrightText: "#ff6b6b",
    QPalette.ColorRole.Light: "#4a4a4e",
    QPalette.ColorRole.Midlight: "#3c3c40",
    QPalette.ColorRole.Mid: "#2f2f32",
    QPalette.ColorRole.Dark: "#19191b",
    QPalette.ColorRole.Shadow: "#0a0a0a",
    QPalette.ColorRole.Highlight: "#3d7bd9",
    QPalette.ColorRole.HighlightedText: "#ffffff",
    QPalette.ColorRole.Link: "#6ea8ff",
    QPalette.ColorRole.LinkVisited: "#b48cff",
}
_DARK_DISABLED = {
    QPalette.ColorRole.WindowText: "#7b7b80",
    QPalette.ColorRole.Text: "#7b7b80",
    QPalette.ColorRole.ButtonText: "#7b7b80",
    QPalette.ColorRole.Highlight: "#4a4a4e",
}


def dark_palette() -> QPalette:
    """A neutral dark palette for the Fusion style."""
    pal = QPalette()
    for role, color in _DARK.items():
        pal.setColor(role, QColor(color))
    for role, color in _DARK_DISABLED.items():
        pal.setColor(QPalette.ColorGroup.Disabled, role, QColor(color))
    return pal


def is_dark(palette: QPalette) -> bool:
    return palette.color(QPalette.ColorRole.Window).lightness() < 128


def apply_color_scheme(app: QGuiApplication, scheme: str) -> None:
    """Force ``"light"`` or ``"dark"``; ``"system"`` leaves the platform's palette alone."""
    if scheme == "system":
        return
    app.setStyle("Fusion")
    want_dark = scheme == "dark"
    app.styleHints().setColorScheme(Qt.ColorScheme.Dark if want_dark else Qt.ColorScheme.Light)
    if is_dark(app.palette()) != want_dark:  # the platform could not switch
        app.setPalette(dark_palette() if want_dark else app.style().standardPalette())
