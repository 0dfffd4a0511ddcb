"""Extraction throughput on a local Ray cluster with 1 and 2 workers, side by side.

Run: ``python bench/ray_scale.py [--files 4] [--seconds 60]``.

The library is ``--files`` pieces of ``--seconds`` s each cut (stream copy) from
``../shared/media/bbb_full_360p.mp4`` (said in capitals and replaced by generated videos
when absent). Each row starts a fresh local Ray instance with that many CPUs and runs
:func:`core.ray_extract.extract_library_ray` twice, cache off; the second (warm: workers
have loaded their models) is timed. A local in-process run is printed for reference.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.extract import DEFAULT_INPUT  # noqa: E402
from core.ffmpeg import run_ffmpeg  # noqa: E402


def make_library(folder: Path, files: int, seconds: float) -> str:
    if not DEFAULT_INPUT.exists():
        print(f"NOTE: {DEFAULT_INPUT} IS ABSENT: using GENERATED test videos")
    for i in range(files):
        out = folder / f"part{i}.mp4"
        if DEFAULT_INPUT.exists():
            run_ffmpeg(["-y", "-ss", str(i * seconds), "-i", str(DEFAULT_INPUT), "-t",
                        str(seconds), "-c", "copy", str(out)])  # fmt: skip
        else:
            run_ffmpeg(["-y", "-f", "lavfi", "-i", f"testsrc2=size=640x360:rate=24:duration="
                        f"{seconds}", "-f", "lavfi", "-i", f"sine=frequency={220 * (i + 1)}:"
                        f"duration={seconds}", "-c:v", "libx264", "-preset", "veryfast",
                        "-c:a", "aac", "-shortest", str(out)])  # fmt: skip
    return "bbb_full_360p.mp4 pieces" if DEFAULT_INPUT.exists() else "GENERATED videos"


def main(argv: list[str] | None = None) -> int:
    import ray

    from core.extract import extract_library
    from core.features import get_audio, get_visual
    from core.ray_extract import extract_library_ray

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--files", type=int, default=4)
    ap.add_argument("--seconds", type=float, default=60.0)
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="avhd-ray-") as tmp:
        what = make_library(Path(tmp), args.files, args.seconds)
        total = args.files * args.seconds
        print(f"library: {args.files} x {args.seconds:g} s of {what}; {os.cpu_count()} CPUs, "
              f"load {os.getloadavg()[0]:.1f}")  # fmt: skip
        rows = {}
        visual, audio = get_visual(device="cpu"), get_audio(device="cpu")
        extract_library(tmp, visual, audio, cache=False)
        t0 = time.perf_counter()
        extract_library(tmp, visual, audio, cache=False)
        rows["local, in process"] = time.perf_counter() - t0
        for workers in (1, 2):
            extract_library_ray(tmp, "effnet-lite0", "yamnet", num_workers=workers, cache=False)
            t0 = time.perf_counter()
            extract_library_ray(tmp, "effnet-lite0", "yamnet", num_workers=workers, cache=False)
            rows[f"ray, {workers} worker(s)"] = time.perf_counter() - t0
            ray.shutdown()
    print(f"{'run':<22} {'wall s':>7} {'video s / wall s':>17}")
    for name, wall in rows.items():
        print(f"{name:<22} {wall:7.2f} {total / wall:17.1f}")
    print(f"2 workers / 1 worker = {rows['ray, 1 worker(s)'] / rows['ray, 2 worker(s)']:.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
