"""Versions of AVHD and the components it runs on, for ``--version`` and the About box.

The package version itself lives in one place only: ``core/_version.py``.
"""

from __future__ import annotations

import importlib
import platform
import sys

from core._version import __version__


def extractor_versions() -> dict[str, str]:
    """``{name: version}`` of every registered feature extractor (no weights loaded)."""
    from core import features

    out = {}
    for table in (features._VISUAL, features._AUDIO):
        for name, target in sorted(table.items()):
            module, cls = target.split(":")
            try:
                out[name] = str(getattr(importlib.import_module(module), cls).VERSION)
            except Exception as exc:  # noqa: BLE001 - report, never fail a version query
                out[name] = f"unavailable ({type(exc).__name__})"
    return out


def _module_version(name: str, attr: str = "__version__") -> str | None:
    try:
        return str(getattr(importlib.import_module(name), attr))
    except Exception:  # noqa: BLE001 - optional component
        return None


def component_versions() -> dict[str, str]:
    """AVHD, Python, torch (and CUDA), NumPy, PyAV/FFmpeg, OTIO and the extractors."""
    out = {"avhd": __version__, "python": platform.python_version()}
    torch_v = _module_version("torch")
    if torch_v:
        import torch

        cuda = torch.version.cuda if torch.cuda.is_available() else None
        out["torch"] = torch_v + (f" (CUDA {cuda})" if cuda else " (CPU)")
    for mod, key in (("numpy", "numpy"), ("av", "pyav"), ("opentimelineio", "opentimelineio")):
        v = _module_version(mod)
        if v:
            out[key] = v
    try:
        import imageio_ffmpeg

        out["ffmpeg"] = imageio_ffmpeg.get_ffmpeg_version()
    except Exception:  # noqa: BLE001 - optional component
        pass
    out.update({f"extractor {k}": f"v{v}" for k, v in extractor_versions().items()})
    if getattr(sys, "frozen", False):
        out["build"] = "desktop bundle"
    return out


#: distributions named by :func:`installed_versions` (key shown -> distribution name)
_DISTRIBUTIONS = {
    "torch": "torch",
    "numpy": "numpy",
    "pyav": "av",
    "opentimelineio": "opentimelineio",
    "imageio-ffmpeg": "imageio-ffmpeg",
}


def installed_versions() -> dict[str, str]:
    """AVHD, Python and the installed versions of its main dependencies, read from the
    package metadata: nothing is imported or run, so this is instant (``avhd --version``).
    A CPU build of torch shows as such in its version (``2.13.0+cpu``) when the wheel says so.
    """
    from importlib import metadata

    out = {"avhd": __version__, "python": platform.python_version()}
    for key, dist in _DISTRIBUTIONS.items():
        try:
            out[key] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            out[key] = "not installed"
    if getattr(sys, "frozen", False):
        out["build"] = "desktop bundle"
    return out


def version_text(full: bool = True) -> str:
    """Multi-line ``name: version`` text: every component (``full``, imports torch and runs
    ffmpeg) or the installed package versions only (instant)."""
    versions = component_versions() if full else installed_versions()
    return "\n".join(f"{k}: {v}" for k, v in versions.items())
