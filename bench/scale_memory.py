"""Peak memory and time of ``find``'s clustering + pseudo-highlights + selection on a huge library.

Run: ``python bench/scale_memory.py [--clips 2000000] [--clips-per-video 300] [--dir DIR]
[--dtypes float16,float32] [--in-memory]``.

Writes a synthetic feature cache (no video): ``--clips`` clips of 1280 visual + 1024 audio
features in ``ClipFeatures`` entries of ``--clips-per-video`` clips each, laid out as
:class:`core.cache.FeatureCache` keeps them, once per ``--dtypes`` entry (float16 is what the
cache writes, :data:`core.cache.STORE_DTYPE`; float32 is an entry of an earlier version).
Each video draws from one of 12 kinds (its own mean feature) plus noise, so clustering has
something to find. Then, in a fresh child process whose peak RSS is read from
``resource.getrusage``, the code ``avhd find`` runs on a warm cache: each entry served as a
cache hit (``FeatureCache.get``, then :func:`core.streaming.in_cache`, what
``core.extract.extract_library(in_memory=False)`` does per file) and
:func:`core.pipeline.analyse` with the default :class:`core.pipeline.FindConfig` (cues
only, no network). ``--in-memory`` also runs the previous way, every clip's features held
(``FeatureCache.get`` kept), side by side; use it on a library that fits in memory.
Target: peak RSS < 8 GB for 2 million clips.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

from core.artifacts import ClipFeatures  # noqa: E402
from core.cache import FeatureCache  # noqa: E402

CHILD = r"""
import json, resource, sys, time
sys.path.insert(0, sys.argv[1])
from core.cache import FeatureCache
from core.pipeline import FindConfig, analyse
from core.streaming import in_cache
cache, streamed = FeatureCache(sys.argv[2]), sys.argv[3] == "streamed"
keys = sorted(p.stem for p in cache.root.glob("*/*.npz"))
t0 = time.perf_counter()
feats = []
for key in keys:  # a warm find: every file a cache hit
    f = cache.get(key)
    feats.append(in_cache(f, cache.entry_path(key)) if streamed else f)
t1 = time.perf_counter()
hls, _, cats, _ = analyse(feats, FindConfig())
t2 = time.perf_counter()
rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024
print("RESULT", json.dumps({"hits": t1 - t0, "analyse": t2 - t1, "rss": rss, "kids": kids,
      "clips": sum(h.n_clips for h in hls), "k": cats.k, "videos": len(keys),
      "segments": sum(len(h.segments) for h in hls), "cues": sorted(hls[0].cues)}))
"""


def write_library(cache: FeatureCache, clips: int, per_video: int, dtype: str, seed=0) -> int:
    """The synthetic library as cache entries of ``dtype`` features; returns the video count."""
    rng = np.random.default_rng(seed)
    kinds = np.abs(rng.normal(size=(12, 1280 + 1024))).astype(np.float32)
    noise = rng.standard_normal((per_video * 4, 1280 + 1024)).astype(np.float32) * 0.5
    n_videos, left = 0, clips
    while left > 0:
        n = min(per_video, left)
        start = int(rng.integers(0, len(noise) - n))
        x = np.maximum(kinds[n_videos % 12] + noise[start : start + n], 0)
        bounds = np.stack([np.arange(n) * 2.0, np.arange(n) * 2.0 + 2.0], axis=1)
        f = ClipFeatures(path=f"v{n_videos}.mp4", content_key=str(n_videos), clip_seconds=2.0,
                         bounds=bounds, visual=x[:, :1280], audio=x[:, 1280:],
                         visual_extractor="effnet-lite0", audio_extractor="yamnet")  # fmt: skip
        f.save_npz(cache.entry_path(f"{n_videos:064x}"), dtype=np.dtype(dtype))
        n_videos += 1
        left -= n
    return n_videos


def run_child(cache: FeatureCache, mode: str) -> dict:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    proc = subprocess.run([sys.executable, "-c", CHILD, str(ROOT), str(cache.root), mode],
                          env=env, capture_output=True, text=True, check=False)  # fmt: skip
    line = [x for x in proc.stdout.splitlines() if x.startswith("RESULT ")]
    if proc.returncode != 0 or not line:
        raise SystemExit(f"{mode} run failed:\n{proc.stderr[-3000:]}")
    return json.loads(line[0][7:])


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--clips", type=int, default=2_000_000)
    ap.add_argument("--clips-per-video", type=int, default=300)
    ap.add_argument("--dtypes", default="float16", help="comma-separated: float16,float32")
    ap.add_argument("--in-memory", action="store_true", help="also run with features held")
    ap.add_argument("--dir", type=Path, help="where to write the cache (default: a temp dir)")
    args = ap.parse_args(argv)
    in_memory = args.clips * (1280 + 1024) * 4
    print(f"{args.clips:,} clips, {args.clips_per_video} per video; {os.cpu_count()} CPUs, "
          f"load {os.getloadavg()[0]:.1f}; all features as float32 would be "
          f"{in_memory / 1e9:.2f} GB")  # fmt: skip
    print(f"{'entries':<8} {'mode':<9} {'disk GB':>8} {'hits s':>7} {'find s':>7} "
          f"{'peak RSS GB':>11} {'UMAP child GB':>13} {'RSS/features':>12}")  # fmt: skip
    streamed = None
    for dtype in args.dtypes.split(","):
        base = Path(tempfile.mkdtemp(prefix="avhd-scale-", dir=args.dir))
        try:
            cache = FeatureCache(base)
            write_library(cache, args.clips, args.clips_per_video, dtype)
            disk = cache.info().bytes
            for mode in ["streamed"] + (["in-memory"] if args.in_memory else []):
                r = run_child(cache, mode)
                streamed = r if mode == "streamed" else streamed
                print(f"{dtype:<8} {mode:<9} {disk / 1e9:8.2f} {r['hits']:7.1f} "
                      f"{r['analyse']:7.1f} {r['rss'] / 1e9:11.2f} {r['kids'] / 1e9:13.2f} "
                      f"{r['rss'] / in_memory:12.3f}", flush=True)  # fmt: skip
        finally:
            shutil.rmtree(base, ignore_errors=True)
    r = streamed
    print(f"streamed ({dtype}): {r['videos']:,} videos, {r['clips']:,} clips scored, "
          f"K={r['k']}, {r['segments']:,} segments; curves: {', '.join(r['cues'])}")  # fmt: skip
    print(f"target peak RSS < 8 GB (streamed, {dtype}): "
          f"{'met' if r['rss'] < 8e9 else 'NOT met'}")  # fmt: skip
    return 0


if __name__ == "__main__":
    t0 = time.perf_counter()
    code = main()
    print(f"bench wall {time.perf_counter() - t0:.0f} s")
    sys.exit(code)
