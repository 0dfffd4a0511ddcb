"""Feature-extraction throughput: seconds of video processed per wall-clock second.

Run: ``python bench/extract.py [--input FILE] [--seconds 0] [--repeat 1] [--prev DIR]``.

The input is ``../shared/media/bbb_full_360p.mp4`` (the whole 596 s film with the default
``--seconds 0``; a positive value stream-copies its first seconds). When that file is absent
the run says so in capitals and uses a generated 640x360 test video, labelled as such. Rows,
side by side in one run:

(a) full extraction (``core.extract.extract_file``, cache off, default extractors
    EfficientNet-Lite0 + YAMNet), each variant in its own fresh process, loading excluded:
    ``new`` = this code's default (onnxruntime, 1 intra-op thread, audio beside the video),
    ``torch`` = this code with ``backend="torch"`` (torch's default threads), and
    ``prev`` = the checkout given by ``--prev`` (e.g. the previous release) when given;
(b) decoding only what extraction needs: the sampled frames at 224x224 RGB (``b_video``)
    and, at the same time in a second thread as extraction does, the 16 kHz mono audio:
    the decode-only floor;
(c) a naive baseline: OpenCV decodes every frame to BGR and keeps (resizes) the needed ones;
(s) PySceneDetect's ``ContentDetector`` (``scenedetect.detect``) on the same file.

Each is repeated ``--repeat`` times; the median wall-clock time is used. Process CPU time
(all threads) is printed as well, since a busy shared machine inflates wall time.
Targets on a 2-core CPU: new/b >= 0.5 and new/s >= 1.0.
"""

from __future__ import annotations

import argparse
import os
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
    """``src`` (or its first ``seconds``), or a generated video when ``src`` is absent."""
    out = tmp / "bench.mp4"
    if src is not None and src.exists():
        if seconds <= 0:
            return src, f"{src.name}, whole file"
        run_ffmpeg(["-y", "-i", str(src), "-t", str(seconds), "-map", "0:v:0", "-map", "0:a:0?",
                    "-c", "copy", str(out)])  # fmt: skip
        return out, f"{src.name}, first {seconds:g} s"
    seconds = seconds if seconds > 0 else 120.0
    print(f"NOTE: {src} IS ABSENT: using a GENERATED test video instead; these numbers are "
          "not comparable with the film's")  # fmt: skip
    run_ffmpeg([
        "-y", "-f", "lavfi", "-i", f"testsrc2=size=640x360:rate=24:duration={seconds}",
        "-f", "lavfi", "-i", f"sine=frequency=440:sample_rate=44100:duration={seconds}",
        "-c:v", "libx264", "-preset", "veryfast", "-c:a", "aac", "-shortest", str(out),
    ])  # fmt: skip
    return out, f"GENERATED testsrc2 640x360 24 fps, {seconds:g} s (not the film)"


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


FULL_RUN = r"""
import json, sys, time
sys.path.insert(0, sys.argv[1])
from core.extract import extract_file
from core.features import get_audio, get_visual
kw = json.loads(sys.argv[4])
visual, audio = get_visual(device="cpu", **kw), get_audio(device="cpu", **kw)
extract_file(sys.argv[2], visual, audio, cache=False)  # warm-up (first-call overheads)
out = []
for _ in range(int(sys.argv[3])):
    t0, c0 = time.perf_counter(), time.process_time()
    f = extract_file(sys.argv[2], visual, audio, cache=False)
    out.append((time.perf_counter() - t0, time.process_time() - c0))
print("RESULT", json.dumps(out))
"""


