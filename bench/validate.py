"""The validation suite: every cue and fusion on validation data only, in one table.

Run: ``python bench/validate.py [--seeds 0 1 2] [--only youtube tvsum synthetic ...]``.

Columns:

* ``YouTube CV`` / ``TVSum CV``: the benchmarks' 2-fold cross-validation on the
  *training* videos (``--split validate`` of ``avhd bench``): one half gives the
  pseudo-categories and the cue state, the other half is scored directly (no network) and
  evaluated with its labels (YouTube mAP, TVSum top-5 mAP), then the other way round. The
  benchmark features carry no motion, loudness or crowd signal; those rows show "-".
* ``synthetic``, ``low-energy``, ``high-energy``, ``film``: planted libraries generated now
  (``bench/planted.py``) and run through the real extractors (EfficientNet-Lite0 + YAMNet,
  motion and loudness): mean AP of the recurring moment's clips over the videos, mean over
  seeds, and the worst seed in brackets. Chance is printed under the table.

Every row scores through :func:`core.scoring.score_library` / :meth:`Reference.score`,
the functions ``avhd find`` and ``avhd bench`` use. The results are also written to
``out/validate/results.json``.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import numpy as np  # noqa: E402
import planted  # noqa: E402

from core.pipeline import FindConfig, analyse  # noqa: E402
from core.scoring import ScoringConfig, fit_reference, score_library  # noqa: E402

#: (row label, ScoringConfig fields); the first is the old default, the second the paper
ROWS: list[tuple[str, dict]] = [
    ("recurrence, dot, visual (old default)", {"cue": "recurrence", "similarity": "dot"}),
    ("recurrence, cosine, AV (the paper)",
     {"cue": "recurrence", "similarity": "cosine", "ph_modality": "av"}),
    ("recurrence, cosine, visual", {"cue": "recurrence", "similarity": "cosine"}),
    ("contrast, cosine, visual", {"cue": "contrast", "similarity": "cosine"}),
    ("contrast, cosine, AV", {"cue": "contrast", "similarity": "cosine", "ph_modality": "av"}),
    ("contrast, dot, visual", {"cue": "contrast", "similarity": "dot"}),
    ("contrast, pearson, AV",
     {"cue": "contrast", "similarity": "pearson", "ph_modality": "av"}),
    ("centred, visual", {"cue": "centred"}),
    ("centred, AV", {"cue": "centred", "ph_modality": "av"}),
    ("neighbours, visual", {"cue": "neighbours"}),
    ("neighbours, AV", {"cue": "neighbours", "ph_modality": "av"}),
    ("activity, visual", {"cue": "activity"}),
    ("activity, AV", {"cue": "activity", "ph_modality": "av"}),
    ("atypicality, visual", {"cue": "atypicality"}),
    ("atypicality, AV", {"cue": "atypicality", "ph_modality": "av"}),
    ("novelty, visual", {"cue": "novelty"}),
    ("auto (atypicality if its clips recur, else activity), visual", {"cue": "auto"}),
    ("auto, AV", {"cue": "auto", "ph_modality": "av"}),
    ("motion", {"cue": "motion"}),
    ("loudness", {"cue": "loudness"}),
    ("crowd (YAMNet)", {"cue": "crowd"}),
    ("centred AV + atypicality AV", {"cue": "centred+atypicality", "ph_modality": "av"}),
    ("centred AV + activity AV", {"cue": "centred+activity", "ph_modality": "av"}),
    ("neighbours AV + atypicality AV", {"cue": "neighbours+atypicality", "ph_modality": "av"}),
    ("neighbours AV + activity AV", {"cue": "neighbours+activity", "ph_modality": "av"}),
    ("atypicality AV + activity AV", {"cue": "atypicality+activity", "ph_modality": "av"}),
    ("centred AV + atypicality AV + activity AV",
     {"cue": "centred+atypicality+activity", "ph_modality": "av"}),
    ("contrast AV + activity", {"cue": "contrast+activity", "similarity": "cosine",
                                "ph_modality": "av"}),
    ("contrast AV + motion + loudness", {"cue": "contrast+motion+loudness",
                                         "similarity": "cosine", "ph_modality": "av"}),
    ("contrast AV + crowd", {"cue": "contrast+crowd", "similarity": "cosine",
                             "ph_modality": "av"}),
    ("contrast AV + activity + motion + loudness",
     {"cue": "contrast+activity+motion+loudness", "similarity": "cosine", "ph_modality": "av"}),
]
SIGNAL_CUES = {"motion", "loudness", "crowd"}
#: rows also scored by the app's trained network (planted libraries only: ``avhd find``'s
#: default training on the row's soft targets, its ranks blended half and half with them)
NETWORK_ROWS = ["recurrence, dot, visual (old default)", "neighbours AV + atypicality AV"]
BENCHMARKS = ("youtube", "tvsum")


def _config(fields: dict, seed: int) -> ScoringConfig:
    return ScoringConfig(**{k: v for k, v in fields.items() if not k.startswith("_")},
                         seed=seed)


def _ap(scores: np.ndarray, truth: np.ndarray) -> float:
    from core.evaluation.metrics import stable_rank, trapezoid_ap

    return trapezoid_ap(np.asarray(truth)[stable_rank(scores)], int(np.sum(truth)))


def _log_auto(where: str, label: str, ref) -> None:
    if "auto" in ref.fitted:
        from core.scorers.auto import describe

        print(f"  {where}, {label}: {describe(ref.fitted['auto'])}", file=sys.stderr)


def benchmark_column(name: str, seeds: list[int]) -> dict[str, float | None]:
    """2-fold CV on the training videos, direct scoring, mean over folds then seeds."""
    from core.evaluation.evaluate import evaluate_predictions, headline
    from core.evaluation.loaders import load_benchmark
    from core.evaluation.protocol import make_splits

    bench = load_benchmark(name)
    results: dict[str, list[float]] = {label: [] for label, _ in ROWS}
    for seed in seeds:
        per_fold: dict[str, list[float]] = {label: [] for label, _ in ROWS}
        for split in make_splits(bench, "validate"):
            train = [bench.features[v] for v in split.train]
            test = [bench.features[v] for v in split.test]
            clusters = None
            for label, fields in ROWS:
                if set(fields["cue"].split("+")) & SIGNAL_CUES:
                    continue
                ref, _ = fit_reference(train, _config(fields, seed), clusters=clusters,
                                       curves=False)
                clusters = clusters or ref
                _log_auto(f"{name} {split.name} seed {seed}", label, ref)
                scores = [vs.pseudo.av_ph for vs in ref.score(test, curves=False)]
                data = {"benchmark": name, "diagnostics": {},
                        "predictions": {v: s.tolist() for v, s in zip(split.test, scores,
                                                                        strict=True)}}
                m = evaluate_predictions(data, bench.labels, bench.domains, name)
                per_fold[label].append(headline(m))
        for label in results:
            if per_fold[label]:
                results[label].append(float(np.mean(per_fold[label])))
    return {k: (float(np.mean(v)) if v else None) for k, v in results.items()}


def chance_ap(n: int, k: int) -> float:
    """Expected AP of a random ranking of ``n`` clips with ``k`` positives (exact)."""
    from itertools import combinations

    aps = []
    for pos in combinations(range(n), k):
        labels = np.zeros(n, int)
        labels[list(pos)] = 1
        aps.append(_ap(-np.arange(n, dtype=float), labels))
    return float(np.mean(aps))


def _extract(paths: list[Path], cache_dir: Path):
    import os

    from core.extract import extract_library
    from core.features import get_audio, get_visual

    os.environ["AVHD_CACHE_DIR"] = str(cache_dir)
    rep = extract_library([str(p) for p in paths], get_visual("effnet-lite0", device="cpu"),
                          get_audio("yamnet", device="cpu"), cache=False)
    return rep.features


def planted_column(gen: str, seeds: list[int], tmp: Path) -> dict[str, list[float]]:
    """Mean AP over a library's videos, per seed, for every row."""
    out: dict[str, list[float]] = {label: [] for label, _ in ROWS}
    for seed in seeds:
        folder = tmp / f"{gen}-{seed}"
        folder.mkdir()
        made = planted.GENERATORS[gen](folder, seed)
        by_path = {str(p): t for p, t in made}
        feats = _extract([p for p, _ in made], tmp / "cache")
        truth = [by_path[f.path][: f.n_clips] for f in feats]
        videos = [(f.visual, f.audio) for f in feats]
        signals = [f.signals for f in feats]
        clusters = score_library(videos, _config(ROWS[0][1], seed), signals=signals).reference
        for label, fields in ROWS:  # one clustering per library, every cue setting on it
            ref, labels = fit_reference(videos, _config(fields, seed), clusters=clusters,
                                        curves=False)
            vids = ref.score(videos, labels, signals, list(range(len(videos))), curves=False)
            _log_auto(f"{gen} seed {seed}", label, ref)
            out[label].append(float(np.mean([_ap(v.pseudo.av_ph, t)
                                             for v, t in zip(vids, truth, strict=True)])))
        for label in [r for r in NETWORK_ROWS if r in dict(ROWS)]:
            out.setdefault(f"{label} -> network", []).append(
                _network_ap(feats, truth, dict(ROWS)[label], seed)
            )
        print(f"  {gen} seed {seed}: {len(feats)} videos, K={clusters.categories.k}",
              file=sys.stderr)
    return out


