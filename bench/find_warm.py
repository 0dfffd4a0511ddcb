"""A warm ``avhd find`` (features already cached) against a previous checkout, side by side.

Run: ``python bench/find_warm.py --prev /tmp/avhd-prev [--folder ../shared/media] [--repeat 2]``
(the previous release: ``git -C REPO worktree add /tmp/avhd-prev 4e10dab``).

Each run is a whole ``python -m core.cli find FOLDER --out TMP`` process (what a user or the
app's first Find pays: imports, UMAP, training, scoring, writing results), with
``PYTHONPATH`` pointing at this checkout or at ``--prev``. Both share one fresh
``AVHD_CACHE_DIR``, filled by one untimed run of each first (features, and this code's
compiled UMAP code), so that only the warm path is timed. ``--direct`` runs are timed too.
Target: new / prev <= 0.5.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_FOLDER = ROOT.parent / "shared" / "media"


def run_find(code: Path, folder: Path, cache: Path, extra: list[str]) -> float:
    """Wall seconds of one ``find`` process run with the code under ``code``."""
    env = dict(os.environ, PYTHONPATH=str(code), AVHD_CACHE_DIR=str(cache))
    env.pop("NUMBA_CACHE_DIR", None)
    with tempfile.TemporaryDirectory(prefix="avhd-find-") as out:
        cmd = [sys.executable, "-m", "core.cli", "find", str(folder), "--out", out, *extra]
        t0 = time.perf_counter()
        proc = subprocess.run(cmd, env=env, cwd=code, capture_output=True, text=True, check=False)
        wall = time.perf_counter() - t0
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} with {code} failed:\n{proc.stderr[-2000:]}")
    return wall


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--prev", type=Path, required=True, help="checkout of the previous release")
    ap.add_argument("--folder", type=Path, default=DEFAULT_FOLDER)
    ap.add_argument("--repeat", type=int, default=2)
    args = ap.parse_args(argv)
    if not args.folder.is_dir():
        raise SystemExit(f"{args.folder} is absent: this benchmark needs the real clips")
    videos = sorted(p.name for p in args.folder.iterdir() if p.suffix != ".md")
    print(f"folder: {args.folder} ({len(videos)} files); {os.cpu_count()} CPUs; "
          f"load average {os.getloadavg()[0]:.2f}; median of {args.repeat} runs")  # fmt: skip
    codes = {"new": ROOT, "prev": args.prev.resolve()}
    with tempfile.TemporaryDirectory(prefix="avhd-cache-") as cache:
        for name, code in codes.items():  # fill the caches (new first: it extracts faster)
            t = run_find(code, args.folder, Path(cache), ["--direct"])
            print(f"cold-cache run of {name}: {t:.1f} s (not counted)")
        rows = {}
        for label, extra in (("find", []), ("find --direct", ["--direct"])):
            for name, code in codes.items():
                walls = [run_find(code, args.folder, Path(cache), extra)
                         for _ in range(args.repeat)]  # fmt: skip
                rows[(label, name)] = statistics.median(walls)
    print(f"{'run':<16} {'new s':>7} {'prev s':>7} {'new/prev':>9}")
    for label in ("find", "find --direct"):
        new, prev = rows[(label, "new")], rows[(label, "prev")]
        print(f"{label:<16} {new:7.2f} {prev:7.2f} {new / prev:9.2f}")
    print("target: find new/prev <= 0.5")
    return 0


if __name__ == "__main__":
    sys.exit(main())
