"""Pay UMAP's numba compilation once per machine instead of once per process.

umap-learn compiles about 30 numba functions the first time a process fits (10-20 s on a
2-core CPU), and almost none of them ask numba to cache the machine code (``cache=True``),
so every ``avhd find`` paid it again. :func:`enable` points numba's cache at
``cache_root()/numba`` and rebuilds each lazily compiled umap/pynndescent dispatcher that
has not compiled anything yet with ``cache=True`` and its own options, so the compiled code
is written there once and loaded by later processes. The functions and their options are
unchanged: the results are bit-identical (``tests/core/test_clustering.py`` checks a fit
against an uncached one in a fresh process). Dispatchers numba cannot cache (dynamic
globals) simply compile as before; eager ones (given a signature) were compiled at import.
"""

from __future__ import annotations

import logging
import os
import sys

log = logging.getLogger(__name__)

#: umap/pynndescent modules whose module-level dispatchers get ``cache=True``.
MODULES = (
    "pynndescent.distances",
    "pynndescent.utils",
    "pynndescent.sparse",
    "pynndescent.rp_trees",
    "pynndescent.pynndescent_",
    "umap.distances",
    "umap.sparse",
    "umap.utils",
    "umap.layouts",
    "umap.umap_",
    "umap.spectral",
)
_done = False


def cache_dir() -> str:
    from core.cache import cache_root

    return str(cache_root() / "numba")


def is_warm() -> bool:
    """True when this machine's numba cache already holds compiled umap code."""
    from pathlib import Path

    root = Path(os.environ.get("NUMBA_CACHE_DIR") or cache_dir())
    return any(root.glob("umap_*/*.nbi"))


def enable() -> int:
    """Turn on the persistent cache (idempotent); return how many dispatchers were switched.

    ``AVHD_NUMBA_CACHE=0`` leaves numba as it is (every process compiles again).
    """
    global _done
    if _done or os.environ.get("AVHD_NUMBA_CACHE", "1") == "0":
        return 0
    os.environ.setdefault("NUMBA_CACHE_DIR", cache_dir())
    import importlib

    import numba
    from numba.core.dispatcher import Dispatcher

    numba.config.CACHE_DIR = os.environ["NUMBA_CACHE_DIR"]
    switched = 0
    originals: dict[int, tuple[object, object]] = {}  # id(old) -> (old, new)
    for name in MODULES:
        try:
            module = importlib.import_module(name)
        except ImportError:
            continue
        for attr, value in list(vars(module).items()):
            if not isinstance(value, Dispatcher) or value.signatures:
                continue  # not numba, or compiled eagerly at import
            if value.targetoptions.get("cache") or value._can_compile is False:
                continue
            pair = originals.get(id(value))
            if pair is None:
                opts = dict(value.targetoptions, cache=True)
                opts.pop("nopython", None)  # implied by njit (which warns when it is given)
                pair = originals[id(value)] = (value, numba.njit(**opts)(value.py_func))
                switched += 1
            setattr(module, attr, pair[1])
    _rebind_imported_names(originals)
    _done = True
    log.debug("numba cache in %s: %d umap/pynndescent functions switched", cache_dir(), switched)
    return switched


def _rebind_imported_names(originals: dict[int, tuple[object, object]]) -> None:
    """Names bound to an old dispatcher elsewhere (``from umap.utils import f``, name tables)."""
    for name, module in list(sys.modules.items()):
        if not (name.startswith("umap") or name.startswith("pynndescent")) or module is None:
            continue
        for attr, value in list(vars(module).items()):
            pair = originals.get(id(value))
            if pair is not None and pair[0] is value:
                setattr(module, attr, pair[1])
            elif isinstance(value, dict):  # e.g. umap.distances.named_distances
                for key, item in list(value.items()):
                    pair = originals.get(id(item))
                    if pair is not None and pair[0] is item:
                        value[key] = pair[1]