def _network_ap(feats, truth, fields: dict, seed: int) -> float:
    """Mean AP of ``avhd find``'s trained default model (core.pipeline.analyse)."""
    cfg = FindConfig(**{k: v for k, v in fields.items() if not k.startswith("_")},
                     device="cpu", seed=seed, direct=False)
    hls, _, _, _ = analyse(feats, cfg)
    return float(np.mean([_ap(h.score, t) for h, t in zip(hls, truth, strict=True)]))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    ap.add_argument("--only", nargs="+", default=[*BENCHMARKS, *planted.GENERATORS])
    ap.add_argument("--rows", nargs="+", help="only rows whose label contains one of these")
    ap.add_argument("--out", type=Path, default=ROOT / "out" / "validate" / "results.json")
    args = ap.parse_args(argv)
    if args.rows:
        ROWS[:] = [r for r in ROWS if any(w in r[0] for w in args.rows)]
    t0 = time.perf_counter()
    columns: dict[str, dict] = {}
    for name in [c for c in BENCHMARKS if c in args.only]:
        print(f"{name}: 2-fold CV on training videos", file=sys.stderr)
        columns[name] = benchmark_column(name, args.seeds)
    chance = {}
    with tempfile.TemporaryDirectory(prefix="avhd-validate-") as tmp:
        for gen in [g for g in planted.GENERATORS if g in args.only]:
            print(f"{gen}: planted libraries", file=sys.stderr)
            columns[gen] = planted_column(gen, args.seeds, Path(tmp))
            chance[gen] = chance_ap(planted.N_CLIPS, planted.EVENT_CLIPS)
    print_table(columns, chance, time.perf_counter() - t0, args.seeds)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({"seeds": args.seeds, "columns": columns, "chance": chance},
                                   indent=1))
    return 0