def full_extraction(code: Path, path: Path, repeat: int, kwargs: dict) -> tuple[float, float]:
    """Median (wall, cpu) of ``extract_file`` run by the code under ``code``, in a new process."""
    import json
    import os
    import subprocess

    env = dict(os.environ, PYTHONPATH=str(code))
    proc = subprocess.run(
        [sys.executable, "-c", FULL_RUN, str(code), str(path), str(repeat), json.dumps(kwargs)],
        env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    line = [x for x in proc.stdout.splitlines() if x.startswith("RESULT ")]
    if proc.returncode != 0 or not line:
        raise SystemExit(f"full extraction with {code} failed:\n{proc.stderr[-2000:]}")
    runs = json.loads(line[0][7:])
    return statistics.median(r[0] for r in runs), statistics.median(r[1] for r in runs)


def scenedetect_content(path: Path) -> int:
    from scenedetect import ContentDetector, detect

    return len(detect(str(path), ContentDetector()))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--input", type=Path, default=DEFAULT_INPUT)
    ap.add_argument("--seconds", type=float, default=0.0, help="first N seconds (0: whole file)")
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--prev", type=Path, help="also run the full extraction of this checkout")
    ap.add_argument("--skip-full", action="store_true", help="skip (a), the model runs")
    args = ap.parse_args(argv)

    import torch

    with tempfile.TemporaryDirectory(prefix="avhd-bench-") as tmp:
        path, what = prepare_input(args.input, args.seconds, Path(tmp))
        info = media.probe(path)
        bounds = media.clip_bounds(info.duration, 2.0)
        secs = info.duration
        print(f"input: {what} ({info.width}x{info.height} {info.video_codec}, "
              f"{info.fps:g} fps, {secs:.1f} s, {len(bounds)} clips of 2 s)")  # fmt: skip
        print(f"torch {torch.__version__}; {os.cpu_count()} CPUs; median of {args.repeat} "
              f"run(s); os.getloadavg() at start: {os.getloadavg()[0]:.2f}")  # fmt: skip
        rows: dict[str, tuple[float, float]] = {}
        labels = {
            "new": "(a) full, new (onnx, 1 thread/net)",
            "torch": "(a) full, torch backend",
            "prev": f"(a) full, {args.prev}",
            "b_video": "(b) decode sampled frames only",
            "b": "(b) decode frames + audio (floor)",
            "c": "(c) OpenCV, every frame to BGR",
            "s": "(s) PySceneDetect ContentDetector",
        }
        if not args.skip_full:
            rows["new"] = full_extraction(ROOT, path, args.repeat, {})
            rows["torch"] = full_extraction(ROOT, path, args.repeat, {"backend": "torch"})
            if args.prev is not None:
                rows["prev"] = full_extraction(args.prev.resolve(), path, args.repeat, {})
        stats: dict = {}
        rows["b_video"] = timed(lambda: decode_video(path, bounds, stats), args.repeat)[:2]
        rows["b"] = timed(lambda: decode_both(path, bounds, 16000), args.repeat)[:2]
        rows["c"] = timed(lambda: opencv_baseline(path, bounds), args.repeat)[:2]
        rows["s"] = timed(lambda: scenedetect_content(path), args.repeat)[:2]

        print(f"{'run':<40} {'wall s':>7} {'cpu s':>7} {'video s / wall s':>17}")
        for key, (wall, cpu) in rows.items():
            print(f"{labels[key]:<40} {wall:7.2f} {cpu:7.2f} {secs / wall:17.1f}")
        print(f"frames decoded by (b): {stats.get('frames')} of about {int(secs * info.fps)}; "
              f"packets never decoded: {stats.get('skipped_packets')}")  # fmt: skip

        def ratio(x: str, y: str) -> str:
            return f"{rows[y][0] / rows[x][0]:.2f} (CPU time: {rows[y][1] / rows[x][1]:.2f})"

        if "new" in rows:
            print(f"new/b     = {ratio('new', 'b')}   target >= 0.5 (share of the decode floor)")
            print(f"new/s     = {ratio('new', 's')}   target >= 1.0 (vs PySceneDetect)")
            print(f"new/torch = {ratio('new', 'torch')}   (speed-up over the torch backend)")
            print(f"torch/b   = {ratio('torch', 'b')}")
            if "prev" in rows:
                print(f"new/prev  = {ratio('new', 'prev')}   (speed-up over {args.prev})")
                print(f"prev/b    = {ratio('prev', 'b')}")
        print(f"b_video/c = {ratio('b_video', 'c')}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
