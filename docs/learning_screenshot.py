"""Make ``docs/screenshot-learning.png``: the app's status line after learning from edits
(and, with ``--window``, the whole window of that state: ``docs/screenshot-editing.png``).

Copies the bundled demo (``resources/demo``) to a temporary folder, runs ``avhd find`` on it
(real features, cached in a temporary cache), then a scripted editor edits three videos in
the project file: its taste is one direction of the clip features (the second principal
component of the library's clips), so it keeps the suggested segments that lean that way,
discards the others and adds the clip it likes best when no suggestion covers it. The app is
then opened on the folder in screenshot mode (it learns from the project's edits when the
videos are read) and the status bar is cut out of the window's picture.

    python docs/learning_screenshot.py [OUT.png] [--window WINDOW.png]
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]


def scripted_edits(root: Path, videos: int = 3) -> None:
    """Hand edits of the first ``videos`` videos, written to ``ROOT/avhd_project.json``."""
    from core.artifacts import Segment, VideoHighlights
    from core.feedback import clip_matrix, fit_projection
    from core.feedback_session import cached_features
    from core.pipeline import OUTPUT_DIRNAME, FindConfig
    from core.project import Project, VideoState

    files = sorted((root / OUTPUT_DIRNAME).glob("*.highlights.json"))
    hls = {vh.path: vh for vh in (VideoHighlights.load(f) for f in files)}
    feats, missing = cached_features(list(hls), FindConfig())
    if missing:
        raise SystemExit(f"features missing: {missing}")
    mats = {p: clip_matrix(*feats[p]) for p in hls}
    mean, basis = fit_projection(list(mats.values()), 8)
    project = Project(root=str(root))
    for path in list(hls)[:videos]:
        vh, taste = hls[path], (mats[path] - mean) @ basis[:, 1]
        centres = vh.bounds.mean(axis=1)
        segs = [Segment(s.start, s.end, s.score,
                        bool(taste[(centres >= s.start) & (centres < s.end)].mean()
                             > np.median(taste)))
                for s in vh.segments]
        b0, b1 = (float(x) for x in vh.bounds[int(np.argmax(taste))])
        if not any(s.start < b1 and b0 < s.end for s in segs):
            segs.append(Segment(b0, b1, 0.0, True))
        project.videos[project.key(path)] = VideoState(
            state="scored", highlights=f"{OUTPUT_DIRNAME}/{Path(path).name}.highlights.json",
            segments=sorted(segs, key=lambda s: s.start), edited=True)
    project.save()


def main(out: str = str(REPO / "docs" / "screenshot-learning.png"), window: str = "") -> int:
    tmp = Path(tempfile.mkdtemp(prefix="avhd-learning-shot-"))
    env = {**os.environ, "AVHD_CACHE_DIR": str(tmp / "cache"), "QT_QPA_PLATFORM": "offscreen",
           "PYTHONPATH": str(REPO)}
    os.environ["AVHD_CACHE_DIR"] = env["AVHD_CACHE_DIR"]
    root = tmp / "demo"
    shutil.copytree(REPO / "resources" / "demo", root)
    subprocess.run([sys.executable, "-m", "core.cli", "find", str(root)], env=env, check=True)
    scripted_edits(root)
    shot = tmp / "window.png"
    subprocess.run([sys.executable, "-m", "avhd_gui", "--open", str(root), "--select",
                    VIDEO, "--playhead", str(PLAYHEAD), "--screenshot", str(shot)],
                   env=env, check=True)
    from PySide6.QtGui import QImage

    image = QImage(str(shot))
    if window and not image.save(window, "PNG"):
        raise SystemExit(f"cannot write {window}")
    bar = image.copy(image.width() - 680, image.height() - 28, 680, 28)
    if not bar.save(out, "PNG"):
        raise SystemExit(f"cannot write {out}")
    print(f"wrote {out}")
    shutil.rmtree(tmp, ignore_errors=True)
    return 0


#: the video and moment the window shows: an edited video, the playhead in a kept segment
VIDEO, PLAYHEAD = "bbb_02_meadow_flowers.mp4", 13.0

if __name__ == "__main__":
    import argparse

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out", nargs="?", default=str(REPO / "docs" / "screenshot-learning.png"))
    ap.add_argument("--window", default="", help="also save the whole window here")
    args = ap.parse_args()
    sys.exit(main(args.out, args.window))
