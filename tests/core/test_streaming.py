"""find reads a library through cache-backed handles (core.streaming): same scores, bounded."""

from __future__ import annotations

import tracemalloc

import numpy as np
import pytest
from synth import BandEnergy, ColorHistogram, make_video

from core import streaming
from core.artifacts import ClipFeatures
from core.clustering import library_descriptors, video_descriptor
from core.errors import FeatureError
from core.extract import extract_library
from core.pipeline import FindConfig, analyse
from core.scorers import scorer_names
from core.scoring import ScoringConfig, score_library
from core.streaming import CachedFeatures, VideoView, curves_for


def _library(n_videos=9, dv=48, da=40, clips=(5, 40), seed=0):
    """Three kinds of video (distinct feature means), one mute, with per-clip signals."""
    rng = np.random.default_rng(seed)
    kinds = rng.normal(size=(3, 2, max(dv, da))) * 3
    feats = []
    for i in range(n_videos):
        n = int(rng.integers(*clips))
        v = np.abs(kinds[i % 3, 0, :dv] + rng.normal(size=(n, dv))).astype(np.float32)
        a = np.abs(kinds[i % 3, 1, :da] + rng.normal(size=(n, da))).astype(np.float32)
        bounds = np.stack([np.arange(n) * 2.0, np.arange(n) * 2.0 + 2.0], axis=1)
        signals = {k: rng.random(n).astype(np.float32) for k in ("motion", "loudness", "crowd")}
        feats.append(ClipFeatures(
            path=f"v{i}.mp4", content_key=str(i), clip_seconds=2.0, bounds=bounds, visual=v,
            audio=None if i == 4 else a, visual_extractor="x", audio_extractor="y",
            audio_missing="no audio stream" if i == 4 else None, signals=signals,
        ))  # fmt: skip
    return feats


def _handles(feats, folder, dtype=np.float32):
    return [CachedFeatures(f.save_npz(folder / f"{i}.npz", dtype=dtype), f)
            for i, f in enumerate(feats)]  # fmt: skip


@pytest.mark.parametrize("cue", scorer_names())
def test_streamed_scores_equal_in_memory_for_every_cue(tmp_path, cue):
    feats = _library()
    handles = _handles(feats, tmp_path)
    cfg = ScoringConfig(cue=cue)
    signals = [f.signals for f in feats]
    cats = np.arange(len(feats)) % 3  # clustering: test_streamed_descriptors_equal_in_memory
    mem = score_library([(f.visual, f.audio) for f in feats], cfg, cats, signals=signals)
    got = score_library(VideoView(handles), cfg, cats, signals=signals)
    for g, m in zip(got.videos, mem.videos, strict=True):
        np.testing.assert_allclose(g.pseudo.av_ph, m.pseudo.av_ph, rtol=1e-9, atol=1e-12)
        np.testing.assert_array_equal(g.pseudo.label, m.pseudo.label)
        assert g.curves.keys() == m.curves.keys() and cue in g.curves
        for name in m.curves:
            np.testing.assert_allclose(g.curves[name], m.curves[name], rtol=1e-9, atol=1e-12)


def test_streamed_descriptors_equal_in_memory(tmp_path):
    feats = _library()
    desc, fill = library_descriptors(VideoView(_handles(feats, tmp_path)))
    want_desc, want_fill = library_descriptors([(f.visual, f.audio) for f in feats])
    np.testing.assert_array_equal(desc, want_desc)
    np.testing.assert_array_equal(fill, want_fill)
    np.testing.assert_array_equal(desc[2], video_descriptor(feats[2].visual, feats[2].audio))


def test_find_on_handles_equals_find_in_memory(tmp_path):
    feats = _library()
    cfg = FindConfig()
    mem, _, cats, _ = analyse(feats, cfg)
    got, _, cats2, _ = analyse(_handles(feats, tmp_path), cfg)
    np.testing.assert_array_equal(cats2.labels, cats.labels)
    for g, m in zip(got, mem, strict=True):
        assert g.segments == m.segments and g.has_audio == m.has_audio
        np.testing.assert_array_equal(g.score, m.score)
    assert [h.has_audio for h in got].count(False) == 1


def _find_peak(handles) -> tuple[int, list]:
    tracemalloc.start()
    got, *_ = analyse(handles, FindConfig())
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak, got


