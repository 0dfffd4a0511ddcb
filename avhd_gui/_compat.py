"""Work-arounds for binding bugs, applied once when :mod:`avhd_gui` is imported.

PySide6 6.12.0 on Python 3.11 drops a reference to ``None`` on every call of a method
that returns nothing (it assumes the immortal ``None`` of Python 3.12+). After a few
thousand such calls -- a second of painting a plot -- CPython aborts with "none_dealloc:
deallocating None". pyproject.toml keeps pip away from that release on Python < 3.12;
when it is installed anyway, :func:`guard_none_refcount` detects the leak and gives
``None`` a reference count that cannot run out, which is what Python 3.12 does itself.
"""

from __future__ import annotations

import ctypes
import logging
import sys

log = logging.getLogger(__name__)

_applied = False


def binding_leaks_none() -> bool:
    """True when calling a void Qt method lowers the reference count of ``None``."""
    from PySide6.QtGui import QPainterPath

    path = QPainterPath()
    before = sys.getrefcount(None)
    for _ in range(64):
        path.clear()
    return sys.getrefcount(None) < before - 32


def guard_none_refcount() -> bool:
    """Make ``None`` effectively immortal if the Qt binding leaks it; True when applied."""
    global _applied
    if _applied or sys.version_info >= (3, 12):
        return _applied
    if binding_leaks_none():
        # ob_refcnt is the first field of every PyObject in release builds
        ctypes.c_ssize_t.from_address(id(None)).value += 1 << 40
        _applied = True
        log.info("PySide6 leaks references to None on this Python; applied the guard")
    return _applied
