"""core.streaming gives the in-memory method's categories, pseudo-highlights and segments."""

from __future__ import annotations

import numpy as np
import pytest

from core.artifacts import ClipFeatures
from core.clustering import fit_categories, library_descriptors
from core.pseudo import pseudo_highlights
from core.selection import select_segments
from core.streaming import stream_library


def _library(tmp_path, n_videos=9, seed=0):
    """Three kinds of video (distinct feature means), some clips "highlights", one mute."""
    rng = np.random.default_rng(seed)
    kinds = rng.normal(size=(3, 2, 48)) * 3
    paths, feats = [], []
    for i in range(n_videos):
        n = int(rng.integers(5, 40))
        v = np.abs(kinds[i % 3, 0] + rng.normal(size=(n, 48))).astype(np.float32)
        a = np.abs(kinds[i % 3, 1] + rng.normal(size=(n, 32 + 16))).astype(np.float32)
        bounds = np.stack([np.arange(n) * 2.0, np.arange(n) * 2.0 + 2.0], axis=1)
        f = ClipFeatures(path=f"v{i}.mp4", content_key=str(i), clip_seconds=2.0, bounds=bounds,
                         visual=v, audio=None if i == 4 else a, visual_extractor="x",
                         audio_extractor="y")  # fmt: skip
        paths.append(f.save_npz(tmp_path / f"{i}.npz"))
        feats.append(f)
    return paths, feats


@pytest.mark.parametrize(("similarity", "modality"), [("dot", "visual"), ("cosine", "av")])
def test_streamed_equals_in_memory(tmp_path, similarity, modality):
    paths, feats = _library(tmp_path)
    got = stream_library(paths, similarity=similarity, modality=modality, seed=0)
    desc, _ = library_descriptors([(f.visual, f.audio) for f in feats])
    cats = fit_categories(desc, seed=0)
    assert cats.k == 3
    np.testing.assert_array_equal(got.categories.labels, cats.labels)
    ph = pseudo_highlights([(f.visual, f.audio) for f in feats], cats.labels, similarity,
                           modality, 0.5)  # fmt: skip
    for f, p, av, lab, segs in zip(feats, ph, got.av_ph, got.labels, got.segments, strict=True):
        np.testing.assert_array_equal(av, p.av_ph)
        np.testing.assert_array_equal(lab, p.label)
        assert segs == select_segments(f.bounds, p.av_ph, top_fraction=0.2, tiebreak=p.av_ph)
