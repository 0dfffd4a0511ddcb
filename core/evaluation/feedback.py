"""The simulated editor of ``avhd bench ... --feedback K``.

For K random training videos per domain (drawn with the run's seed), AVHD shows the
segments it selects (the app's default target, 20 % of the video), and the editor, reading
the ground truth: keeps a segment when at least half of its clips are highlights, trimming
its non-highlight edge clips off; discards the others; and adds the single longest missed
highlight run (one that no shown segment touches). Those edits go through the app's own
:func:`core.feedback.labels_from_edits`, and :func:`core.feedback.fit_head` learns from the
labels alone; the test videos are then re-scored with :func:`core.feedback.apply_head`. By
default (``feedback_scope="library"``) one head learns from every reviewed video of the
library, as in the app; ``"domain"`` fits one head per domain from that domain's reviewed
videos (one editor library per domain, the earlier simulation).
Clicks: one per kept or discarded segment, one per trimmed edge, two per added segment.
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass

import numpy as np

from core.artifacts import Segment
from core.feedback import VideoFeedback, apply_head, clip_matrix, fit_head, labels_from_edits
from core.scoring import select

SCOPES = ("domain", "library")
SHOWN_FRACTION = 0.2


@dataclass
class Review:
    """One simulated review: the labels it produced and the clicks it took."""

    feedback: VideoFeedback
    clicks: int


def _runs(mask: np.ndarray) -> list[tuple[int, int]]:
    edges = np.diff(np.concatenate([[0], mask.astype(np.int8), [0]]))
    return list(zip(np.flatnonzero(edges == 1), np.flatnonzero(edges == -1), strict=True))


def simulate_review(prior: np.ndarray, truth: np.ndarray) -> Review:
    """The editor's edits on one video (clips of one second) from its binary ground truth."""
    n = min(len(prior), len(truth))
    prior, truth = np.asarray(prior[:n], np.float64), np.asarray(truth[:n]) > 0
    bounds = np.stack([np.arange(n), np.arange(n) + 1.0], axis=1)
    shown = select(bounds, prior, float(n), top_fraction=SHOWN_FRACTION)
    edited: list[Segment] = []
    clicks = 0
    touched = np.zeros(n, bool)
    for seg in shown:
        s, e = int(round(seg.start)), int(round(seg.end))
        touched[s:e] = True
        clicks += 1
        if truth[s:e].mean() < 0.5:
            edited.append(Segment(seg.start, seg.end, seg.score, keep=False))
            continue
        pos = np.flatnonzero(truth[s:e])
        ks, ke = s + int(pos[0]), s + int(pos[-1]) + 1
        clicks += int(ks > s) + int(ke < e)
        edited.append(Segment(float(ks), float(ke), seg.score))
    missed = [(s, e) for s, e in _runs(truth) if not touched[s:e].any()]
    if missed:
        s, e = max(missed, key=lambda r: r[1] - r[0])
        edited.append(Segment(float(s), float(e), 0.0))
        clicks += 2
    return Review(labels_from_edits(bounds, shown, edited), clicks)


def draw_reviewed(
    train_ids: list[str], domains: dict[str, str], k: int, seed: int
) -> list[str]:
    """K random training videos per domain (all of a domain's when it has fewer)."""
    rng = np.random.default_rng(20_000 + seed)
    out: list[str] = []
    for dom in sorted({domains[v] for v in train_ids}):
        ids = [v for v in train_ids if domains[v] == dom]
        out += [ids[i] for i in sorted(rng.permutation(len(ids))[:k])]
    return out


def learn_and_rescore(
    library: list[tuple[np.ndarray, np.ndarray | None]],
    reviewed: list[tuple[tuple[np.ndarray, np.ndarray | None], np.ndarray, Review]],
    scored: list[tuple[np.ndarray, np.ndarray | None]],
    priors: list[np.ndarray],
    *,
    learner: str = "pairwise",
    guard: bool = True,
    seed: int = 0,
) -> tuple[list[np.ndarray], dict]:
    """Fit one head on ``reviewed`` = ``[(features, prior, review)]`` and re-score ``scored``."""
    lib = [clip_matrix(v, a) for v, a in library]
    rev = [(clip_matrix(*f), p, r.feedback.labels) for f, p, r in reviewed]
    head = fit_head(lib, rev, guard=guard, learner=learner, seed=seed)
    out = [apply_head(head, clip_matrix(*f), p) for f, p in zip(scored, priors, strict=True)]
    return out, {"beta": head.beta, **head.info}


_PRIORS: dict = {}


