"""Feature cache entries hold float16: every cue's scores survive, the selection nearly."""

from __future__ import annotations

import numpy as np
import pytest

from core.artifacts import ClipFeatures
from core.cache import STORE_DTYPE, FeatureCache
from core.pipeline import FindConfig, analyse
from core.scorers import scorer_names
from core.scoring import ScoringConfig, score_library


def _library(n_videos=8, seed=0):
    """Post-ReLU-like features (non-negative, skewed, 0..~10) of three kinds of video."""
    rng = np.random.default_rng(seed)
    kinds = rng.gamma(0.6, 1.0, size=(3, 2, 160))
    feats = []
    for i in range(n_videos):
        n = int(rng.integers(60, 160))
        v = (kinds[i % 3, 0] * rng.gamma(2.0, 0.5, size=(n, 160))).astype(np.float32)
        a = (kinds[i % 3, 1, :96] * rng.gamma(2.0, 0.5, size=(n, 96))).astype(np.float32)
        bounds = np.stack([np.arange(n) * 2.0, np.arange(n) * 2.0 + 2.0], axis=1)
        signals = {k: rng.random(n).astype(np.float32) for k in ("motion", "loudness", "crowd")}
        feats.append(ClipFeatures(path=f"v{i}.mp4", content_key=str(i), clip_seconds=2.0,
                                  bounds=bounds, visual=v, audio=a, visual_extractor="x",
                                  audio_extractor="y", signals=signals))  # fmt: skip
    return feats


def _through_cache(feats, tmp_path):
    cache = FeatureCache(tmp_path / "c")
    out = []
    for i, f in enumerate(feats):
        cache.put(f"{i:064x}", f)
        out.append(cache.get(f"{i:064x}"))
    return out


def _cos(x, y):
    x, y = x - x.mean(), y - y.mean()  # centred: a constant offset cannot hide a change
    return float(x @ y / max(np.linalg.norm(x) * np.linalg.norm(y), 1e-300))


def test_entries_are_float16_on_disk_and_float32_in_memory(tmp_path):
    feats = _library(n_videos=1)
    cache = FeatureCache(tmp_path / "c")
    entry = cache.put("ab" * 32, feats[0])
    with np.load(entry) as z:
        assert z["visual"].dtype == STORE_DTYPE == np.float16 and z["audio"].dtype == np.float16
    got = cache.get("ab" * 32)
    assert got.visual.dtype == np.float32 and got.audio.dtype == np.float32
    cos = (got.visual * feats[0].visual).sum(1) / (
        np.linalg.norm(got.visual, axis=1) * np.linalg.norm(feats[0].visual, axis=1))
    assert cos.min() >= 0.99999  # per clip
    old = feats[0].save_npz(tmp_path / "old.npz")  # a float32 entry of an earlier version
    assert entry.stat().st_size < 0.6 * old.stat().st_size
    again = ClipFeatures.load_npz(old)
    np.testing.assert_array_equal(again.visual, feats[0].visual)  # loads unchanged
    np.testing.assert_array_equal(again.audio, feats[0].audio)


def test_a_value_beyond_float16_keeps_the_array_float32(tmp_path):
    f = _library(n_videos=1)[0]
    f.visual[0, 0] = 1e6
    got = ClipFeatures.load_npz(f.save_npz(tmp_path / "big.npz", dtype=np.float16))
    np.testing.assert_array_equal(got.visual, f.visual)  # exact: stored as float32
    assert got.audio.dtype == np.float32 and not np.array_equal(got.audio, f.audio)


@pytest.mark.parametrize("cue", scorer_names())
def test_every_cue_scores_the_same_from_float16_entries(tmp_path, cue):
    feats = _library()
    rounded = _through_cache(feats, tmp_path)
    cats = np.arange(len(feats)) % 3
    cfg = ScoringConfig(cue=cue)
    sig = [f.signals for f in feats]
    a = score_library([(f.visual, f.audio) for f in feats], cfg, cats, signals=sig)
    b = score_library([(f.visual, f.audio) for f in rounded], cfg, cats, signals=sig)
    for x, y in zip(a.videos, b.videos, strict=True):
        assert _cos(x.pseudo.av_ph, y.pseudo.av_ph) >= 0.9999
        for name in x.curves:
            assert _cos(x.curves[name], y.curves[name]) >= 0.9999, name


def _selected(h) -> set[int]:
    return {i for s in h.segments if s.keep for i in range(round(s.start / 2), round(s.end / 2))}


def test_find_selects_nearly_the_same_clips_from_float16_entries(tmp_path):
    """Not always identical: a clip at the selection's edge can swap with one whose score is
    within the rounding (0.05 % of the score range here; the median gap is 0.4 %)."""
    feats = _library(n_videos=9, seed=3)
    want, _, cats, _ = analyse(feats, FindConfig())
    got, _, cats16, _ = analyse(_through_cache(feats, tmp_path), FindConfig())
    np.testing.assert_array_equal(cats16.labels, cats.labels)
    overlap = [len(_selected(g) & _selected(w)) / len(_selected(g) | _selected(w))
               for g, w in zip(got, want, strict=True)]  # fmt: skip
    assert min(overlap) >= 0.8 and sum(v == 1.0 for v in overlap) >= 6, overlap
