"""AVHD's bundled files (weights, icons, styles, demo), found through importlib.resources.

The repository's ``resources/`` folder installs as the package ``avhd_resources``; an
installed AVHD (a wheel, ``pip install -e .``, the desktop bundle) always finds its files
through ``importlib.resources.files("avhd_resources")``. The one exception is a source tree
that was never installed (``PYTHONPATH=. python -m core.cli``, an editable install made
before the package existed): there ``avhd_resources`` cannot be imported, and the
``resources/`` folder of the tree that ``core`` was imported from is used, if it is AVHD's.
"""

from __future__ import annotations

import importlib.resources
from functools import lru_cache
from pathlib import Path

PACKAGE = "avhd_resources"


@lru_cache(maxsize=1)
def resource_root() -> Path:
    """The folder of AVHD's bundled files."""
    try:
        return Path(str(importlib.resources.files(PACKAGE)))
    except ModuleNotFoundError:
        pass
    tree = Path(str(importlib.resources.files("core"))).parent / "resources"
    if (tree / "__init__.py").is_file() and "AVHD_RESOURCES" in (tree / "__init__.py").read_text(
        encoding="utf-8"
    ):
        return tree
    raise ModuleNotFoundError(
        f"AVHD's resources are not installed (no package {PACKAGE!r}); reinstall AVHD "
        "(pip install .)"
    )


def resource_path(*parts: str) -> Path:
    """``resource_path("models", "yamnet.pt")``: a bundled file or folder."""
    return resource_root().joinpath(*parts)


def demo_folder() -> Path:
    """The bundled demo library (five 20 s excerpts of Big Buck Bunny)."""
    return resource_path("demo")
