"""Benchmark: re-scoring a library after an edit (core.feedback), on synthetic features.

Prints, in one run, for a library of N videos of M minutes (one clip per second, features
of the benchmark's sizes, 1024 visual + 2048 audio): the one-off label-free preparation
(projection of every clip, done when the library is loaded, and the first import of
scipy.stats) beside the re-scoring after
each edit (fit the head on the reviewed videos, re-score every other video), and their
ratio. The issue's target: re-scoring under 1 s for 100 videos of 5 minutes.

    python bench/feedback.py [--videos 100] [--minutes 5] [--reviewed 3]
"""

from __future__ import annotations

import argparse
import time

import numpy as np


def main() -> None:
    from core.evaluation.feedback import simulate_review
    from core.feedback import LibraryLearner
    from core.pseudo import rank01

    ap = argparse.ArgumentParser()
    ap.add_argument("--videos", type=int, default=100)
    ap.add_argument("--minutes", type=float, default=5.0)
    ap.add_argument("--reviewed", type=int, default=3)
    args = ap.parse_args()
    rng = np.random.default_rng(0)
    n = int(args.minutes * 60)
    feats = {
        f"v{i}": (rng.standard_normal((n, 1024), dtype=np.float32),
                  rng.standard_normal((n, 2048), dtype=np.float32))
        for i in range(args.videos)
    }
    priors = {k: rng.random(n) for k in feats}
    t0 = time.perf_counter()
    learner = LibraryLearner(feats)
    rank01(np.zeros(3))  # the first ranking imports scipy.stats (once per session)
    prep = time.perf_counter() - t0
    fb = {}
    times, cpu = [], []
    for i in range(args.reviewed):  # one more reviewed video per edit session
        key = f"v{i}"
        fb[key] = simulate_review(priors[key], (rng.random(n) < 0.3).astype(float)).feedback
        t0, c0 = time.perf_counter(), time.process_time()
        step = learner.learn(priors, fb)
        times.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    # the re-scoring when the head passes the guard (random features never pass it)
    from dataclasses import replace

    from core.feedback import apply_head

    used = replace(step.head, beta=0.5)
    t0 = time.perf_counter()
    for k in step.scores:
        apply_head(used, learner.z[k], priors[k])
    apply_s = time.perf_counter() - t0
    print(f"library: {args.videos} videos x {n} clips ({args.videos * n} clips), d=1024+2048")
    print(f"{'one-off projection':>22} {'re-score after edit':>20} {'ratio':>7}")
    worst = max(times)
    print(f"{prep:>20.3f} s {worst:>18.3f} s {prep / worst:>6.0f}x")
    print(f"re-scored {len(step.scores)} videos; worst of {len(times)} edits: {worst:.3f} s "
          f"wall, {max(cpu):.3f} s CPU ({'under' if worst < 1 else 'OVER'} 1 s wall); "
          f"{step.status()}")
    print(f"re-scoring {len(step.scores)} videos with a head in use: {apply_s:.3f} s; "
          f"worst edit + that: {worst + apply_s:.3f} s")


if __name__ == "__main__":
    main()
