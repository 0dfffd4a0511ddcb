"""core.scoring and core.scorers: the one engine that find, score, the app and bench use."""

from __future__ import annotations

import numpy as np
import pytest
from test_bench_protocol import make_synthetic

from core.artifacts import ClipFeatures
from core.errors import AvhdError
from core.evaluation.loaders import load_benchmark
from core.evaluation.protocol import BenchConfig, make_splits, run_split
from core.pipeline import FindConfig, analyse, score_with_model
from core.pseudo import mean_similarity_naive, pseudo_highlights
from core.scorers import get_scorer, scorer_names
from core.scoring import DEFAULT_CUE, DEFAULT_MODALITY, ScoringConfig, score_library, select


def _library(seed: int = 0, n: int = 8):
    rng = np.random.default_rng(seed)
    out = []
    for i in range(n):
        k = int(rng.integers(5, 9))
        v = rng.random((k, 6)) + (i % 2) * rng.random(6)
        a = None if i == 3 else rng.random((k, 4))
        out.append((v, a))
    return out


@pytest.mark.parametrize("similarity,modality", [("cosine", "av"), ("dot", "visual")])
def test_recurrence_cue_is_exactly_the_papers_pseudo_highlight(similarity, modality):
    videos = _library()
    cfg = ScoringConfig(cue="recurrence", similarity=similarity, ph_modality=modality)
    lib = score_library(videos, cfg)
    ref = pseudo_highlights(videos, lib.labels, similarity, modality)
    for got, want in zip(lib.pseudo, ref, strict=True):
        np.testing.assert_allclose(got.v_ph, want.v_ph, rtol=1e-6)
        np.testing.assert_allclose(got.av_ph, want.av_ph, rtol=1e-6)
        assert (got.a_ph is None) == (want.a_ph is None)
        np.testing.assert_array_equal(got.label, want.label)
    # and the O(S^2) oracle, one category at a time
    for c in np.unique(lib.labels):
        idx = np.flatnonzero(lib.labels == c)
        oracle = mean_similarity_naive([videos[i][0] for i in idx], similarity)
        for i, o in zip(idx, oracle, strict=True):
            np.testing.assert_allclose(lib.videos[i].curves["recurrence"].shape, o.shape)
            np.testing.assert_allclose(lib.pseudo[i].v_ph, o, rtol=1e-6)


def test_contrast_activity_atypicality_novelty_hand_computed():
    v1 = np.array([[1.0, 0.0], [0.0, 2.0]])
    v2 = np.array([[3.0, 0.0], [0.0, 1.0]])
    videos = [(v1, None), (v2, None)]
    cats = np.array([0, 1])
    contrast = get_scorer("contrast", "dot", "visual")
    fitted = contrast.fit(videos, cats)
    # own centre of video 0 = (0.5, 1); library centre = (1, 0.75)
    np.testing.assert_allclose(contrast.score(videos[0], 0, fitted).combined, [-0.5, 0.5])
    act = get_scorer("activity", modality="visual").score(videos[0], 0, {})
    np.testing.assert_allclose(act.combined, [1.0, 2.0])
    aty = get_scorer("atypicality", modality="visual").score(videos[1], 0, {})
    np.testing.assert_allclose(aty.combined, [np.hypot(1.5, 0.5)] * 2)
    nov = get_scorer("novelty", modality="visual").score(videos[1], 0, {})
    np.testing.assert_allclose(nov.combined, [np.hypot(3, 1)] * 2)
    with pytest.raises(AvhdError, match="unknown cue 'loud'; valid: recurrence, contrast"):
        get_scorer("loud")
    assert set(scorer_names()) >= {"recurrence", "contrast", "activity", "novelty"}


def test_fused_cues_average_their_ranks():
    videos = _library()
    lib = score_library(videos, ScoringConfig(cue="activity+novelty"))
    from core.pseudo import rank01

    for vs in lib.videos:
        want = (rank01(vs.curves["activity"]) + rank01(vs.curves["novelty"])) / 2
        np.testing.assert_allclose(vs.pseudo.av_ph, want)
    with pytest.raises(AvhdError, match="unknown cue"):
        score_library(videos, ScoringConfig(cue="activity+magic"))


def test_select_breaks_score_ties_by_the_pseudo_highlight_then_clip_order():
    bounds = np.array([[0, 2], [2, 4], [4, 6], [6, 8]], float)
    scores = np.array([0.5, 0.5, 0.1, 0.5])
    segs = select(bounds, scores, tiebreak=np.array([0.0, 0.2, 0.0, 0.9]), top_fraction=0.25)
    assert [(s.start, s.end) for s in segs] == [(6.0, 8.0)]
    assert [(s.start, s.end) for s in select(bounds, scores, top_fraction=0.25)] == [(0.0, 2.0)]


