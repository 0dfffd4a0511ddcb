"""Benchmark: the learners of core.feedback compared on the training videos only.

The simulated editor of ``avhd bench --feedback`` (:mod:`core.evaluation.feedback`) reviews
K training videos per domain of each fold of ``--split validate`` (2-fold cross-validation
on the training videos of ``splits.json``; the test videos are never read); the learner
re-scores the fold's held-out videos, with one head for the library (``library`` rows, as
the app and the bench's default) or one per domain (``domain`` rows, the earlier default).
Prints, per learner and K, the mAP gain over K = 0 (the label-free prior of the recipe) as
mean and min over folds x draws, side by side in one run. This is how the default learner,
its features, ridge, blend and guard in ``core.feedback`` were chosen.

    python bench/feedback_learners.py youtube --recipe cues [--k 1 2 4] [--draws 0 1 2 3 4 5]

The last two rows are the fifth session's checks, not in ``core.feedback``: the same head
on each clip's row beside the mean of its neighbours (temporal context), and a prototype
head (a clip's mean cosine to its 5 nearest kept or added clips, blended with the prior).

``--network`` adds the sixth session's rows (slower: a network per draw): the ``avhd-net``
network trained for 5 epochs on the reviewed videos' edits alone (kept and added clips 1,
every other clip 0; listwise loss on YouTube, bce on TVSum), its ranks blended with the
prior (one seed, and three seeds' ranks averaged), and a choice per library between the
prior, the linear head and that network by a 2-fold split of the reviewed videos.

    python bench/feedback_learners.py youtube --k 1 2 4 --network
"""

from __future__ import annotations

import argparse

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


#: name -> (scope, fit_head keyword arguments); the first is the default of core.feedback
LEARNERS: dict[str, tuple[str, dict]] = {
    "library, centred, shrinking blend + guard (default)": ("library", {}),
    "library, centred, shrinking blend unguarded": ("library", {"guard": False}),
    "library, centred, beta 0.3 unguarded": ("library", {"beta": 0.3}),
    "library, centred, ridge 0.003": ("library", {"l2": 0.003}),
    "library, centred, ridge 0.03": ("library", {"l2": 0.03}),
    "library, raw clips (not centred)": ("library", {"centre": False}),
    "domain, centred, shrinking blend + guard": ("domain", {}),
    "domain, raw, ridge 100, beta 0.3 unguarded": ("domain", {"centre": False, "l2": 100.0,
                                                             "beta": 0.3}),
    "previous default: domain, raw, ridge 100, strict guard": ("domain", {"previous": True}),
    # fifth session: a head that sees the moment around a clip, and a nonlinear one
    "library, centred, temporal context w=2": ("library", {"context": 2}),
    "library, prototypes (5 nearest kept clips), beta 0.2": ("library", {"prototypes": 0.2}),
}


def with_context(x: np.ndarray, w: int) -> np.ndarray:
    """Each clip's row beside the mean of the rows within ``w`` clips of it (itself too)."""
    c = np.cumsum(np.vstack([np.zeros((1, x.shape[1]), np.float64), x]), axis=0)
    i = np.arange(len(x))
    lo, hi = np.maximum(0, i - w), np.minimum(len(x), i + w + 1)
    return np.concatenate([x, ((c[hi] - c[lo]) / (hi - lo)[:, None]).astype(x.dtype)], 1)


def _prototype_scores(zs: dict, rev: list, labels: dict, test: list, prior: dict,
                      beta: float, k: int = 5) -> dict:
    """Each held-out clip's mean cosine to its ``k`` nearest kept or added clips of the
    reviewed videos (``zs``: unit rows of the centred projection), blended with the prior."""
    from core.feedback import blend

    pos = np.concatenate([zs[v][: len(labels[v])][labels[v] == 1] for v in rev])
    out = {}
    for v in test:
        sim = zs[v] @ pos.T
        kk = min(k, sim.shape[1])
        near = np.partition(sim, -kk, axis=1)[:, -kk:].mean(axis=1)
        out[v] = blend(prior[v], near[: len(prior[v])], beta)
    return out


def _previous(rev, proj, seed):
    """The learner before this pass: one head per domain on the raw clips, ridge 100, used
    only when a blend of BETAS beats the prior on the mean and on 3 in 4 held-out videos."""
    from dataclasses import replace

    from core.feedback import BETAS, _held_out_aps, fit_head

    head = fit_head([], rev, projection=proj, centre=False, l2=100.0, beta=0.0)
    if len(rev) < 2 or not head.w.any():
        return head
    zs = [(x[: len(y)] - proj[0]) @ proj[1] for x, _, y in rev]
    ps = [np.asarray(p, np.float64)[: len(z)] for (_, p, _), z in zip(rev, zs, strict=True)]
    ys = [np.asarray(y, np.float64)[: len(z)] for (_, _, y), z in zip(rev, zs, strict=True)]
    aps = _held_out_aps(zs, ps, ys, 100.0, seed, "pairwise", BETAS)
    if not len(aps):
        return head
    means, share = aps.mean(axis=0), (aps > aps[:, :1]).mean(axis=0)
    ok = (means > means[0]) & (share >= 0.75)
    ok[0] = False
    beta = BETAS[int(np.argmax(np.where(ok, means, -np.inf)))] if ok.any() else 0.0
    return replace(head, beta=float(beta))


