"""Learning from the editor: kept, discarded, added and trimmed segments become clip labels,
and a small head on the clip features re-ranks the rest of the library.

Edits -> labels (:func:`labels_from_edits`): clips inside a kept segment are positives,
inside a discarded segment negatives, inside an added segment positives, and clips trimmed
out of a suggested segment negatives; every other clip carries no label (``nan``).

The learner (:func:`fit_head`, :func:`apply_head`) is a pairwise ranking head, one for the
library, pooled over every reviewed video: within each reviewed video every labelled
positive should rank above every labelled negative and above every untouched clip, so it
fits ``w`` by ridge regression of ``+1`` on the differences ``z_pos - z_other`` in closed
form over every pair. ``z`` is a clip's features minus its own video's mean clip, projected
on the library's principal components of those within-video deviations (label-free): what
makes a clip stand out in its video, not what tells the videos apart. A video's new score
is ``(1 - beta) * rank(prior) + beta * rank(w . z)``, the prior being the label-free score.

``beta`` grows with the evidence: ``BETA_MAX * n / (n + N0)`` for ``n`` reviewed videos
(none below two), so a few edits move the scores a little and need no fragile check. The
guard (:func:`_choose_beta`, one reviewed video left out at a time) can only move it away
from that default when the held-out edits say so clearly: to a larger blend when that ranks
the held-out videos' edits better than the prior on the mean and on at least three in four
of them, and to the prior alone (``beta = 0``) when the default blend ranks them worse on the
mean and on at least three in four. The benchmark simulation (:mod:`core.evaluation.feedback`)
and the app run this same code.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

import numpy as np

from core.artifacts import Segment
from core.pseudo import rank01

log = logging.getLogger(__name__)

FEEDBACK_SCHEMA = 1
#: the blends of the head with the prior the guard may raise the default to (0 = the prior)
BETAS = (0.0, 0.3, 0.5, 0.7, 1.0)
#: the head's size and ridge, chosen by the simulation on training videos (docs/results.md);
#: the ridge is relative to the second moment of the pair differences (unit-norm features)
DIMS = 32
L2 = 0.01
#: the default blend ``BETA_MAX * n / (n + N0)`` for ``n`` reviewed videos (same choice)
BETA_MAX = 0.4
N0 = 6
#: pairs per (video, kind of pair) at full weight; a larger block is weighted down to this
MAX_PAIRS = 2000
#: the share of held-out reviewed videos on which the guard wants a blend better (to raise
#: the default) or worse (to drop it) than the prior
AGREE = 0.75


def _with_pairs(ys: list[np.ndarray]) -> int:
    """Reviewed videos whose labels hold a positive and something to rank below it."""
    return sum(bool((y == 1).any() and not (y == 1).all()) for y in ys)


def default_beta(videos: int) -> float:
    """The blend used without a clear verdict of the guard: 0 below two reviewed videos."""
    return 0.0 if videos < 2 else BETA_MAX * videos / (videos + N0)


@dataclass
class VideoFeedback:
    """One reviewed video's clip labels (1 positive, 0 negative, nan none) and edit count."""

    labels: np.ndarray
    edits: int = 0

    @property
    def n_labelled(self) -> int:
        return int(np.isfinite(self.labels).sum())

    def to_dict(self) -> dict:
        lab = [None if not np.isfinite(x) else int(x) for x in self.labels]
        return {"schema": FEEDBACK_SCHEMA, "labels": lab, "edits": int(self.edits)}

    @classmethod
    def from_dict(cls, d: dict) -> VideoFeedback:
        """Raises ``ValueError`` on anything but this schema's entry."""
        if not isinstance(d, dict) or d.get("schema") != FEEDBACK_SCHEMA:
            raise ValueError("not an AVHD feedback entry of schema 1")
        raw = d["labels"]
        if not isinstance(raw, list) or any(x not in (None, 0, 1) for x in raw):
            raise ValueError("feedback labels must be a list of 0, 1 or null")
        lab = np.array([np.nan if x is None else float(x) for x in raw], np.float64)
        return cls(lab, int(d.get("edits", 0)))


