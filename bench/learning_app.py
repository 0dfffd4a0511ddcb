"""Benchmark: a learning step in the app (avhd_gui.learning), main thread against worker.

A window holds a library of N videos of M minutes (2 s clips, features of the default
extractors' sizes: 1280 visual + 1024 audio, with a planted highlight direction so that the
guard uses the head); the features are handed to the controller as if read from the cache.
Each edit (a hand edit of one reviewed video) is timed, printed side by side per step:

* ``push``: the edit itself on the main thread (feedback of the edited videos, job start);
* ``worker``: the learning step in its thread (fit the head, re-score every other video);
* ``apply``: showing the new scores and re-selecting every unedited video (main thread);
* ``stall``: the longest gap between ticks of a 10 ms timer from the edit until the
  scores are shown: how long the timeline could not repaint; the ``idle`` row is the same
  loop for 2 s without an edit (what the machine's load alone costs).

    QT_QPA_PLATFORM=offscreen python bench/learning_app.py [--videos 100] [--minutes 5]
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time

import numpy as np


def _library(n_videos: int, n: int, seed: int = 0):
    from core.artifacts import Segment, VideoHighlights

    rng = np.random.default_rng(seed)
    centre, planted = rng.standard_normal(1280), rng.standard_normal(1280)
    feats, hls, truths = {}, {}, {}
    for i in range(n_videos):
        path = f"/bench/library/v{i:03d}.mp4"
        x = centre + rng.standard_normal((n, 1280))
        start = int(rng.integers(0, n - 20))
        truth = np.zeros(n)
        truth[start:start + 10] = 1
        x[truth == 1] += 2.0 * planted
        audio = rng.standard_normal((n, 1024))
        feats[path] = (x.astype(np.float32), audio.astype(np.float32))
        score = rng.random(n)
        t = np.arange(n) * 2.0
        hls[path] = VideoHighlights(
            path=path, clip_seconds=2.0, duration=n * 2.0, bounds=np.stack([t, t + 2.0], 1),
            score=score, a_ph=score, v_ph=score, av_ph=score,
            pseudo_label=(score > 0.5).astype(int), category=0,
            segments=[Segment(float(t[j]), float(t[j] + 2.0)) for j in np.argsort(-score)[:3]])
        truths[path] = (start * 2.0, (start + 10) * 2.0)
    return feats, hls, truths


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--videos", type=int, default=100)
    ap.add_argument("--minutes", type=float, default=5.0)
    ap.add_argument("--reviewed", type=int, default=3)
    args = ap.parse_args()
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QElapsedTimer, QEventLoop, QSettings, QTimer
    from PySide6.QtWidgets import QApplication

    from avhd_gui.mainwindow import MainWindow
    from avhd_gui.settings import AppSettings
    from core.feedback import LibraryLearner

    app = QApplication.instance() or QApplication([])
    ini = os.path.join(tempfile.mkdtemp(), "bench.ini")
    settings = AppSettings(QSettings(ini, QSettings.Format.IniFormat))
    settings.set_shot_detection(False)
    win = MainWindow(settings)
    win.show()
    n = int(args.minutes * 60 / 2)
    feats, hls, truths = _library(args.videos, n)
    win.library.set_folder("/bench/library", sorted(hls))
    for path in sorted(hls):
        win.library.set_highlights(hls[path], path)
    app.processEvents()  # the controller takes these scores as the label-free ones
    t0 = time.perf_counter()
    win.learning.learner = LibraryLearner(feats)
    prep = time.perf_counter() - t0
    print(f"library: {args.videos} videos x {n} clips; one-off projection {prep:.2f} s "
          "(done in the worker the first time)")
    print(f"{'step':<6}{'push ms':>9}{'worker ms':>11}{'apply ms':>10}{'stall ms':>10}  status")
    clock, ticks = QElapsedTimer(), {"last": 0, "max": 0}

    def tick() -> None:
        now = clock.elapsed()
        ticks["max"] = max(ticks["max"], now - ticks["last"])
        ticks["last"] = now

    timer = QTimer()
    timer.setInterval(10)
    timer.timeout.connect(tick)
    clock.start()
    timer.start()
    loop = QEventLoop()  # the app's own event loop (idle waits, as in the running app)
    QTimer.singleShot(2000, loop.quit)  # the same loop with nothing to learn: baseline
    loop.exec()
    timer.stop()
    print(f"{'idle':<6}{'':>9}{'':>11}{'':>10}{ticks['max']:>10d}  (2 s of the event loop, "
          "no edit: what the machine's load alone costs)")
    ctl = win.learning
    applied = {}
    original = ctl._on_learned

    def timed(out) -> None:
        t = time.perf_counter()
        original(out)
        applied.update(apply=time.perf_counter() - t, worker=out.seconds)

    def edit(path: str, learn: bool) -> float:
        """One hand edit of ``path``; returns the seconds the push took."""
        start, end = truths[path]
        applied.clear()
        clock.start()
        ticks.update(last=0, max=0)
        timer.start()
        t = time.perf_counter()
        win.selection.add(path, start, end)  # the editor adds the missed highlight
        if not win.selection.is_edited(path):  # already shown (learned): discard another
            win.selection.toggle_keep(path, len(win.selection.segments(path)) - 1)
        push = time.perf_counter() - t
        if learn and ctl.worker is not None:
            ctl.worker.finished.disconnect(ctl._on_learned)
            ctl.worker.finished.connect(timed)
            ctl.idle.connect(loop.quit)
            QTimer.singleShot(120_000, loop.quit)
            loop.exec()
            ctl.idle.disconnect(loop.quit)
        else:
            QTimer.singleShot(1500, loop.quit)
            loop.exec()
        timer.stop()
        return push

    # the same edit with the learning switched off: what the edit and its repaint cost
    ctl.stack.indexChanged.disconnect(ctl._on_index)
    push = edit(sorted(hls)[-1], learn=False)
    print(f"{'none':<6}{push * 1e3:>9.1f}{'':>11}{'':>10}{ticks['max']:>10d}  (an edit "
          "without learning)")
    ctl.stack.undo()
    ctl.stack.indexChanged.connect(ctl._on_index)
    for step, path in enumerate(sorted(hls)[: args.reviewed]):
        push = edit(path, learn=True)
        print(f"{step + 1:<6}{push * 1e3:>9.1f}{applied.get('worker', 0) * 1e3:>11.1f}"
              f"{applied.get('apply', 0) * 1e3:>10.1f}{ticks['max']:>10d}  {ctl.status}")
    win.close()


if __name__ == "__main__":
    main()
