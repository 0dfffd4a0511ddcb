"""AVHD engine: unsupervised audio-visual highlight detection.

The engine never imports Qt; the GUI (``avhd_gui``) calls into it.
"""

from core._version import __version__

__all__ = ["__version__"]