def clip_mask(bounds: np.ndarray, seg: Segment) -> np.ndarray:
    """Clips whose centre lies inside ``seg``."""
    centres = bounds.mean(axis=1)
    return (centres >= seg.start) & (centres < seg.end)


def _overlaps(a: Segment, b: Segment) -> bool:
    return a.start < b.end and b.start < a.end


def labels_from_edits(
    bounds: np.ndarray, suggested: list[Segment], edited: list[Segment]
) -> VideoFeedback:
    """Clip labels from a video's suggested segments and the segments the editor left.

    ``bounds``: ``(n, 2)`` clip start/end seconds (a clip belongs to a segment when its
    centre lies inside it).
    ``edited`` segments with ``keep`` are kept (when they overlap a suggestion) or added
    (when they do not): positives; with ``keep=False`` they are discarded: negatives. Clips
    of a suggestion that no edited segment covers any more were trimmed out (or the whole
    suggestion deleted): negatives. Each kept, discarded, added or trimmed segment is one edit.
    """
    bounds = np.asarray(bounds, np.float64).reshape(-1, 2)
    lab = np.full(len(bounds), np.nan)
    edits = 0
    covered = np.zeros(len(bounds), bool)
    for seg in edited:
        m = clip_mask(bounds, seg)
        covered |= m
        lab[m] = 1.0 if seg.keep else 0.0
        edits += 1
    for seg in suggested:
        out = clip_mask(bounds, seg) & ~covered
        if out.any():
            lab[out] = 0.0
            edits += 1
    return VideoFeedback(lab, edits)


@dataclass
class Head:
    """A fitted head: projection, weights and the blend with the prior (0 = not used)."""

    mean: np.ndarray
    basis: np.ndarray
    w: np.ndarray
    beta: float
    info: dict = field(default_factory=dict)
    #: features are taken minus their video's mean clip before the projection
    centre: bool = True

    @property
    def used(self) -> bool:
        return self.beta > 0.0


def clip_matrix(visual: np.ndarray, audio: np.ndarray | None) -> np.ndarray:
    """One row per clip: the L2-normalised visual and audio features side by side."""

    def unit(x: np.ndarray) -> np.ndarray:
        x = np.asarray(x, np.float32)
        return x / np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-8)

    if audio is None:
        return unit(visual)
    n = min(len(visual), len(audio))
    return np.concatenate([unit(visual[:n]), unit(audio[:n])], axis=1)


def centred(x: np.ndarray) -> np.ndarray:
    """A video's clip rows minus its mean clip (what the head sees: within-video deviations)."""
    x = np.asarray(x, np.float32)
    return x - x.mean(axis=0) if len(x) else x


def fit_projection(
    library: list[np.ndarray], dims: int = 32, max_rows: int = 4000, seed: int = 0,
    whiten: bool = False,
):
    """Leading principal components of the library's clips (no label): ``(mean, basis
    (d, k))``, orthonormal (or ``whiten``-ed). A randomised SVD keeps it fast."""
    rng = np.random.default_rng(seed)
    x = np.concatenate(library, axis=0).astype(np.float32)
    if len(x) > max_rows:
        x = x[rng.choice(len(x), max_rows, replace=False)]
    mean = x.mean(axis=0)
    x = x - mean
    k = int(min(dims, *x.shape))
    q = np.linalg.qr(x @ rng.standard_normal((x.shape[1], k + 8)).astype(np.float32))[0]
    for _ in range(2):
        q = np.linalg.qr(x @ (x.T @ q))[0]
    _, s, vt = np.linalg.svd(q.T @ x, full_matrices=False)
    basis = vt[:k].T
    if whiten:
        basis = basis / np.maximum(s[:k] / np.sqrt(len(x)), 1e-6)
    return mean.astype(np.float32), basis.astype(np.float32)