#: the ``--network`` rows: name -> (seeds averaged, blend), or "choice" (see the docstring)
NETWORK_ROWS: dict[str, tuple[int, float] | str] = {
    "network on the edits, 5 epochs, beta 0.3": (1, 0.3),
    "network on the edits, 3 seeds averaged, beta 0.2": (3, 0.2),
    "choice per library: prior, linear head or network (2-fold)": "choice",
}


def _network_ranks(bench, vids: list, labels: dict, test: list, seed: int,
                   seeds: int = 1, cache: dict | None = None) -> dict:
    """The summed within-video ranks of ``seeds`` networks trained for 5 epochs on ``vids``'
    edits (kept and added clips 1, every other clip 0), for each video of ``test``.
    ``cache`` (one per draw) keeps each network's ranks: the rows share their first seed."""
    from core.evaluation.protocol import _train_and_score, recipe_config
    from core.pseudo import rank01

    targets = []
    for v in vids:
        n = len(bench.features[v][0])
        t = np.nan_to_num(labels[v], nan=0.0)[:n]
        targets.append(np.pad(t, (0, n - len(t))).astype(np.float32))
    loss = "listwise" if bench.name == "youtube" else "bce"
    cfg = recipe_config("avhd-net", bench.name, scorer="supervised", loss=loss, epochs=5)
    cache = {} if cache is None else cache
    out = {v: 0.0 for v in test}
    for e in range(seeds):
        key = (tuple(vids), tuple(test), 100 * seed + e)
        if key not in cache:
            scores, _, _ = _train_and_score(
                [bench.features[v] for v in vids], targets, [bench.features[v] for v in test],
                cfg, key[2], {"labels": "feedback"}, None, None, None)
            cache[key] = [rank01(s) for s in scores]
        for v, r in zip(test, cache[key], strict=True):
            out[v] = out[v] + r
    return out


def _network_preds(bench, mats, rev, labels, test, prior, proj, seed, row,
                   cache: dict) -> dict:
    """One ``--network`` row's scores of the held-out videos (``cache``: the draw's
    networks, :func:`_network_ranks`)."""
    from core.feedback import apply_head, blend, default_beta, fit_head, labelled_ap

    if row != "choice":
        seeds, beta = row
        net = _network_ranks(bench, rev, labels, test, seed, seeds, cache)
        return {v: blend(prior[v], net[v][: len(prior[v])], beta) for v in test}
    order = np.random.default_rng(seed).permutation(len(rev))
    halves = [[rev[i] for i in order[0::2]], [rev[i] for i in order[1::2]]]
    aps: dict = {"prior": [], "linear": [], "network": []}
    for train, held in ((halves[0], halves[1]), (halves[1], halves[0])):
        head = fit_head([], [(mats[v], prior[v], labels[v]) for v in train], projection=proj,
                        seed=seed, beta=default_beta(len(rev)))
        net = _network_ranks(bench, train, labels, held, seed, cache=cache)
        for v in held:  # the held-out edits, untouched clips below the kept ones
            y = np.nan_to_num(labels[v], nan=0.0)
            p = np.asarray(prior[v], np.float64)
            ap = labelled_ap(p[: len(y)], y)
            if ap is None:
                continue
            aps["prior"].append(ap)
            aps["linear"].append(labelled_ap(apply_head(head, mats[v], p)[: len(y)], y))
            aps["network"].append(labelled_ap(blend(p, net[v][: len(p)], 0.3)[: len(y)], y))
    means = {k: np.mean(a) if a else -np.inf for k, a in aps.items()}
    pick = max(means, key=means.get)
    if pick == "prior":
        return {v: prior[v] for v in test}
    if pick == "linear":
        head = fit_head([], [(mats[v], prior[v], labels[v]) for v in rev], projection=proj,
                        seed=seed)
        return {v: apply_head(head, mats[v], prior[v]) for v in test}
    return _network_preds(bench, mats, rev, labels, test, prior, proj, seed, (1, 0.3), cache)


def _metric(bench, preds: dict) -> float:
    from core.evaluation.metrics import tvsum_top5_map, youtube_map

    fn = youtube_map if bench.name == "youtube" else tvsum_top5_map
    return fn(preds, {v: bench.labels[v] for v in preds}, bench.domains)["mAP"]


