"""Feature-extraction throughput: seconds of video processed per wall-clock second.

Run: ``python bench/extract.py [--input FILE] [--seconds 120] [--repeat 3]``.

The input is the first ``--seconds`` of ``../shared/media/bbb_full_360p.mp4`` when present
(stream-copied to a temporary file), else a generated 640x360 test video. Three runs:

(a) full extraction (``core.extract.extract_file``, cache off) with the default extractors
    (EfficientNet-Lite0 + YAMNet), loading time excluded;
(b) decoding only what extraction needs: the sampled frames at 224x224 RGB (``b_video``)
    and, at the same time in a second thread as extraction does, the 16 kHz mono audio;
(c) a naive baseline: OpenCV decodes every frame to BGR and keeps (resizes) the needed ones;
(d) the two models alone on already-decoded frames and audio: a/d near 1 means decoding is
    hidden behind inference.

Each is repeated ``--repeat`` times; the median wall-clock time is used. Process CPU time
(all threads) is printed as well, since a busy shared machine inflates wall time. On a busy
machine torch's intra-op threads stall each other; ``--torch-threads 1`` shows that case.
Targets on a 2-core CPU: a/b >= 0.6 and b_video/c >= 1.5.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

from core import media  # noqa: E402
from core.ffmpeg import run_ffmpeg  # noqa: E402

DEFAULT_INPUT = ROOT.parent / "shared" / "media" / "bbb_full_360p.mp4"


def prepare_input(src: Path | None, seconds: float, tmp: Path) -> tuple[Path, str]:
    """A file holding the first ``seconds`` of ``src`` (or a generated one)."""
    out = tmp / "bench.mp4"
    if src is not None and src.exists():
        run_ffmpeg(["-y", "-i", str(src), "-t", str(seconds), "-map", "0:v:0", "-map", "0:a:0?",
                    "-c", "copy", str(out)])  # fmt: skip
        return out, f"{src.name}, first {seconds:g} s"
    run_ffmpeg([
        "-y", "-f", "lavfi", "-i", f"testsrc2=size=640x360:rate=24:duration={seconds}",
        "-f", "lavfi", "-i", f"sine=frequency=440:sample_rate=44100:duration={seconds}",
        "-c:v", "libx264", "-preset", "veryfast", "-c:a", "aac", "-shortest", str(out),
    ])  # fmt: skip
    return out, f"generated testsrc2 640x360 24 fps, {seconds:g} s"


def timed(fn, repeat: int) -> tuple[float, float, object]:
    """Median wall seconds, median process-CPU seconds, last result."""
    walls, cpus, result = [], [], None
    for _ in range(repeat):
        t0, c0 = time.perf_counter(), time.process_time()
        result = fn()
        walls.append(time.perf_counter() - t0)
        cpus.append(time.process_time() - c0)
    return statistics.median(walls), statistics.median(cpus), result


def decode_video(path: Path, bounds: np.ndarray, stats: dict | None = None) -> int:
    n = 0
    for _, frames in media.iter_clip_frames(path, bounds, 1, (224, 224), stats=stats):
        n += frames.shape[0]
    return n


def decode_both(path: Path, bounds: np.ndarray, rate: int) -> int:
    box: dict = {}
    t = threading.Thread(target=lambda: box.setdefault("wave", media.decode_audio(path, rate)))
    t.start()
    n = decode_video(path, bounds)
    t.join()
    return n + int(box["wave"].size > 0)


def opencv_baseline(path: Path, bounds: np.ndarray) -> int:
    import cv2

    cap = cv2.VideoCapture(str(path))
    fps = cap.get(cv2.CAP_PROP_FPS) or 25.0
    wanted = set(np.round(media.clip_sample_times(bounds, 1).ravel() * fps).astype(int))
    kept, i = [], 0
    while True:
        ok, frame = cap.read()
        if not ok:
            break
        if i in wanted:
            small = cv2.resize(frame, (224, 224), interpolation=cv2.INTER_AREA)
            kept.append(cv2.cvtColor(small, cv2.COLOR_BGR2RGB))
        i += 1
    cap.release()
    return len(kept)


def _without_signals(extract_file, path, visual, audio):
    """(a) with the per-clip signals (core.signals) replaced by no-ops: their cost."""
    from core import extract

    class NoMotion:
        def update(self, frames):
            return np.zeros(frames.shape[0], np.float32)

    saved = extract.MotionMeter, extract.loudness_db
    extract.MotionMeter, extract.loudness_db = NoMotion, lambda w, r, b: np.zeros(len(b))
    try:
        return extract_file(path, visual, audio, cache=False)
    finally:
        extract.MotionMeter, extract.loudness_db = saved


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--input", type=Path, default=DEFAULT_INPUT)
    ap.add_argument("--seconds", type=float, default=120.0)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--skip-full", action="store_true", help="skip (a), the model run")
    ap.add_argument("--torch-threads", type=int, help="torch.set_num_threads (default: torch's)")
    args = ap.parse_args(argv)

    import torch

    if args.torch_threads:
        torch.set_num_threads(args.torch_threads)

    with tempfile.TemporaryDirectory(prefix="avhd-bench-") as tmp:
        path, what = prepare_input(args.input, args.seconds, Path(tmp))
        info = media.probe(path)
        bounds = media.clip_bounds(info.duration, 2.0)
        secs = info.duration
        print(f"input: {what} ({info.width}x{info.height} {info.video_codec}, "
              f"{info.fps:g} fps, {secs:.1f} s, {len(bounds)} clips of 2 s)")  # fmt: skip
        print(f"torch {torch.__version__}, {torch.get_num_threads()} threads; "
              f"median of {args.repeat} runs")  # fmt: skip
        rows = {}

        if not args.skip_full:
            from core.extract import extract_file
            from core.features import get_audio, get_visual

            t0 = time.perf_counter()
            visual, audio = get_visual(device=args.device), get_audio(device=args.device)
            print(f"extractors {visual.NAME} + {audio.NAME} loaded in "
                  f"{time.perf_counter() - t0:.1f} s (not counted)")  # fmt: skip
            extract_file(path, visual, audio, cache=False)  # warm-up (first-call overheads)
            rows["a"] = timed(lambda: extract_file(path, visual, audio, cache=False), args.repeat)
            rows["a0"] = timed(lambda: _without_signals(extract_file, path, visual, audio),
                               args.repeat)  # fmt: skip
            rate = audio.sample_rate
            frames = media.decode_clip_frames(path, bounds, 1, visual.input_size)[:, 0]
            wave = media.decode_audio(path, rate)

            def models_only() -> int:
                visual.embed_frames(frames)
                audio.embed_clips(wave, bounds)
                return len(frames)

            rows["d"] = timed(models_only, args.repeat)
        else:
            rate = 16000

        stats: dict = {}
        rows["b_video"] = timed(lambda: decode_video(path, bounds, stats), args.repeat)
        rows["b"] = timed(lambda: decode_both(path, bounds, rate), args.repeat)
        rows["c"] = timed(lambda: opencv_baseline(path, bounds), args.repeat)

        labels = {
            "a": "(a) full extraction",
            "a0": "(a0) (a) without motion/loudness",
            "b_video": "(b) decode sampled frames only",
            "b": "(b) decode frames + audio",
            "c": "(c) OpenCV, every frame to BGR",
            "d": "(d) models only (decoded input)",
        }
        print(f"{'run':<34} {'wall s':>7} {'cpu s':>7} {'video s / wall s':>17}")
        for key, (wall, cpu, _) in rows.items():
            print(f"{labels[key]:<34} {wall:7.2f} {cpu:7.2f} {secs / wall:17.1f}")
        print(f"frames decoded by (b): {stats.get('frames')} of about {int(secs * info.fps)}; "
              f"packets never decoded: {stats.get('skipped_packets')}")  # fmt: skip

        def ratio(x: str, y: str) -> str:
            wall = rows[y][0] / rows[x][0]
            cpu = rows[y][1] / rows[x][1]
            return f"{wall:.2f} (CPU time: {cpu:.2f})"

        if "a" in rows:
            print(f"a/b       = {ratio('a', 'b')}   target >= 0.6")
            print(f"a/d       = {ratio('a', 'd')}   (1.0: decoding fully hidden behind the models)")
            print(f"a/a0      = {ratio('a', 'a0')}   target >= 0.87 (signals cost <= 15 %)")
        print(f"b_video/c = {ratio('b_video', 'c')}   target >= 1.5")
        print(f"b/c       = {ratio('b', 'c')}   (b also decodes audio, c does not)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