def _pair_moments(z: np.ndarray, y: np.ndarray, max_pairs: int) -> tuple:
    """Sum of differences and of their outer products over the within-video pairs positive -
    negative and positive - unlabelled (the editor reviewed the whole video, so an untouched
    clip ranks below the clips kept or added: positives are not only the tool's top clips, so
    negatives must not be either), in closed form from each group's moments (every pair, no
    sampling). A block of more than ``max_pairs`` pairs is weighted down to ``max_pairs``.
    Returns ``(sum of d, sum of d d^T, pairs)``; ``einsum`` keeps BLAS threads out of it."""
    k = z.shape[1]
    s_d, s_dd, count = np.zeros(k), np.zeros((k, k)), 0.0
    pos = z[y == 1].astype(np.float64)
    for other in (z[y == 0], z[np.isnan(y)]):
        n_p, n_o = len(pos), len(other)
        if not n_p or not n_o:
            continue
        other = other.astype(np.float64)
        wgt = min(1.0, max_pairs / (n_p * n_o))
        sp, so = pos.sum(axis=0), other.sum(axis=0)
        gp, go = np.einsum("ij,ik->jk", pos, pos), np.einsum("ij,ik->jk", other, other)
        s_d += wgt * (n_o * sp - n_p * so)
        s_dd += wgt * (n_o * gp + n_p * go - np.outer(sp, so) - np.outer(so, sp))
        count += wgt * n_p * n_o
    return s_d, s_dd, count


def _pointwise(zs: list[np.ndarray], ys: list[np.ndarray], l2: float) -> np.ndarray:
    """Ridge fit of the labels (+1 / -1) on the labelled clips' features (comparison)."""
    z = np.concatenate([z[np.isfinite(y)] for z, y in zip(zs, ys, strict=True)])
    t = np.concatenate([2 * y[np.isfinite(y)] - 1 for y in ys])
    if not len(z):
        return np.zeros(zs[0].shape[1])
    a = z.T @ z / len(z) + l2 * np.eye(z.shape[1])
    return np.linalg.solve(a, z.T @ t / len(z))


LEARNERS = ("pairwise", "pointwise")


def _solve(s_d: np.ndarray, s_dd: np.ndarray, count: float, l2: float) -> np.ndarray:
    if not count:
        return np.zeros(len(s_d))
    return np.linalg.solve(s_dd / count + l2 * np.eye(len(s_d)), s_d / count)


def _weights(
    zs: list[np.ndarray], ys: list[np.ndarray], l2: float, seed: int, learner: str = "pairwise"
) -> np.ndarray:
    """Ridge fit of +1 on the within-video differences positive - negative (closed form over
    every pair, :func:`_pair_moments`); ``seed`` is kept for the signature (no sampling)."""
    if learner == "pointwise":
        return _pointwise(zs, ys, l2)
    moments = [_pair_moments(z, y, MAX_PAIRS) for z, y in zip(zs, ys, strict=True)]
    return _solve(*(sum(m[i] for m in moments) for i in range(3)), l2)


def blend(prior: np.ndarray, head_scores: np.ndarray, beta: float) -> np.ndarray:
    """``(1 - beta) * rank(prior) + beta * rank(head)`` (the prior alone when beta is 0)."""
    if beta <= 0.0:
        return np.asarray(prior, np.float64)
    return (1.0 - beta) * rank01(prior) + beta * rank01(head_scores)


def labelled_ap(scores: np.ndarray, y: np.ndarray) -> float | None:
    """AP of the labelled clips ranked by ``scores`` (None without both kinds): the
    benchmarks' trapezoid AP (:func:`core.evaluation.metrics.trapezoid_ap`), vectorised."""
    m = np.isfinite(y)
    if not m.any() or y[m].min() == y[m].max():
        return None
    t = y[m][np.argsort(-np.asarray(scores)[m], kind="stable")]
    hits = np.cumsum(t)
    prec = hits / np.arange(1, len(t) + 1)
    prev = np.concatenate([[1.0], prec[:-1]])
    return float(np.sum(t * (prev + prec) / 2) / hits[-1])


