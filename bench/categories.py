"""Pseudo-categories against the true kinds: K chosen, purity, inverse purity, NMI.

Run: ``python bench/categories.py [--seeds 0 1 2] [--only youtube tvsum film two-kinds]``.

* ``youtube``, ``tvsum``: the training videos of ``splits.json`` (the library of the fixed
  split), true kinds = the domains (6 on YouTube, 10 TVSum categories);
* ``film``: the planted film library of the validation suite (``bench/planted.py``, 6 videos,
  5 kinds of other footage around the recurring scene);
* ``two-kinds``: the film library with 8 videos and two kinds of other footage.

Each library is clustered by :func:`core.clustering.fit_categories` as ``find`` runs it
(UMAP, K-means for K = 2..15, K by the best silhouette of the descriptors themselves,
cosine), as the paper does (K by the silhouette of the UMAP embedding), and without UMAP.
Purity = share of videos in their cluster's majority kind (1.0 for one video per cluster);
inverse purity = share of videos in their kind's majority cluster (1.0 for one cluster);
NMI = normalised mutual information (sklearn).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import numpy as np  # noqa: E402
import planted  # noqa: E402

from core.clustering import fit_categories, library_descriptors  # noqa: E402

METHODS = ("find (UMAP, silhouette of the descriptors)",
           "the paper (UMAP, silhouette of the embedding)", "no UMAP")  # fmt: skip


def purity(pred: np.ndarray, truth: np.ndarray) -> float:
    """Share of items whose cluster's majority kind is their own kind."""
    total = 0
    for c in np.unique(pred):
        _, counts = np.unique(truth[pred == c], return_counts=True)
        total += counts.max()
    return total / len(pred)


def measure(videos, kinds: np.ndarray, seed: int) -> dict[str, dict]:
    from sklearn.metrics import normalized_mutual_info_score

    desc, _ = library_descriptors(videos)
    preds = {
        METHODS[0]: fit_categories(desc, 2, 15, seed=seed).labels,
        METHODS[1]: fit_categories(desc, 2, 15, seed=seed, k_by="embedding").labels,
        METHODS[2]: fit_categories(desc, 2, 15, seed=seed, reduce=False).labels,
    }
    preds = {m: np.asarray(p) for m, p in preds.items()}
    return {
        m: {
            "k": len(np.unique(p)),
            "purity": purity(p, kinds),
            "inverse": purity(kinds, p),
            "nmi": float(normalized_mutual_info_score(kinds, p)),
        }
        for m, p in preds.items()
    }


def benchmark_library(name: str):
    from core.evaluation.loaders import load_benchmark

    bench = load_benchmark(name)
    ids = bench.split_videos("train")
    names = sorted({bench.domains[v] for v in ids})
    kinds = np.array([names.index(bench.domains[v]) for v in ids])
    return [bench.features[v] for v in ids], kinds


def planted_library(gen: str, seed: int, tmp: Path):
    from validate import _extract

    folder = tmp / f"{gen}-{seed}"
    folder.mkdir()
    if gen == "two-kinds":
        made, n_kinds = planted.film_two_kinds(folder, seed, n=8), len(planted.TWO_KINDS)
    else:
        made, n_kinds = planted.film(folder, seed), len(planted.OTHER)
    index = {str(p): i for i, (p, _) in enumerate(made)}
    feats = _extract([p for p, _ in made], tmp / "cache")
    kinds = np.array([planted.film_kind(index[f.path], seed, n_kinds) for f in feats])
    return [(f.visual, f.audio) for f in feats], kinds


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    ap.add_argument("--only", nargs="+", default=["youtube", "tvsum", "film", "two-kinds"])
    args = ap.parse_args(argv)
    t0 = time.perf_counter()
    rows = []
    with tempfile.TemporaryDirectory(prefix="avhd-categories-") as tmp:
        for lib in args.only:
            fixed = benchmark_library(lib) if lib in ("youtube", "tvsum") else None
            for seed in args.seeds:
                videos, kinds = fixed or planted_library(lib, seed, Path(tmp))
                n_kinds = len(np.unique(kinds))
                for m, r in measure(videos, kinds, seed).items():
                    rows.append((lib, n_kinds, len(videos), seed, m, r))
                print(f"  {lib} seed {seed} done", file=sys.stderr)
    print("| library (kinds, videos) | K chosen by | seeds: K | purity | inverse purity | NMI |")
    print("|---|---|---|---|---|---|")
    for lib in args.only:
        for m in METHODS:
            sel = [r for r in rows if r[0] == lib and r[4] == m]
            if not sel:
                continue
            ks = " ".join(str(r[5]["k"]) for r in sel)
            cells = [f"{np.mean([r[5][key] for r in sel]):.2f}"
                     for key in ("purity", "inverse", "nmi")]  # fmt: skip
            print(f"| {lib} ({sel[0][1]}, {sel[0][2]}) | {m} | {ks} | " + " | ".join(cells) + " |")
    print(f"seeds {' '.join(map(str, args.seeds))}; {(time.perf_counter() - t0) / 60:.1f} min")
    return 0


if __name__ == "__main__":
    sys.exit(main())
