"""Benchmark: the learners of core.feedback compared on the training videos only.

The simulated editor of ``avhd bench --feedback`` (:mod:`core.evaluation.feedback`) reviews
K training videos per domain of each fold of ``--split validate`` (2-fold cross-validation
on the training videos of ``splits.json``; the test videos are never read); one head per
domain re-scores the fold's held-out videos. Prints, per learner, the mAP gain over K = 0
(the label-free prior of the recipe) as mean, sd and min over folds x draws, side by side in
one run. This is how the default learner and guard of ``core.feedback`` were chosen.

    python bench/feedback_learners.py youtube --recipe cues [--k 2] [--draws 0 1 2]
"""

from __future__ import annotations

import argparse
from dataclasses import replace

import numpy as np


def _priors(bench, recipe: str) -> list[tuple]:
    """Per fold: (train ids, held-out ids, label-free scores of both), seed 0."""
    from core.evaluation.protocol import make_splits, recipe_config, unsupervised_scores

    cfg = recipe_config(recipe, bench.name)
    out = []
    for sp in make_splits(bench, "validate"):
        ids = list(dict.fromkeys(sp.train + sp.test))
        train = [bench.features[v] for v in sp.train]
        scores, _ = unsupervised_scores(train, [bench.features[v] for v in ids], cfg, 0)
        out.append((sp.train, sp.test, dict(zip(ids, scores, strict=True))))
    return out


def _learners() -> dict:
    """name -> fn(head fitted by the default learner, reviewed, projection) -> head."""
    from core.feedback import BETAS, fit_head

    def default(rev, proj, seed):
        return fit_head([], rev, projection=proj, seed=seed)

    def mean_guard(rev, proj, seed):  # the guard on the mean held-out AP alone
        return fit_head([], rev, projection=proj, seed=seed, agree=0.0)

    def fixed(beta):
        def fn(rev, proj, seed):
            head = fit_head([], rev, projection=proj, seed=seed, guard=False)
            return replace(head, beta=beta if head.w.any() else 0.0)
        return fn

    out = {"guard: mean and 3 in 4 videos (default)": default, "guard: mean only": mean_guard}
    out.update({f"unguarded, beta {b}": fixed(b) for b in BETAS[1:]})
    return out


def _metric(bench, preds: dict) -> float:
    from core.evaluation.metrics import tvsum_top5_map, youtube_map

    fn = youtube_map if bench.name == "youtube" else tvsum_top5_map
    return fn(preds, {v: bench.labels[v] for v in preds}, bench.domains)["mAP"]


def _fold_gains(bench, mats, fold, k, draws, learners) -> dict:
    from core.evaluation.feedback import draw_reviewed, simulate_review
    from core.evaluation.protocol import supervised_targets
    from core.feedback import DIMS, apply_head, fit_projection

    train, test, prior = fold
    proj = fit_projection([mats[v] for v in train], DIMS)
    base = _metric(bench, {v: prior[v] for v in test})
    gains: dict = {name: [] for name in learners}
    for seed in draws:
        rev = draw_reviewed(train, bench.domains, k, seed)
        truth = supervised_targets(bench.name, [bench.labels[v] for v in rev])
        labels = {v: simulate_review(prior[v], t).feedback.labels
                  for v, t in zip(rev, truth, strict=True)}
        for name, fn in learners.items():
            preds = {v: prior[v] for v in test}
            for dom in sorted({bench.domains[v] for v in test}):
                rv = [(mats[v], prior[v], labels[v]) for v in rev if bench.domains[v] == dom]
                if rv:
                    head = fn(rv, proj, seed)
                    preds.update({v: apply_head(head, mats[v], prior[v]) for v in test
                                  if bench.domains[v] == dom})
            gains[name].append(_metric(bench, preds) - base)
    return gains


def main() -> None:
    from core.evaluation.loaders import load_benchmark
    from core.feedback import clip_matrix

    ap = argparse.ArgumentParser()
    ap.add_argument("benchmark", choices=("youtube", "tvsum"))
    ap.add_argument("--recipe", default="cues")
    ap.add_argument("--k", type=int, default=2)
    ap.add_argument("--draws", type=int, nargs="+", default=[0, 1, 2])
    args = ap.parse_args()
    bench = load_benchmark(args.benchmark)
    mats = {v: clip_matrix(*bench.features[v]) for v in bench.videos}
    learners = _learners()
    gains: dict = {name: [] for name in learners}
    for fold in _priors(bench, args.recipe):
        for name, g in _fold_gains(bench, mats, fold, args.k, args.draws, learners).items():
            gains[name] += g
    print(f"{args.benchmark} --recipe {args.recipe}: K = {args.k} reviewed per domain, "
          f"2 folds x draws {args.draws}; mAP gain over K = 0 on held-out training videos")
    print(f"{'learner':>42} {'gain':>7} {'sd':>6} {'min':>7}")
    for name, g in gains.items():
        a = np.array(g)
        print(f"{name:>42} {a.mean():>+7.2f} {a.std():>6.2f} {a.min():>+7.2f}")


if __name__ == "__main__":
    main()
