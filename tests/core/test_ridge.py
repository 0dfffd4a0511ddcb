"""The ridge reference: closed form, and a setting chosen deterministically by CV."""

import numpy as np
import pytest

from core.evaluation.metrics import youtube_video_ap
from core.evaluation.ridge import (
    ALPHAS,
    RidgeSetting,
    choose_setting,
    folds,
    ridge_cv_scores,
    ridge_scores,
)


def _library(seed=0, n=12):
    """Feature 0 is a per-video offset that tracks the video's share of highlights (it ranks
    nothing within a video); feature 1 is the within-video signal, weaker in scale."""
    rng = np.random.default_rng(seed)
    vids, ys, doms = [], [], []
    for i in range(n):
        share = rng.uniform(0.1, 0.9)
        y = (rng.random(30) < share).astype(np.float64)
        x = np.stack([np.full(30, 10 * share) + rng.normal(0, 0.01, 30),
                      0.3 * y + rng.normal(0, 0.3, 30)], 1)
        vids.append((x, None))
        ys.append(y)
        doms.append("ab"[i % 2])
    return vids, ys, doms


def _metric(ys):
    def metric(held, scores):
        pairs = zip(held, scores, strict=True)
        return float(np.mean([youtube_video_ap(s, ys[i]) for i, s in pairs]))

    return metric


def test_closed_form_and_centring():
    x = [(np.array([[0.0], [1.0], [2.0]]), None)]
    s = ridge_scores(x, [np.array([0.0, 1.0, 2.0])], x, alpha=0.0)[0]
    np.testing.assert_allclose(s, [-1.0, 0.0, 1.0], atol=1e-9)
    # two videos whose offsets run against the within-video trend: only centring finds it
    x = [(np.array([[0.0], [1.0]]), None), (np.array([[10.0], [11.0]]), None)]
    y = [np.array([1.0, 2.0]), np.array([0.0, 1.0])]
    plain = ridge_scores(x, y, x, alpha=0.0)
    centred = ridge_scores(x, y, x, alpha=0.0, centre=True)
    assert plain[0][1] < plain[0][0]
    assert all(c[1] > c[0] for c in centred)


def test_folds_halve_each_domain():
    cv = folds(["a", "a", "b", "b", "b", "a"])
    assert cv[0][0] == cv[1][1] and cv[0][1] == cv[1][0]
    assert sorted(cv[0][0] + cv[0][1]) == list(range(6))
    assert cv == folds(["a", "a", "b", "b", "b", "a"])


def test_cv_picks_centring_and_ties_go_to_the_first_grid_point():
    vids, ys, doms = _library()
    setting, table = choose_setting(vids, ys, doms, _metric(ys))
    assert setting.centre is True
    assert len(table) == len(ALPHAS) * 2 * 2
    assert max(r["cv"] for r in table) == next(
        r["cv"] for r in table if RidgeSetting(r["alpha"], r["centre"], r["scope"]) == setting
    )
    again, _ = choose_setting(vids, ys, doms, _metric(ys))
    assert again == setting
    flat, _ = choose_setting(vids, ys, doms, lambda held, scores: 0.5)
    assert flat == RidgeSetting(ALPHAS[0], False, "global")


def test_cv_scores_use_the_chosen_setting_per_domain():
    vids, ys, doms = _library(1)
    test_vids, test_ys, test_doms = _library(2, n=4)
    scores, diag = ridge_cv_scores(vids, ys, doms, test_vids, test_doms, _metric(ys))
    s = RidgeSetting(**diag["ridge"])
    if s.scope == "global":
        want = ridge_scores(vids, ys, test_vids, s.alpha, s.centre)
    else:
        want = []
        for v, d in zip(test_vids, test_doms, strict=True):
            idx = [i for i, e in enumerate(doms) if e == d]
            want += ridge_scores([vids[i] for i in idx], [ys[i] for i in idx], [v], s.alpha,
                                 s.centre)
    for a, b in zip(scores, want, strict=True):
        np.testing.assert_allclose(a, b, atol=1e-8)
    aps = [youtube_video_ap(sc, y) for sc, y in zip(scores, test_ys, strict=True)]
    assert np.mean(aps) > 0.7
    with pytest.raises(TypeError):
        RidgeSetting(**{**diag["ridge"], "extra": 1})
