"""Peak memory and time of clustering + pseudo-highlights + selection on a huge library.

Run: ``python bench/scale_memory.py [--clips 2000000] [--clips-per-video 300] [--dir DIR]``.

Writes a synthetic feature cache (no video): ``--clips`` clips of 1280 visual + 1024 audio
features in ``ClipFeatures`` ``.npz`` files of ``--clips-per-video`` clips each, as the
feature cache stores them but in float16 (``--dtype``; AVHD's own cache stays float32) to
halve the disk space. Each video draws from one of 12 kinds (its own mean feature) plus
noise, so clustering has something to find. Then, in a fresh child process whose peak RSS
is read from ``resource.getrusage``, :func:`core.streaming.stream_library` reads them twice
(per-video summaries, UMAP + K-means, category centres; then scores, labels and segments).
For comparison it prints what the in-memory path would hold: every clip's float32 features.
Target: peak RSS < 8 GB for 2 million clips.
"""

from __future__ import annotations

import argparse
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

CHILD = r"""
import json, resource, sys, time
sys.path.insert(0, sys.argv[1])
from pathlib import Path
from core.streaming import stream_library
entries = sorted(Path(sys.argv[2]).glob("*.npz"))
t0 = time.perf_counter()
res = stream_library(entries)
wall = time.perf_counter() - t0
rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024
n = sum(len(a) for a in res.av_ph)
print("RESULT", json.dumps({"wall": wall, "rss": rss, "umap_child_rss": kids, "clips": n,
      "k": res.categories.k, "videos": len(entries)}))
"""


def write_library(folder: Path, clips: int, per_video: int, dtype: str, seed: int = 0) -> int:
    rng = np.random.default_rng(seed)
    kinds = np.abs(rng.normal(size=(12, 1280 + 1024))).astype(np.float32)
    noise = rng.standard_normal((per_video * 4, 1280 + 1024)).astype(np.float32) * 0.5
    n_videos = 0
    left = clips
    while left > 0:
        n = min(per_video, left)
        start = int(rng.integers(0, len(noise) - n))
        x = np.maximum(kinds[n_videos % 12] + noise[start : start + n], 0).astype(dtype)
        bounds = np.stack([np.arange(n) * 2.0, np.arange(n) * 2.0 + 2.0], axis=1)
        f = ClipFeatures(path=f"v{n_videos}.mp4", content_key=str(n_videos), clip_seconds=2.0,
                         bounds=bounds, visual=x[:, :1280], audio=x[:, 1280:],
                         visual_extractor="effnet-lite0", audio_extractor="yamnet")  # fmt: skip
        _save(f, folder / f"{n_videos:07d}.npz", dtype)
        n_videos += 1
        left -= n
    return n_videos


def _save(f: ClipFeatures, path: Path, dtype: str) -> None:
    import json

    meta = {k: getattr(f, k) for k in ("path", "content_key", "clip_seconds",
                                        "visual_extractor", "audio_extractor", "audio_missing")}
    with open(path, "wb") as fh:
        np.savez(fh, bounds=f.bounds, visual=f.visual.astype(dtype), audio=f.audio.astype(dtype),
                 meta=np.array(json.dumps(meta)))  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    import json

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--clips", type=int, default=2_000_000)
    ap.add_argument("--clips-per-video", type=int, default=300)
    ap.add_argument("--dtype", default="float16", choices=["float16", "float32"])
    ap.add_argument("--dir", type=Path, help="where to write the cache (default: a temp dir)")
    args = ap.parse_args(argv)
    base = Path(tempfile.mkdtemp(prefix="avhd-scale-", dir=args.dir))
    try:
        t0 = time.perf_counter()
        n_videos = write_library(base, args.clips, args.clips_per_video, args.dtype)
        size = sum(p.stat().st_size for p in base.glob("*.npz"))
        print(f"synthetic cache: {args.clips:,} clips in {n_videos:,} videos, {args.dtype}, "
              f"{size / 1e9:.1f} GB on disk, written in {time.perf_counter() - t0:.0f} s")
        in_memory = args.clips * (1280 + 1024) * 4
        print(f"the in-memory path would hold {in_memory / 1e9:.1f} GB of float32 features")
        env = dict(os.environ, PYTHONPATH=str(ROOT))
        proc = subprocess.run([sys.executable, "-c", CHILD, str(ROOT), str(base)], env=env,
                              capture_output=True, text=True, check=False)  # fmt: skip
        line = [x for x in proc.stdout.splitlines() if x.startswith("RESULT ")]
        if proc.returncode != 0 or not line:
            raise SystemExit(f"streamed run failed:\n{proc.stderr[-3000:]}")
        r = json.loads(line[0][7:])
        print(f"streamed clustering + pseudo-highlights + selection: {r['wall']:.1f} s, "
              f"peak RSS {r['rss'] / 1e9:.2f} GB (UMAP child {r['umap_child_rss'] / 1e9:.2f} GB)"
              f", {r['clips']:,} clips scored, K={r['k']}; {os.cpu_count()} CPUs, load "
              f"{os.getloadavg()[0]:.1f}")  # fmt: skip
        print(f"peak RSS / in-memory features = {r['rss'] / in_memory:.3f}; target < 8 GB: "
              f"{'met' if r['rss'] < 8e9 else 'NOT met'}")  # fmt: skip
    finally:
        shutil.rmtree(base, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
