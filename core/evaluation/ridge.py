"""A closed-form ridge regression on the clip features: the reference the supervised network
must at least match (``avhd bench --scorer ridge``; reads the training labels and domains).

The setting is chosen by 2-fold cross-validation on the training videos alone
(:func:`choose_setting`): the penalty ``alpha`` from :data:`ALPHAS`, whether features and
targets are centred within each video (:data:`CENTRINGS`: the fit then learns what rises
*within* a video, which is all a per-video ranking metric reads) and one model for the
library or one per domain (:data:`SCOPES`; a test video is scored by its domain's model).
The grid is walked in a fixed order and a later setting replaces the best only when it
scores strictly higher, so the choice is deterministic.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass

import numpy as np

VideoFeatures = tuple[np.ndarray, np.ndarray | None]

#: L2 penalty on standardised features, per training clip, without cross-validation
ALPHA_PER_CLIP = 1.0
#: the grid the cross-validation chooses from (penalty per training clip)
ALPHAS = (0.1, 0.3, 1.0, 3.0, 10.0, 30.0, 100.0, 300.0, 1000.0, 3000.0, 10000.0)
CENTRINGS = (False, True)
SCOPES = ("global", "domain")
#: held-out training videos' metric (higher is better) from ``(indices, scores)``
FoldMetric = Callable[[list[int], list[np.ndarray]], float]


@dataclass(frozen=True)
class RidgeSetting:
    """One point of the grid: penalty per clip, within-video centring, global or per domain."""

    alpha: float = ALPHA_PER_CLIP
    centre: bool = False
    scope: str = "global"

    def to_dict(self) -> dict:
        return asdict(self)


def _design(
    videos: Sequence[VideoFeatures], audio_dim: int, centre: bool = False
) -> list[np.ndarray]:
    rows = []
    for v, a in videos:
        a = np.zeros((len(v), audio_dim)) if a is None else a
        x = np.concatenate([np.asarray(v, np.float64), np.asarray(a, np.float64)], 1)
        rows.append(x - x.mean(0) if centre and len(x) else x)
    return rows


def _targets(targets: Sequence[np.ndarray], centre: bool) -> np.ndarray:
    ys = [np.asarray(t, np.float64) for t in targets]
    y = np.concatenate([t - t.mean() if centre and len(t) else t for t in ys])
    return y - y.mean()


class _Path:
    """One eigen-decomposition of the standardised training design, solved for any alpha.

    Primal (``X^T X``) when there are more clips than features, dual (``X X^T``) otherwise.
    """

    def __init__(self, x: np.ndarray, y: np.ndarray) -> None:
        self.mean = x.mean(0)
        self.std = np.maximum(x.std(0), 1e-6)
        x = (x - self.mean) / self.std
        self.n = len(x)
        self.primal = x.shape[0] >= x.shape[1]
        if self.primal:
            self.lam, self.q = np.linalg.eigh(x.T @ x)
            self.b = self.q.T @ (x.T @ y)
        else:
            self.x = x
            self.lam, self.q = np.linalg.eigh(x @ x.T)
            self.b = self.q.T @ y

    def weights(self, alpha: float) -> np.ndarray:
        """``w`` minimising ``|Xw - y|^2 + alpha * n * |w|^2``."""
        lam = np.maximum(self.lam, 0.0) + alpha * self.n
        if alpha == 0.0:  # plain least squares: drop the null space
            lam = np.where(lam > 1e-9 * max(float(lam.max()), 1.0), lam, np.inf)
        coef = self.q @ (self.b / lam)
        return coef if self.primal else self.x.T @ coef

    def score(self, xs: list[np.ndarray], w: np.ndarray) -> list[np.ndarray]:
        return [((x - self.mean) / self.std) @ w for x in xs]


def ridge_scores(
    train: Sequence[VideoFeatures],
    targets: Sequence[np.ndarray],
    test: Sequence[VideoFeatures],
    alpha: float = ALPHA_PER_CLIP,
    centre: bool = False,
) -> list[np.ndarray]:
    """Fit ``w`` minimising ``|Xw - y|^2 + alpha * n * |w|^2`` on standardised visual+audio
    features of the training clips (``centre``: features and targets minus their video's
    mean first); score every test clip."""
    return _scores_for(train, targets, test, [alpha], centre)[0]


def _scores_for(
    train: Sequence[VideoFeatures],
    targets: Sequence[np.ndarray],
    test: Sequence[VideoFeatures],
    alphas: Sequence[float],
    centre: bool,
) -> list[list[np.ndarray]]:
    """Test scores for each alpha from one decomposition."""
    da = next((a.shape[1] for _, a in train if a is not None), 0)
    path = _Path(np.concatenate(_design(train, da, centre)), _targets(targets, centre))
    xs = _design(test, da, centre)
    return [path.score(xs, path.weights(a)) for a in alphas]


def _by_domain(
    train: Sequence[VideoFeatures],
    targets: Sequence[np.ndarray],
    train_domains: Sequence[str],
    test: Sequence[VideoFeatures],
    test_domains: Sequence[str],
    alphas: Sequence[float],
    centre: bool,
) -> list[list[np.ndarray]]:
    """Per-domain fits; a test video of a domain without training videos gets the global fit."""
    out: list[list[np.ndarray | None]] = [[None] * len(test) for _ in alphas]
    groups = [sorted(set(train_domains))] + [[]]
    for dom in groups[0]:
        tr = [i for i, d in enumerate(train_domains) if d == dom]
        te = [i for i, d in enumerate(test_domains) if d == dom]
        if not te:
            continue
        res = _scores_for([train[i] for i in tr], [targets[i] for i in tr],
                          [test[i] for i in te], alphas, centre)
        for k, scores in enumerate(res):
            for i, s in zip(te, scores, strict=True):
                out[k][i] = s
    rest = [i for i in range(len(test)) if out[0][i] is None]
    if rest:
        res = _scores_for(train, targets, [test[i] for i in rest], alphas, centre)
        for k, scores in enumerate(res):
            for i, s in zip(rest, scores, strict=True):
                out[k][i] = s
    return out  # type: ignore[return-value]


def folds(domains: Sequence[str]) -> list[tuple[list[int], list[int]]]:
    """2 folds of video indices, halved within each domain after a ``default_rng(0)`` shuffle,
    as :func:`core.evaluation.protocol.validation_splits` halves the training videos."""
    from core.evaluation.protocol import halve_by_domain

    first, second = halve_by_domain(domains)
    return [(first, second), (second, first)]


def choose_setting(
    train: Sequence[VideoFeatures],
    targets: Sequence[np.ndarray],
    domains: Sequence[str],
    metric: FoldMetric,
    alphas: Sequence[float] = ALPHAS,
    centrings: Sequence[bool] = CENTRINGS,
    scopes: Sequence[str] = SCOPES,
) -> tuple[RidgeSetting, list[dict]]:
    """The grid point with the best mean held-out ``metric`` over :func:`folds` of the
    training videos, and every point's score (grid order: scope, centring, alpha)."""
    cv = folds(domains)
    table = []
    for scope in scopes:
        for centre in centrings:
            per_fold = []
            for fit, held in cv:
                args = ([train[i] for i in fit], [targets[i] for i in fit])
                test = [train[i] for i in held]
                if scope == "domain":
                    res = _by_domain(*args, [domains[i] for i in fit], test,
                                     [domains[i] for i in held], alphas, centre)
                else:
                    res = _scores_for(*args, test, alphas, centre)
                per_fold.append([metric(held, s) for s in res])
            for k, a in enumerate(alphas):
                vals = [f[k] for f in per_fold]
                table.append({**RidgeSetting(float(a), bool(centre), scope).to_dict(),
                              "cv": float(np.mean(vals)), "folds": [float(v) for v in vals]})
    best = 0
    for i, row in enumerate(table):
        if row["cv"] > table[best]["cv"]:
            best = i
    row = table[best]
    return RidgeSetting(row["alpha"], row["centre"], row["scope"]), table


def ridge_cv_scores(
    train: Sequence[VideoFeatures],
    targets: Sequence[np.ndarray],
    train_domains: Sequence[str],
    test: Sequence[VideoFeatures],
    test_domains: Sequence[str],
    metric: FoldMetric,
) -> tuple[list[np.ndarray], dict]:
    """Choose the setting by cross-validation on the training videos, refit it on all of
    them, score the test videos; the diagnostics hold the choice and the grid's scores."""
    setting, table = choose_setting(train, targets, train_domains, metric)
    if setting.scope == "domain":
        scores = _by_domain(train, targets, train_domains, test, test_domains,
                            [setting.alpha], setting.centre)[0]
    else:
        scores = ridge_scores(train, targets, test, setting.alpha, setting.centre)
    return scores, {"ridge": setting.to_dict(), "ridge_cv": table}
