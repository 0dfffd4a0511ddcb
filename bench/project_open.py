"""Opening a large project: how long the app takes to open a library whose project is big.

Run: ``QT_QPA_PLATFORM=offscreen python bench/project_open.py [--mb 27] [--videos 24]``
(``--profile`` prints where the time goes). Writes a library of ``--videos`` tiny videos
and an ``avhd_project.json`` of about ``--mb`` MB (indented as AVHD writes it) in two
shapes: many videos with a few hand-edited segments each, and a few videos with very many
segments. Per shape it times reading the file (``Project.load``) and the whole
``MainWindow.open_folder`` until the videos are probed, against ``json.loads`` of the same
bytes: the ratios say how far opening is from the cost of parsing the file. A first opening
without a project warms the imports, so the times are those of the project.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import pstats
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from core.ffmpeg import ffmpeg_exe  # noqa: E402
from core.project import PROJECT_FILENAME, Project  # noqa: E402

VIDEOS = ["a.mp4", "b.mp4", "sub/c.mp4"]


def make_library(root: Path, count: int = 3) -> None:
    VIDEOS[3:] = [f"more/v{i:03d}.mp4" for i in range(max(0, count - 3))]
    for rel in VIDEOS:
        out = root / rel
        out.parent.mkdir(parents=True, exist_ok=True)
        subprocess.run([ffmpeg_exe(), "-v", "error", "-y", "-f", "lavfi", "-i",
                        "testsrc=size=160x120:rate=25:duration=4", "-pix_fmt", "yuv420p",
                        str(out)], check=True)


def _segments(n: int, offset: float = 0.0) -> list[dict]:
    return [{"start": round(offset + 2.0 * i, 3), "end": round(offset + 2.0 * i + 1.5, 3),
             "score": 0.5, "keep": i % 3 != 0} for i in range(n)]


def project_doc(root: Path, shape: str, mb: float) -> dict:
    """A project of about ``mb`` MB: ``many-videos`` or ``many-segments``."""
    seg_bytes = len(json.dumps(_segments(1)[0])) + 2
    videos = {}
    if shape == "many-videos":
        per_video = 10
        count = int(mb * 1e6 / (per_video * seg_bytes + 160))
        for i in range(count):
            videos[f"old/clip_{i:06d}.mp4"] = {"state": "scored", "reason": "", "highlights": "",
                                               "segments": _segments(per_video), "edited": True}
    else:
        per_video = int(mb * 1e6 / (len(VIDEOS) * seg_bytes))
        for rel in VIDEOS:
            videos[rel] = {"state": "scored", "reason": "", "highlights": "",
                           "segments": _segments(per_video), "edited": True}
    for rel in VIDEOS:
        videos.setdefault(rel, {"state": "scored", "segments": _segments(2), "edited": True})
    return {"schema": 1, "app": "bench", "saved_at": "2026-01-01T00:00:00", "root": str(root),
            "target": {"mode": "fraction", "value": 0.2}, "model": "", "config": {},
            "videos": videos}


def time_open(root: Path, settings_path: Path) -> float:
    from PySide6.QtCore import QEventLoop, QSettings, QTimer

    from avhd_gui.mainwindow import MainWindow
    from avhd_gui.settings import AppSettings

    win = MainWindow(AppSettings(QSettings(str(settings_path), QSettings.Format.IniFormat)))
    loop = QEventLoop()
    win.probe_finished.connect(loop.quit)
    QTimer.singleShot(300_000, loop.quit)
    t0 = time.perf_counter()
    win.open_folder(str(root))
    loop.exec()
    elapsed = time.perf_counter() - t0
    win.project.autosave = False
    win.close()
    win.deleteLater()
    return elapsed


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--mb", type=float, default=27.0, help="project size in MB (default 27)")
    ap.add_argument("--videos", type=int, default=24, help="videos in the library (default 24)")
    ap.add_argument("--profile", action="store_true", help="print the top functions of opening")
    args = ap.parse_args()
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication([])
    with tempfile.TemporaryDirectory(prefix="avhd-bench-project-") as tmp:
        tmp = Path(tmp)
        root = tmp / "lib"
        make_library(root, args.videos)
        time_open(root, tmp / "warm-up.ini")  # imports and first probes, without a project
        print(f"{'shape':<14} {'MB':>6} {'json.loads s':>13} {'Project.load':>13} "
              f"{'open_folder':>12} {'load/json':>10} {'open/json':>10}")
        for shape in ("many-videos", "many-segments"):
            path = root / PROJECT_FILENAME
            text = json.dumps(project_doc(root, shape, args.mb), indent=2)
            text = json.dumps(project_doc(root, shape, args.mb ** 2 * 1e6 / len(text)), indent=2)
            t0 = time.perf_counter()
            json.loads(text)
            t_json = time.perf_counter() - t0
            path.write_text(text, encoding="utf-8")
            t0 = time.perf_counter()
            Project.load(path)
            t_load = time.perf_counter() - t0
            prof = cProfile.Profile() if args.profile else None
            if prof:
                prof.enable()
            t_open = time_open(root, tmp / f"{shape}.ini")
            if prof:
                prof.disable()
                pstats.Stats(prof).sort_stats("cumulative").print_stats(25)
            path.unlink(missing_ok=True)
            print(f"{shape:<14} {len(text) / 1e6:>6.1f} {t_json:>13.2f} {t_load:>13.2f} "
                  f"{t_open:>12.2f} {t_load / t_json:>10.1f} {t_open / t_json:>10.1f}")
        del app
    return 0


if __name__ == "__main__":
    sys.exit(main())
