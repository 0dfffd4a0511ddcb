"""Benchmark: pseudo-highlight scoring O(S*d) vs the O(S^2*d) definition, and training speed.

Prints, in one run, the time of the linear-time mean similarity for S = 1e3 .. 1e6 clips
beside the pairwise definition (up to the size where it is still feasible) and their ratio,
then the training time per epoch on YouTube-Highlights-sized data (same number of videos,
clips and feature dimensions as its training split) for the bimodal network on this CPU.

    python bench/pseudo.py [--max-naive 20000] [--dim 1024]
"""

from __future__ import annotations

import argparse
import time

import numpy as np


def _time(fn, repeat=3):
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def bench_similarity(dim: int, max_naive: int) -> None:
    from core.pseudo import mean_similarity, mean_similarity_naive

    rng = np.random.default_rng(0)
    print(f"pseudo-highlight scores, one category, d={dim} (best of 3, seconds)")
    print(f"{'S clips':>10} {'O(S) fast':>12} {'O(S^2) naive':>14} {'naive/fast':>11}")
    for s in (1_000, 3_000, 10_000, 30_000, 100_000, 300_000, 1_000_000):
        n_vid = max(1, s // 100)
        feats = np.split(rng.random((s, dim), dtype=np.float32), n_vid)
        fast = _time(lambda f=feats: mean_similarity(f), repeat=3 if s < 300_000 else 1)
        if s <= max_naive:
            naive = _time(lambda f=feats: mean_similarity_naive(f), repeat=1)
            got, ref = mean_similarity(feats), mean_similarity_naive(feats)
            err = max(float(np.abs(a - b).max()) for a, b in zip(got, ref, strict=True))
            print(f"{s:>10,} {fast:>12.4f} {naive:>14.4f} {naive / fast:>10.0f}x  "
                  f"(max diff {err:.1e})")
        else:
            print(f"{s:>10,} {fast:>12.4f} {'-':>14} {'':>11}")
        del feats


def bench_training(epochs: int) -> None:
    from core.model import ModelConfig
    from core.training import preset, train

    # The YouTube Highlights training split: 247 videos, about 55 clips each.
    rng = np.random.default_rng(1)
    n_videos, mean_clips, dv, da = 247, 55, 1024, 2048
    vids = []
    for _ in range(n_videos):
        n = int(rng.integers(mean_clips // 2, mean_clips * 3 // 2))
        vids.append((rng.normal(size=(n, dv)).astype(np.float32),
                     rng.normal(size=(n, da)).astype(np.float32)))
    labels = [(v[:, 0] > 0).astype(np.float32) for v, _ in vids]
    n_clips = sum(len(v) for v, _ in vids)
    print(f"\ntraining: {n_videos} videos, {n_clips} clips, {dv}-d visual + {da}-d audio "
          f"(YouTube Highlights training-split size), CPU")
    for variant in ("bimodal", "large"):
        t0 = time.perf_counter()
        ck = train(vids, labels, ModelConfig(dv, da, variant=variant),
                   preset("youtube", epochs=epochs, device="cpu"))
        dt = time.perf_counter() - t0
        print(f"  {variant:8s}: {dt / epochs:.2f} s/epoch ({epochs} epochs incl. setup, "
              f"loss {ck.history[0]:.3f} -> {ck.history[-1]:.3f}; 100 epochs = "
              f"{dt / epochs * 100 / 60:.1f} min)")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dim", type=int, default=1024)
    ap.add_argument("--max-naive", type=int, default=30_000)
    ap.add_argument("--epochs", type=int, default=3)
    ap.add_argument("--skip-similarity", action="store_true")
    ap.add_argument("--threads", type=int, default=0, help="torch threads (0: torch's default)")
    args = ap.parse_args()
    if args.threads:
        import torch

        torch.set_num_threads(args.threads)
    if not args.skip_similarity:
        bench_similarity(args.dim, args.max_naive)
    bench_training(args.epochs)


if __name__ == "__main__":
    main()