def test_default_find_reads_a_large_library_twice_in_memory_independent_of_it(
    tmp_path, monkeypatch
):
    """Above LARGE_LIBRARY_CLIPS the default cue reads each entry twice (descriptors, scores)
    and the ones auto samples once more (above its SAMPLE_CLIPS), and leaves out the
    library-fitted cues' curves; its peak does not grow with the library."""
    from collections import Counter

    import core.scorers.auto as auto

    monkeypatch.setattr(streaming, "LARGE_LIBRARY_CLIPS", 1000)
    monkeypatch.setattr(auto, "SAMPLE_CLIPS", 200)
    monkeypatch.setattr(auto, "SAMPLE_VIDEO_CLIPS", 20)
    small = _handles(_library(12, 256, 128, (150, 250), seed=1), tmp_path / "s")
    large = _handles(_library(48, 256, 128, (150, 250), seed=1), tmp_path / "l")
    assert sum(h.n_clips for h in large) > 3.5 * sum(h.n_clips for h in small)
    reads = []
    real = CachedFeatures.arrays

    def counted(self, visual=True, audio=True):
        reads.append(self.entry)
        return real(self, visual, audio)

    monkeypatch.setattr(CachedFeatures, "arrays", counted)
    curves = curves_for(large, FindConfig().scoring().cues)
    assert "atypicality" in curves and not {"recurrence", "neighbours"} & set(curves)
    _find_peak(small)  # first imports (scipy.stats for auto) are traced too
    peak_small, _ = _find_peak(small)
    reads.clear()
    peak_large, got = _find_peak(large)
    times = Counter(reads)
    assert set(times) == {h.entry for h in large} and set(times.values()) <= {2, 3}
    assert 2 <= list(times.values()).count(3) <= len(large) // 4  # auto's sample
    assert "atypicality" in got[0].cues and "neighbours" not in got[0].cues
    feature_bytes = sum(h.n_clips * (256 + 128) * 4 for h in large)
    assert peak_large < 1.5 * peak_small and peak_large < feature_bytes / 4


def test_a_vanished_entry_is_a_one_line_error(tmp_path):
    h = _handles(_library(n_videos=1), tmp_path)[0]
    h.entry.unlink()
    with pytest.raises(FeatureError, match="v0.mp4: its feature cache entry 0.npz can no longer"):
        _ = h.visual


def test_extract_library_hands_back_cache_handles_when_asked(tmp_path):
    lib = tmp_path / "lib"
    make_video(lib / "a.mp4", duration=4)
    make_video(lib / "b.mp4", duration=2, audio=None)
    visual, audio = ColorHistogram(), BandEnergy()
    lazy = extract_library(lib, visual, audio, in_memory=False)  # extracts, then reads entries
    mem = extract_library(lib, visual, audio)  # from the cache
    off = extract_library(lib, visual, audio, cache=False, in_memory=False)
    assert all(isinstance(f, CachedFeatures) for f in lazy.features)
    assert not any(isinstance(f, CachedFeatures) for f in off.features)  # no cache: in memory
    for m, h in zip(mem.features, lazy.features, strict=True):
        assert (h.path, h.n_clips, h.has_audio) == (m.path, m.n_clips, m.audio is not None)
        np.testing.assert_array_equal(h.visual, m.visual)
        np.testing.assert_array_equal(h.bounds, m.bounds)
        if m.audio is not None:
            np.testing.assert_array_equal(h.audio, m.audio)


def test_a_cache_handle_carries_shot_cuts_like_the_features(tmp_path):
    """core.shotsnap.attach_cuts sets ``cuts`` on whatever find holds; a cache handle keeps
    them and hands them on when loaded (find with shots crashed on a handle without them)."""
    from core.artifacts import ClipFeatures
    from core.streaming import in_cache

    bounds = np.array([[0.0, 2.0], [2.0, 4.0]])
    f = ClipFeatures("v.mp4", "k", 2.0, bounds, np.ones((2, 3), np.float32), None,
                     "vis", "aud", False, {})
    entry = tmp_path / "e.npz"
    np.savez(entry, visual=f.visual)
    h = in_cache(f, entry)
    assert h is not f and h.cuts is None
    h.cuts = np.array([1.5])
    assert h.load().cuts.tolist() == [1.5]
