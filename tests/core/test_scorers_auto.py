"""The ``auto`` cue: a label-free rule that reads the library (core/scorers/auto.py)."""

from __future__ import annotations

import numpy as np

from core.scorers import get_scorer
from core.scorers.auto import choice, library_agreement
from core.scoring import Reference, ScoringConfig, score_library

VIS = {"ph_modality": "visual", "k_min": 1, "k_max": 1}


def _recurring(seed: int = 0, n: int = 6):
    """Every video: filler clips of its own, and a dim moment shared by all videos (two
    clips). The moment is atypical in its video and recurs; activity ranks it last."""
    rng = np.random.default_rng(seed)
    moment = np.zeros(16)
    moment[:4] = 1.0
    videos, truth = [], []
    for _ in range(n):
        filler = rng.random(16) * 4.0 + 3.0
        x = filler + rng.normal(0, 0.3, (8, 16))
        t = np.zeros(8, int)
        t[rng.choice(8, 2, replace=False)] = 1
        x[t == 1] = moment + rng.normal(0, 0.05, (2, 16))
        videos.append((np.abs(x), rng.random((8, 3))))
        truth.append(t)
    return videos, truth


def _nothing_recurs(seed: int = 0, n: int = 6):
    """Every video: clips of one shared scene, and two clips of a scene of its own (high
    energy). What is atypical in a video matches nothing elsewhere; activity finds it."""
    rng = np.random.default_rng(seed)
    shared = rng.random(16) * 2.0 + 1.0
    videos, truth = [], []
    for _ in range(n):
        x = shared + rng.normal(0, 0.2, (8, 16))
        t = np.zeros(8, int)
        t[rng.choice(8, 2, replace=False)] = 1
        own = rng.random(16) * 6.0 + 2.0
        x[t == 1] = own + rng.normal(0, 0.2, (2, 16))
        videos.append((np.abs(x), rng.random((8, 3))))
        truth.append(t)
    return videos, truth


def _top2(scores):
    return set(np.argsort(-np.asarray(scores), kind="stable")[:2])


def test_auto_picks_atypicality_where_atypical_clips_recur_and_activity_would_fail():
    videos, truth = _recurring()
    lib = score_library(videos, ScoringConfig(cue="auto", **VIS))
    fitted = lib.reference.fitted["auto"]
    assert float(fitted["agreement"]) > 0.3
    assert choice(fitted) == "atypicality"
    for vs, (x, _), t in zip(lib.videos, videos, truth, strict=True):
        np.testing.assert_allclose(vs.pseudo.av_ph, np.linalg.norm(x - x.mean(0), axis=1))
        assert _top2(vs.pseudo.av_ph) == set(np.flatnonzero(t))
        assert _top2(np.linalg.norm(x, axis=1)).isdisjoint(np.flatnonzero(t))  # activity


def test_auto_picks_activity_where_nothing_atypical_recurs():
    videos, truth = _nothing_recurs()
    lib = score_library(videos, ScoringConfig(cue="auto", **VIS))
    fitted = lib.reference.fitted["auto"]
    assert float(fitted["agreement"]) < 0.0
    assert choice(fitted) == "activity"
    for vs, (x, _) in zip(lib.videos, videos, strict=True):
        np.testing.assert_allclose(vs.pseudo.av_ph, np.linalg.norm(x, axis=1))


def test_auto_choice_travels_in_a_model_file_and_scores_a_new_video_the_same_way():
    videos, _ = _recurring(1)
    lib = score_library(videos, ScoringConfig(cue="auto", **VIS))
    ref = Reference.from_checkpoint(lib.reference.to_arrays(), lib.reference.info())
    assert choice(ref.fitted["auto"]) == "atypicality"
    new, _ = _recurring(2, n=1)
    got = ref.score(new, np.array([0]))[0].pseudo.av_ph
    want = lib.reference.score(new, np.array([0]))[0].pseudo.av_ph
    np.testing.assert_allclose(got, want)


def test_auto_without_evidence_falls_back_to_activity():
    """One video (no other video to recur in): no agreement, activity."""
    x = np.random.default_rng(0).random((8, 5))
    scorer = get_scorer("auto", modality="visual")
    assert np.isnan(library_agreement(scorer, [(x, None)], np.array([0])))
    fitted = scorer.fit([(x, None)], np.array([0]))
    assert choice(fitted) == "activity"
    np.testing.assert_allclose(
        scorer.score((x, None), 0, fitted).combined, np.linalg.norm(x, axis=1)
    )


def test_a_large_library_is_read_through_a_bounded_sample_with_the_same_choice(monkeypatch):
    """Above SAMPLE_CLIPS the agreement reads a sample of each category's videos (neighbours
    holds every clip it reads): the clips read stay within the budget and the rule picks
    what it picks on the whole library, for both kinds of library."""
    import core.scorers.auto as auto

    scorer = get_scorer("auto", "cosine", "visual")
    for make, want in ((_recurring, "atypicality"), (_nothing_recurs, "activity")):
        videos, _ = make(3, n=40)  # 320 clips
        cats = np.repeat([0, 1], 20)
        whole = library_agreement(scorer, videos, cats)
        monkeypatch.setattr(auto, "SAMPLE_CLIPS", 100)
        monkeypatch.setattr(auto, "SAMPLE_VIDEO_CLIPS", 6)
        sample, sample_cats = auto.sample_library(videos, cats)
        assert sum(len(v) for v, _ in sample) <= 100 + 2 * 6  # within the budget
        assert set(sample_cats) == {0, 1} and all(len(v) == 4 for v, _ in sample)  # stride 2
        sampled = library_agreement(scorer, videos, cats)
        monkeypatch.undo()
        assert choice({"agreement": whole}) == choice({"agreement": sampled}) == want
        small = auto.sample_library(videos, cats)[0]  # small: every clip
        assert all(a is b for a, b in zip(small, videos, strict=True))
