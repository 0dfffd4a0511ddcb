"""Why AVHD decodes with PyAV rather than the packages the project brief named: MoviePy for
frames and audio, soundfile for audio (OpenCV's full decode is ``bench/extract.py``'s (c)).

Run: ``python bench/deps.py [--input FILE] [--seconds 60] [--repeat 3]`` (MoviePy and
soundfile must be installed for their rows; they are not AVHD dependencies).

Side by side on the same file, median of ``--repeat`` runs:

(a) the frames extraction needs, one per 2 s clip at its centre, 224x224 RGB: AVHD's sparse
    decode (``core.media.iter_clip_frames``) against MoviePy (``VideoFileClip.get_frame`` at
    the same times, resized by MoviePy's ffmpeg reader, which pipes every frame as RGB);
(b) the audio track as 16 kHz mono: ``core.media.decode_audio`` against MoviePy
    (``AudioFileClip.to_soundarray``) and soundfile (libsndfile: ``soundfile.read``).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

from core import media  # noqa: E402

DEFAULT_INPUT = ROOT.parent / "shared" / "media" / "bbb_full_360p.mp4"


def median_time(fn, repeat: int):
    times, out = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), out


def pyav_frames(path: Path, bounds: np.ndarray) -> int:
    return sum(f.shape[0] for _, f in media.iter_clip_frames(path, bounds, 1, (224, 224)))


def moviepy_frames(path: Path, bounds: np.ndarray) -> int:
    from moviepy import VideoFileClip

    with VideoFileClip(str(path), audio=False, target_resolution=(224, 224)) as clip:
        return sum(clip.get_frame(t).shape[0] > 0 for t in bounds.mean(axis=1))


def moviepy_audio(path: Path) -> int:
    from moviepy import AudioFileClip

    with AudioFileClip(str(path), fps=16000) as clip:
        return clip.to_soundarray().shape[0]


def soundfile_audio(path: Path):
    import soundfile

    try:
        return soundfile.read(str(path))[0].shape[0]
    except Exception as exc:  # noqa: BLE001 - the point of the row
        return f"fails: {type(exc).__name__}: {str(exc)[:70]}"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--input", type=Path, default=DEFAULT_INPUT)
    ap.add_argument("--seconds", type=float, default=60.0)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args(argv)
    from core.ffmpeg import run_ffmpeg

    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "in.mp4"
        if args.input.exists():
            run_ffmpeg(["-y", "-i", str(args.input), "-t", str(args.seconds), "-c", "copy",
                        str(src)])  # fmt: skip
        else:
            src = ROOT / "resources" / "demo" / "bbb_05_trap.mp4"
        info = media.probe(src)
        bounds = media.clip_bounds(info.duration, 2.0)
        name = args.input.name if args.input.exists() else src.name
        print(f"input: {name}, {info.duration:.1f} s, {info.width}x{info.height}; "
              f"{len(bounds)} clips")  # fmt: skip
        rows = [("(a) frames: PyAV sparse decode", lambda: pyav_frames(src, bounds))]
        rows.append(("(a) frames: MoviePy get_frame", lambda: moviepy_frames(src, bounds)))
        rows.append(("(b) audio: PyAV decode_audio", lambda: media.decode_audio(src, 16000).size))
        rows.append(("(b) audio: MoviePy to_soundarray", lambda: moviepy_audio(src)))
        rows.append(("(b) audio: soundfile.read", lambda: soundfile_audio(src)))
        results = {}
        for name, fn in rows:
            try:
                results[name] = median_time(fn, args.repeat)
            except ImportError as exc:
                results[name] = (float("nan"), f"not installed ({exc.name})")
    for name, (t, out) in results.items():
        rate = info.duration / t if isinstance(out, (int, np.integer)) and t > 0 else float("nan")
        note = out if isinstance(out, str) else f"{out} items"
        print(f"{name:<36} {t:7.2f} s  {rate:7.1f} s of video/s  {note}")
    pairs = {"(a) frames": ("sparse decode", "get_frame"),
             "(b) audio": ("decode_audio", "to_soundarray")}  # fmt: skip
    for kind, (ours, theirs) in pairs.items():
        base, other = results[f"{kind}: PyAV {ours}"], results[f"{kind}: MoviePy {theirs}"]
        if isinstance(other[1], (int, np.integer)):
            print(f"{kind}: MoviePy / PyAV time = {other[0] / base[0]:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
