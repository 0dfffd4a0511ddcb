"""Clustering that stops on cancel, and UMAP's compiled code paid once per machine."""

from __future__ import annotations

import json
import multiprocessing
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from core.clustering import _reduce, fit_categories, reduce_cancellable
from core.errors import Cancelled
from core.progress import CancelToken

ROOT = Path(__file__).resolve().parents[2]


def _blobs(k: int, per: int, dim: int = 40, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(k, dim)) * 5
    return np.concatenate([c + rng.normal(size=(per, dim)) * 0.3 for c in centres])


class CancelAfter(CancelToken):
    """A token that cancels itself at its ``n``-th check, counting the checks."""

    def __init__(self, n: int) -> None:
        super().__init__()
        self.n, self.checks = n, 0

    def check(self) -> None:
        self.checks += 1
        if self.checks >= self.n:
            self.cancel()
        super().check()


def test_cancel_is_checked_between_k_values(monkeypatch):
    from core import numba_cache

    monkeypatch.setattr(numba_cache, "is_warm", lambda: True)  # UMAP inline, as when warm
    x = _blobs(4, 6, seed=1)
    token = CancelAfter(3)  # before UMAP, K=2, then K=3 raises
    with pytest.raises(Cancelled):
        fit_categories(x, 2, 15, seed=0, cancel=token)
    assert token.checks == 3
    full = fit_categories(x, 2, 15, seed=0, cancel=CancelToken())
    assert full.k == 4 and len(full.silhouettes) == 14


def test_umap_in_a_child_process_equals_inline_and_stops_on_cancel():
    x = _blobs(3, 5, seed=2)
    np.testing.assert_array_equal(reduce_cancellable(x, 4, 0), _reduce(x, 4, 0))
    token = CancelToken()
    threading.Timer(0.3, token.cancel).start()
    t0 = time.perf_counter()
    with pytest.raises(Cancelled):
        reduce_cancellable(x, 4, 0, token)
    assert time.perf_counter() - t0 < 1.5  # the child is still importing umap at 0.3 s
    assert not multiprocessing.active_children()


_FIT = r"""
import json, sys, time
import numpy as np
from core import numba_cache
numba_cache.enable()  # imports umap: its eagerly typed functions compile here, every time
from numba.core import event
compiled = []
class Count(event.Listener):
    def on_start(self, ev):
        d = ev.data["dispatcher"]
        if d.py_func.__module__.startswith(("umap", "pynndescent")):
            compiled.append(d.py_func.__qualname__)
    def on_end(self, ev):
        pass
event.register("numba:compile", Count())
from core.clustering import fit_categories
x = np.random.default_rng(0).standard_normal((8, 64))
c = fit_categories(x, seed=0)
print("RESULT", json.dumps({"emb": c.embedding.tolist(), "compiled": compiled}))
"""


def _fit_in_fresh_process(env: dict) -> dict:
    proc = subprocess.run([sys.executable, "-c", _FIT], env=env, capture_output=True, text=True,
                          timeout=600, check=False)  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-2000:]
    line = next(x for x in proc.stdout.splitlines() if x.startswith("RESULT "))
    return json.loads(line[7:])


@pytest.mark.slow
def test_second_process_loads_umap_code_from_the_cache_with_equal_results(tmp_path):
    env = dict(os.environ, AVHD_CACHE_DIR=str(tmp_path), PYTHONPATH=str(ROOT))
    env.pop("NUMBA_CACHE_DIR", None)
    first = _fit_in_fresh_process(env)
    assert {"fast_knn_indices", "smooth_knn_dist"} <= set(first["compiled"])  # compiled...
    assert list((tmp_path / "numba").rglob("*.nbi"))
    second = _fit_in_fresh_process(env)
    assert second["compiled"] == []  # ...and a later process loads them all from the cache
    assert second["emb"] == first["emb"]


def test_first_fit_on_a_cold_cache_is_cancelled_within_a_second(monkeypatch):
    """The first fit compiles UMAP for 10-40 s: it runs where cancel can stop it."""
    import core.clustering as clustering
    from core import numba_cache

    monkeypatch.delenv("NUMBA_CACHE_DIR", raising=False)
    assert not numba_cache.is_warm()
    calls = []
    real = clustering.reduce_cancellable
    monkeypatch.setattr(clustering, "reduce_cancellable",
                        lambda *a, **k: calls.append(1) or real(*a, **k))  # fmt: skip
    token = CancelToken()
    threading.Timer(0.5, token.cancel).start()
    t0 = time.perf_counter()
    with pytest.raises(Cancelled):
        fit_categories(_blobs(3, 5, seed=4), seed=0, cancel=token)
    assert time.perf_counter() - t0 < 1.5
    assert not multiprocessing.active_children()
    assert calls == [1]  # UMAP ran in the child process
