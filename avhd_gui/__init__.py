"""AVHD desktop highlight editor (Qt front end over :mod:`core`)."""

from avhd_gui._compat import guard_none_refcount
from core._version import __version__

guard_none_refcount()

__all__ = ["__version__"]
