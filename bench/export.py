"""Benchmark reel rendering against a plain ffmpeg re-encode of the same total duration.

    python bench/export.py [--source VIDEO] [--segments 8] [--seconds 4] [--repeat 1]

Uses ../shared/media/bbb_full_360p.mp4 when present, else a generated 120 s test clip.
Prints wall times and the ratios reel/plain and fast/plain (lower is faster); the plain
re-encode uses the reel's codec settings (libx264 veryfast crf 20, AAC 192k 48 kHz stereo).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from core.export import ReelEntry, ReelPlan, ReelSettings, write  # noqa: E402
from core.export._media import probe_source  # noqa: E402
from core.ffmpeg import run_ffmpeg  # noqa: E402

SHARED = ROOT.parent / "shared" / "media" / "bbb_full_360p.mp4"


def _generated(folder: Path) -> Path:
    out = folder / "bench_src.mp4"
    run_ffmpeg(
        [
            "-y",
            "-f",
            "lavfi",
            "-i",
            "testsrc2=s=640x360:r=24:d=120",
            "-f",
            "lavfi",
            "-i",
            "sine=f=440:d=120:sample_rate=44100",
            "-c:v",
            "libx264",
            "-preset",
            "veryfast",
            "-g",
            "240",
            "-c:a",
            "aac",
            str(out),
        ]
    )
    return out


def _best(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--source", type=Path, default=None)
    ap.add_argument("--segments", type=int, default=8)
    ap.add_argument("--seconds", type=float, default=4.0)
    ap.add_argument("--repeat", type=int, default=1)
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="avhd-bench-export-") as td:
        tmp = Path(td)
        src = args.source or (SHARED if SHARED.exists() else _generated(tmp))
        info = probe_source(str(src))
        n, seg = args.segments, args.seconds
        gap = (info.duration - 10 - seg) / max(1, n - 1)
        entries = [ReelEntry(str(src), 5 + k * gap, 5 + k * gap + seg) for k in range(n)]
        total = n * seg
        s = ReelSettings()
        print(
            f"source: {src.name} ({info.width}x{info.height} @ {float(info.fps):g} fps, "
            f"{info.duration:.0f} s); reel: {n} segments x {seg:g} s = {total:g} s"
        )

        def plain() -> None:
            run_ffmpeg(
                [
                    "-y",
                    "-ss",
                    f"{entries[0].start:.3f}",
                    "-t",
                    f"{total:.3f}",
                    "-i",
                    str(src),
                    "-c:v",
                    s.video_codec,
                    "-preset",
                    s.preset,
                    "-crf",
                    str(s.crf),
                    "-pix_fmt",
                    "yuv420p",
                    "-c:a",
                    "aac",
                    "-b:a",
                    s.audio_bitrate,
                    "-ar",
                    "48000",
                    "-ac",
                    "2",
                    "-movflags",
                    "+faststart",
                    str(tmp / "plain.mp4"),
                ]
            )

        reports = {}

        def reel(name: str, **kw) -> None:
            plan = ReelPlan(entries, ReelSettings(**kw))
            reports[name] = write(plan, "mp4", tmp / f"{name}.mp4").report

        t_plain = _best(plain, args.repeat)
        t_reel = _best(lambda: reel("reel"), args.repeat)
        t_batch = _best(lambda: reel("batched", batch_size=3), args.repeat)
        t_xfade = _best(lambda: reel("xfade", crossfade=0.5), args.repeat)
        t_fast = _best(lambda: reel("fast", fast=True), args.repeat)
        print(f"{'plain ffmpeg re-encode':<35}{t_plain:7.2f} s   1.00x")
        rows = [
            ("reel (one run)", "reel", t_reel),
            ("reel (batches of 3)", "batched", t_batch),
            ("reel + 0.5 s crossfades", "xfade", t_xfade),
            ("fast mode (stream copy)", "fast", t_fast),
        ]
        for label, key, t in rows:
            rep = reports[key]
            moved = f", cuts moved <= {rep.max_shift:.2f} s" if rep.approximate else ""
            print(
                f"{label:<35}{t:7.2f} s   {t / t_plain:4.2f}x   "
                f"out {rep.duration:6.2f} s (want {rep.expected_duration:6.2f}) "
                f"{'ok' if rep.ok else 'CHECK'}{moved}"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