def _cell(value) -> str:
    if value is None:
        return "-"
    if isinstance(value, list):
        return f"{np.mean(value):.2f} ({min(value):.2f})" if value else "-"
    return f"{value:.1f}"


def print_table(columns: dict, chance: dict, seconds: float, seeds: list[int]) -> None:
    names = {"youtube": "YouTube CV mAP", "tvsum": "TVSum CV top-5 mAP"}
    heads = [names.get(c, f"{c} AP (worst)") for c in columns]
    print("| cue / fusion | " + " | ".join(heads) + " |")
    print("|---|" + "---|" * len(heads))
    labels = [r for r, _ in ROWS] + [f"{r} -> network" for r in NETWORK_ROWS]
    for label in labels:
        if not any(columns[c].get(label) for c in columns):
            continue
        print(f"| {label} | " + " | ".join(_cell(columns[c].get(label)) for c in columns) + " |")
    if chance:
        rnd = ", ".join(f"{g} {c:.2f}" for g, c in chance.items())
        print(f"\nplanted chance AP (2 of 8 clips, random ranking): {rnd}; benchmark random "
              "scores: YouTube 47.2, TVSum 42.0")
    print(f"seeds {' '.join(map(str, seeds))}; {seconds / 60:.1f} min")


if __name__ == "__main__":
    sys.exit(main())