def _fold_gains(bench, mats, fold, ks, draws, learners, network=False) -> dict:
    from core.evaluation.feedback import draw_reviewed, simulate_review
    from core.evaluation.protocol import supervised_targets
    from core.feedback import DIMS, apply_head, centred, fit_head, fit_projection

    train, test, prior = fold
    proj = {True: fit_projection([centred(mats[v]) for v in train], DIMS),
            False: fit_projection([mats[v] for v in train], DIMS)}
    ctx_mats: dict = {}  # w -> (clip rows with context, their projection)
    unit_z = {}  # the prototypes' space (unit rows of the centred projection), when asked
    if any("prototypes" in kw for _scope, kw in learners.values()):
        for v in set(train) | set(test):
            z = (centred(mats[v]) - proj[True][0]) @ proj[True][1]
            unit_z[v] = z / np.maximum(np.linalg.norm(z, axis=1, keepdims=True), 1e-8)
    base = _metric(bench, {v: prior[v] for v in test})
    rows = {**learners, **(NETWORK_ROWS if network else {})}
    gains: dict = {(name, k): [] for name in rows for k in ks}
    for k in ks:
        for seed in draws:
            rev = draw_reviewed(train, bench.domains, k, seed)
            truth = supervised_targets(bench.name, [bench.labels[v] for v in rev])
            labels = {v: simulate_review(prior[v], t).feedback.labels
                      for v, t in zip(rev, truth, strict=True)}
            nets: dict = {}  # this draw's networks, shared by the rows
            for name, row in (NETWORK_ROWS if network else {}).items():
                preds = _network_preds(bench, mats, rev, labels, test, prior, proj[True],
                                       seed, row, nets)
                gains[(name, k)].append(_metric(bench, preds) - base)
            for name, (scope, kw) in learners.items():
                kw = dict(kw)
                previous = kw.pop("previous", False)
                context, proto = kw.pop("context", 0), kw.pop("prototypes", None)
                if proto is not None:
                    preds = _prototype_scores(unit_z, rev, labels, test, prior, proto)
                    gains[(name, k)].append(_metric(bench, preds) - base)
                    continue
                use, projection = mats, proj[kw.get("centre", True)]
                if context:
                    if context not in ctx_mats:
                        cm = {v: with_context(mats[v], context) for v in mats}
                        ctx_mats[context] = (cm, fit_projection(
                            [centred(cm[v]) for v in train], DIMS))
                    use, projection = ctx_mats[context]
                groups = ({"library": rev} if scope == "library" else
                          {d: [v for v in rev if bench.domains[v] == d]
                           for d in sorted({bench.domains[v] for v in test})})
                preds = {v: prior[v] for v in test}
                for dom, vids in groups.items():
                    if not vids:
                        continue
                    rv = [(use[v], prior[v], labels[v]) for v in vids]
                    if previous:
                        head = _previous(rv, proj[False], seed)
                    else:
                        head = fit_head([], rv, projection=projection, seed=seed, **kw)
                    preds.update({v: apply_head(head, use[v], prior[v]) for v in test
                                  if scope == "library" or bench.domains[v] == dom})
                gains[(name, k)].append(_metric(bench, preds) - base)
    return gains


def main() -> None:
    from core.evaluation.loaders import load_benchmark
    from core.feedback import clip_matrix

    ap = argparse.ArgumentParser()
    ap.add_argument("benchmark", choices=("youtube", "tvsum"))
    ap.add_argument("--recipe", default="cues")
    ap.add_argument("--k", type=int, nargs="+", default=[2])
    ap.add_argument("--draws", type=int, nargs="+", default=[0, 1, 2])
    ap.add_argument("--network", action="store_true",
                    help="add the briefly trained network rows (a network per draw)")
    args = ap.parse_args()
    bench = load_benchmark(args.benchmark)
    mats = {v: clip_matrix(*bench.features[v]) for v in bench.videos}
    names = [*LEARNERS, *(NETWORK_ROWS if args.network else ())]
    gains: dict = {(name, k): [] for name in names for k in args.k}
    for fold in _priors(bench, args.recipe):
        for key, g in _fold_gains(bench, mats, fold, args.k, args.draws, LEARNERS,
                                  args.network).items():
            gains[key] += g
    print(f"{args.benchmark} --recipe {args.recipe}: K = {args.k} reviewed per domain, "
          f"2 folds x draws {args.draws}; mAP gain over K = 0 on held-out training videos "
          "(mean, min over runs)")
    width = max(map(len, names))
    print(f"{'learner':>{width}} " + " ".join(f"{'K=' + str(k):>16}" for k in args.k))
    for name in names:
        cells = [np.array(gains[(name, k)]) for k in args.k]
        print(f"{name:>{width}} " + " ".join(f"{a.mean():>+7.2f} ({a.min():>+6.2f})"
                                              for a in cells))


if __name__ == "__main__":
    main()