def _folds(ys: list[np.ndarray], seed: int) -> list[list[np.ndarray]]:
    """Label masks per fold: one reviewed video out, or halves of a single video's labels."""
    if len(ys) >= 2:
        return [[y if i != k else np.full_like(y, np.nan) for i, y in enumerate(ys)]
                for k in range(len(ys))]
    rng = np.random.default_rng(seed)
    y = ys[0]
    idx = np.flatnonzero(np.isfinite(y))
    half = np.zeros(len(y), bool)
    half[rng.permutation(idx)[: len(idx) // 2]] = True
    a, b = y.copy(), y.copy()
    a[half], b[~half] = np.nan, np.nan
    return [[a], [b]]


def _held_out_aps(zs, ps, ys, l2, seed, learner, betas) -> np.ndarray:
    """Rows: one per held-out video (or half), columns: its AP at each of ``betas``."""

    def row(z, p, y_all, y_tr, w):
        # held out: its labels, and its untouched clips below them (as in _pair_moments)
        held = np.where(np.isfinite(y_tr), np.nan, np.nan_to_num(y_all, nan=0.0))
        return [labelled_ap(blend(p, z @ w, b), held) for b in betas]

    rows = []
    if learner == "pairwise" and len(ys) >= 2:  # one video out: the others' moments, summed
        moments = [_pair_moments(z, y, MAX_PAIRS) for z, y in zip(zs, ys, strict=True)]
        total = [sum(m[i] for m in moments) for i in range(3)]
        for z, p, y, m in zip(zs, ps, ys, moments, strict=True):
            w = _solve(*(t - x for t, x in zip(total, m, strict=True)), l2)
            rows.append(row(z, p, y, np.full_like(y, np.nan), w))
    else:
        for train in _folds(ys, seed):
            w = _weights(zs, train, l2, seed, learner)
            for z, p, y_all, y_tr in zip(zs, ps, ys, train, strict=True):
                rows.append(row(z, p, y_all, y_tr, w))
    rows = [r for r in rows if r[0] is not None]
    return np.array(rows, np.float64).reshape(-1, len(betas))


def _choose_beta(zs, ps, ys, l2, seed, learner, agree=None) -> tuple[float, dict]:
    """The blend: :func:`default_beta` of the reviewed videos with pairs, unless the held-out
    edits (one reviewed video left out at a time) say clearly otherwise. Raised to the best
    of :data:`BETAS` above it that beats the prior on the mean AND on at least ``agree``
    (default :data:`AGREE`) of the held-out videos; dropped to 0 (the prior) when the default
    is below the prior on the mean and on at least ``agree`` of them."""
    agree = AGREE if agree is None else agree
    n = _with_pairs(ys)
    base = default_beta(n)
    if n < 2:  # one video's own clips cannot say whether the head carries over
        return 0.0, {"cv": "needs two reviewed videos", "cv_videos": n}
    betas = (*BETAS, base)
    aps = _held_out_aps(zs, ps, ys, l2, seed, learner, betas)
    if not len(aps):
        return 0.0, {"cv": "no held-out labels of both kinds"}
    means = aps.mean(axis=0)
    better = (aps > aps[:, :1]).mean(axis=0)
    worse = (aps < aps[:, :1]).mean(axis=0)
    up = (means > means[0]) & (better >= agree) & (np.array(betas) > base)
    up[0] = up[-1] = False
    if up.any():
        beta, rule = betas[int(np.argmax(np.where(up, means, -np.inf)))], "raised"
    elif means[-1] < means[0] and worse[-1] >= agree:
        beta, rule = 0.0, "dropped"
    else:
        beta, rule = base, "default"
    names = [*map(str, BETAS), "default"]
    return float(beta), {
        "cv": rule, "beta_default": round(float(base), 4),
        "cv_ap": {k: round(float(m), 4) for k, m in zip(names, means, strict=True)},
        "cv_agree": {k: round(float(a), 2) for k, a in zip(names, better, strict=True)},
        "cv_worse": round(float(worse[-1]), 2), "cv_videos": len(aps)}


def fit_head(
    library: list[np.ndarray],
    reviewed: list[tuple[np.ndarray, np.ndarray, np.ndarray]],
    *,
    dims: int = DIMS,
    l2: float = L2,
    agree: float = AGREE,
    guard: bool = True,
    beta: float | None = None,
    centre: bool = True,
    learner: str = "pairwise",
    projection: tuple[np.ndarray, np.ndarray] | None = None,
    seed: int = 0,
) -> Head:
    """Fit the head from ``reviewed`` = ``[(clip matrix, prior scores, labels)]``.

    ``library``: every video's clip matrix (:func:`clip_matrix`), for the label-free
    projection (or ``projection``, :func:`fit_projection`'s result on the :func:`centred`
    matrices, computed once per library: it needs no label). ``centre``: the head sees each
    clip minus its video's mean clip (the default; ``False``: the raw clips, as before).
    ``agree``: on what share of the held-out reviewed videos the guard wants a blend better
    (or worse) than the prior to move the blend off its default (:func:`_choose_beta`);
    ``guard=False`` uses :func:`default_beta` unchecked, or ``beta`` when given (comparison).
    """
    prep = centred if centre else (lambda x: np.asarray(x, np.float32))
    mean, basis = projection or fit_projection([prep(x) for x in library], dims, seed=seed)
    zs = [(prep(x)[: len(y)] - mean) @ basis for x, _, y in reviewed]
    ps = [np.asarray(p, np.float64)[: len(z)] for (_, p, _), z in zip(reviewed, zs, strict=True)]
    ys = [np.asarray(y, np.float64)[: len(z)] for (_, _, y), z in zip(reviewed, zs, strict=True)]
    n_lab = int(sum(np.isfinite(y).sum() for y in ys))
    info: dict = {"videos": len(ys), "labelled_clips": n_lab}
    if not _with_pairs(ys):
        return Head(mean, basis, np.zeros(basis.shape[1]), 0.0, {**info, "cv": "no pairs"},
                    centre)
    if beta is not None:
        info["cv"] = "fixed"
    elif guard:
        beta, cv = _choose_beta(zs, ps, ys, l2, seed, learner, agree)
        info.update(cv)
    else:
        beta = default_beta(_with_pairs(ys))
        info["cv"] = "unguarded"
    w = _weights(zs, ys, l2, seed, learner)
    return Head(mean, basis, w.astype(np.float32), float(beta), info, centre)


def apply_head(head: Head, x: np.ndarray, prior: np.ndarray) -> np.ndarray:
    """One video's scores after learning (its prior unchanged when the head is not used).
    ``x``: the video's whole clip matrix (or its projection, with an identity projection);
    a centring head takes it minus its mean clip."""
    prior = np.asarray(prior, np.float64)
    if not head.used:
        return prior
    x = centred(x) if head.centre else np.asarray(x, np.float32)
    h = np.zeros(len(prior))
    n = min(len(x), len(prior))
    h[:n] = (x[:n] - head.mean) @ head.basis @ head.w
    return blend(prior, h, head.beta)


@dataclass
class Learning:
    """One learning step: the head, the new scores of the unedited videos, what it used."""

    head: Head
    scores: dict[str, np.ndarray]
    videos: int
    edits: int

    def status(self) -> str:
        """The status-bar line, e.g. ``learned from 14 edits in 3 videos``."""
        if not self.videos:
            return "nothing learned yet (no edited video)"
        v = "video" if self.videos == 1 else "videos"
        text = f"learned from {self.edits} edits in {self.videos} {v}"
        return text if self.head.used else text + " (kept the label-free scores: no gain)"

    def to_info(self) -> dict:
        """What a model file records about the edits it learned from."""
        return {"feedback_videos": self.videos, "feedback_edits": self.edits,
                "feedback_beta": self.head.beta}


class LibraryLearner:
    """Re-scores a library from its feedback.

    The label-free part is done once per library: the projection of every clip, minus its
    video's mean clip, on the library's principal components of those deviations. Learning
    from an edit then fits the head in that small space and re-scores every unedited video
    with one product per video.
    """

    def __init__(
        self,
        features: dict[str, tuple[np.ndarray, np.ndarray | None]],
        *,
        dims: int = DIMS,
        l2: float = L2,
        seed: int = 0,
    ):
        mats = {k: centred(clip_matrix(v, a)) for k, (v, a) in features.items()}
        self.seed, self.l2 = seed, l2
        mean, basis = fit_projection(list(mats.values()), dims, seed=seed)
        self.z = {k: (m - mean) @ basis for k, m in mats.items()}  # centred: mean ~ 0
        k = basis.shape[1]
        self._identity = (np.zeros(k, np.float32), np.eye(k, dtype=np.float32))

    def learn(
        self, priors: dict[str, np.ndarray], feedback: dict[str, VideoFeedback]
    ) -> Learning:
        """New scores for every video of ``priors`` without feedback (edited videos keep
        their edits and are not re-scored)."""
        used = {k: f for k, f in feedback.items() if k in self.z and k in priors
                and f.n_labelled}
        reviewed = [(self.z[k], priors[k], f.labels) for k, f in used.items()]
        head = fit_head([], reviewed, l2=self.l2, projection=self._identity, seed=self.seed)
        scores = {
            k: apply_head(head, self.z[k], p)
            for k, p in priors.items() if k not in feedback and k in self.z
        }
        return Learning(head, scores, len(used), sum(f.edits for f in used.values()))


def feedback_from_edits(project, highlights: dict) -> dict[str, VideoFeedback]:
    """Feedback of every hand-edited video of ``project`` (``highlights[key]``: its
    :class:`core.artifacts.VideoHighlights`, whose segments are the suggestion)."""
    out = {}
    for key, state in project.videos.items():
        hl = highlights.get(key)
        if state.edited and hl is not None:
            out[key] = labels_from_edits(hl.bounds, hl.segments, state.segments)
    return out


def project_feedback(project_path) -> tuple:
    """A project and its feedback: the stored entries, updated from every hand-edited video
    whose highlights file can be read (its segments are the suggestion)."""
    from pathlib import Path

    from core.artifacts import VideoHighlights
    from core.project import Project

    project = Project.load(project_path)
    base = Path(project_path).resolve().parent
    highlights = {}
    for key, state in project.videos.items():
        if state.edited and state.highlights:
            path = Path(state.highlights)
            try:
                highlights[key] = VideoHighlights.load(path if path.is_absolute() else base / path)
            except (OSError, ValueError, KeyError) as exc:
                log.warning("edits of %s not used: %s", key, exc)
    return project, {**project.feedback, **feedback_from_edits(project, highlights)}


def targets_with_feedback(targets: list[np.ndarray], paths: list[str], project_path) -> tuple:
    """Training targets where the editor's labels replace the pseudo-labels of labelled
    clips (the others keep theirs); returns them and what the model file records."""
    project, feedback = project_feedback(project_path)
    out, videos, clips = [], 0, 0
    for t, path in zip(targets, paths, strict=True):
        fb = feedback.get(project.key(path))
        t = np.asarray(t, np.float32).copy()
        if fb is not None:
            lab = fb.labels[: len(t)]
            m = np.isfinite(lab)
            t[: len(lab)][m] = lab[m]
            videos += int(m.any())
            clips += int(m.sum())
        out.append(t)
    edits = sum(f.edits for k, f in feedback.items())
    return out, {"feedback_project": str(project_path), "feedback_videos": videos,
                 "feedback_clips": clips, "feedback_edits": edits}