def _feats(videos, name="v"):
    out = []
    for i, (v, a) in enumerate(videos):
        n = len(v)
        bounds = np.stack([np.arange(n) * 2.0, np.arange(n) * 2.0 + 2.0], 1)
        out.append(
            ClipFeatures(
                path=f"/lib/{name}{i}.mp4", content_key=f"{name}{i}", clip_seconds=2.0,
                bounds=bounds,
                visual=v.astype(np.float32), audio=None if a is None else a.astype(np.float32),
                visual_extractor="bench", audio_extractor="bench",
            )
        )
    return out


def test_bench_and_find_score_the_same_way(tmp_path):
    """The bench's predictions for a split equal what find (training on the split's
    training videos) and score (on its test videos) give for the same features: direct
    pseudo-highlights exactly, the trained default model up to float error."""
    b = load_benchmark("youtube", make_synthetic(tmp_path / "yt", n_videos=7, n_test=3))
    split = make_splits(b, "fixed")[0]
    train = [tuple(np.asarray(x, np.float32) for x in b.features[v]) for v in split.train]
    test = [tuple(np.asarray(x, np.float32) for x in b.features[v]) for v in split.test]
    ftrain, ftest = _feats(train, "train"), _feats(test, "test")
    common = dict(cue=DEFAULT_CUE, ph_modality=DEFAULT_MODALITY, k_min=2, k_max=15)
    bench_direct = run_split(b, split, BenchConfig("youtube", scorer="direct", **common), 0)
    fcfg = FindConfig(**common, device="cpu", preset="default", epochs=2, seed=0, direct=False)
    _, ckpt, _, _ = analyse(ftrain, fcfg)
    direct_hls, _ = score_with_model(ftest, ckpt, fcfg, "m", direct=True)
    for vid, hl in zip(split.test, direct_hls, strict=True):
        np.testing.assert_allclose(bench_direct["predictions"][vid], hl.score, rtol=1e-6)
    bcfg = BenchConfig(
        "youtube", preset="default", epochs=2, targets="soft", blend=0.5, **common
    )
    bench_net = run_split(b, split, bcfg, 0)
    net_hls, _ = score_with_model(ftest, ckpt, fcfg, "m")
    for vid, hl in zip(split.test, net_hls, strict=True):
        np.testing.assert_allclose(bench_net["predictions"][vid], hl.score, atol=1e-6)


def test_neighbours_find_a_minority_moment_that_recurs_where_mean_similarity_fails():
    """All clips share a large common direction (the post-ReLU cone); a pattern recurs in
    two clips of every video. The mean-similarity forms (plain cosine, and centred, where
    the majority's shared offset wins) miss it; the best match per other video finds it."""
    rng = np.random.default_rng(1)
    common = np.full(16, 5.0)
    pattern = np.zeros(16)
    pattern[:4] = 3.0
    videos, truth = [], []
    for _ in range(6):
        x = common + rng.random((8, 16)) * 1.5
        t = np.zeros(8, int)
        t[rng.choice(8, 2, replace=False)] = 1
        x[t == 1] += pattern
        videos.append((x, rng.random((8, 3))))
        truth.append(t)
    vis = {"ph_modality": "visual", "k_min": 1, "k_max": 1}
    lib = score_library(videos, ScoringConfig(cue="neighbours", **vis))
    for vs, t in zip(lib.videos, truth, strict=True):
        top2 = np.argsort(-vs.pseudo.av_ph, kind="stable")[:2]
        assert set(top2) == set(np.flatnonzero(t))
    for cue, sim in (("recurrence", "cosine"), ("centred", "cosine")):
        other = score_library(videos, ScoringConfig(cue=cue, similarity=sim, **vis))
        hits = [set(np.argsort(-vs.pseudo.av_ph, kind="stable")[:2]) == set(np.flatnonzero(t))
                for vs, t in zip(other.videos, truth, strict=True)]
        assert not any(hits), cue
    # a new video (not a member) is compared with every library video: same ranking
    again = lib.reference.score(videos, lib.labels)
    for a, b in zip(again, lib.videos, strict=True):
        np.testing.assert_array_equal(np.argsort(-a.pseudo.av_ph), np.argsort(-b.pseudo.av_ph))
