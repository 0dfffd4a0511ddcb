"""``import avhd``: the library API under the project's own name.

The engine's package is ``core`` (the repository's layout and every import use it); this
package is the documented entry point, ``avhd.find_highlights(...)`` and the rest of
:mod:`core.api`, loaded on first use so that ``import avhd`` stays light.
"""

from core import _API
from core._version import __version__

__all__ = ["__version__", *_API]


def __getattr__(name: str):
    if name in _API:
        import core.api

        return getattr(core.api, name)
    raise AttributeError(f"module 'avhd' has no attribute {name!r}")