def _priors(bench, train_ids, test_ids, cfg, seed, score_fn) -> tuple[dict, dict]:
    """Label-free scores of every training and test video, computed once per run setting
    (so that ``--feedback 0 1 2 4 8`` fits the library once per split and seed)."""
    conf = {k: v for k, v in cfg.to_dict().items() if not k.startswith("feedback")}
    key = (bench.name, tuple(train_ids), tuple(test_ids), json.dumps(conf, sort_keys=True), seed)
    if key not in _PRIORS:
        ids = list(dict.fromkeys(train_ids + test_ids))
        scores, diag = score_fn([bench.features[v] for v in ids])
        if len(_PRIORS) >= 64:
            _PRIORS.clear()
        _PRIORS[key] = (dict(zip(ids, scores, strict=True)), diag)
    prior, diag = _PRIORS[key]
    return prior, copy.deepcopy(diag)


def feedback_scores(bench, train_ids: list[str], test_ids: list[str], cfg, seed: int, score_fn):
    """Test scores after the simulated editor reviewed ``cfg.feedback`` videos per domain.

    ``score_fn(videos)`` returns the run's label-free ``(scores, diagnostics)`` for a list of
    feature pairs (what the run gives without feedback); it scores the training videos (what
    the editor is shown) and the test videos (the priors) in one call. Only the reviewed
    videos' labels are read, through :func:`simulate_review`; domains choose the reviewed
    videos and, with ``feedback_scope="domain"``, which head re-scores a test video (one
    editor library per domain; the default ``"library"``: one head for the library).
    """
    from core.evaluation.protocol import supervised_targets

    reviewed = draw_reviewed(train_ids, bench.domains, cfg.feedback, seed)
    prior, diag = _priors(bench, train_ids, test_ids, cfg, seed, score_fn)
    prior_rev, prior_test = [prior[v] for v in reviewed], [prior[v] for v in test_ids]
    truth = supervised_targets(bench.name, [bench.labels[v] for v in reviewed])
    reviews = [simulate_review(p, t) for p, t in zip(prior_rev, truth, strict=True)]
    library = [bench.features[v] for v in train_ids]
    if cfg.feedback_scope == "library":
        groups = {"library": (list(range(len(reviewed))), list(range(len(test_ids))))}
    else:
        groups = {
            d: ([i for i, v in enumerate(reviewed) if bench.domains[v] == d],
                [i for i, v in enumerate(test_ids) if bench.domains[v] == d])
            for d in sorted({bench.domains[v] for v in test_ids})
        }
    out = list(prior_test)
    heads = {}
    for name, (ri, ti) in groups.items():
        if not ri or not ti:
            heads[name] = {"beta": 0.0, "cv": "no reviewed video"}
            continue
        rev = [(bench.features[reviewed[i]], prior_rev[i], reviews[i]) for i in ri]
        new, info = learn_and_rescore(
            library, rev, [bench.features[test_ids[i]] for i in ti], [prior_test[i] for i in ti],
            learner=cfg.feedback_learner, guard=cfg.feedback_guard, seed=seed,
        )
        for i, s in zip(ti, new, strict=True):
            out[i] = s
        heads[name] = info
    diag["feedback"] = {
        "k": cfg.feedback,
        "reviewed": reviewed,
        "clicks": int(sum(r.clicks for r in reviews)),
        "edits": int(sum(r.feedback.edits for r in reviews)),
        "labelled_clips": int(sum(r.feedback.n_labelled for r in reviews)),
        "heads": heads,
    }
    return out, diag


def feedback_table(out_dir, ks: list[int]) -> dict:
    """Per K, the headline of every run read from its files (mean, spread, gain over K=0,
    clicks per run, share of heads used); written to ``OUT/feedback.json``."""
    from pathlib import Path

    from core.evaluation.evaluate import headline
    from core.fileio import write_json_atomic

    out_dir = Path(out_dir)
    rows, base = [], None
    for k in ks:
        vals, clicks, used = [], [], []
        for run in sorted((out_dir / f"feedback{k}").glob("*_seed*/predictions.json")):
            pred = json.loads(run.read_text(encoding="utf-8"))
            met = json.loads((run.parent / "metrics.json").read_text(encoding="utf-8"))
            vals.append(headline(met))
            fb = pred["diagnostics"]["feedback"]
            clicks.append(fb["clicks"])
            used += [h.get("beta", 0.0) > 0 for h in fb["heads"].values()]
        a = np.array(vals, np.float64)
        row = {"k": k, "runs": len(a), "mean": float(a.mean()), "sd": float(a.std()),
               "min": float(a.min()), "clicks": float(np.mean(clicks)),
               "used": float(np.mean(used)) if used else 0.0, "values": vals}
        base = row["mean"] if k == 0 or base is None else base
        rows.append(row)
    for row in rows:
        row["gain"] = row["mean"] - base
    table = {"rows": rows, "base_k": ks[0]}
    write_json_atomic(out_dir / "feedback.json", table)
    return table
