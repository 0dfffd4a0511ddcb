import numpy as np
import pytest

from core.pseudo import (
    mean_similarity,
    mean_similarity_naive,
    pseudo_highlights,
    top_fraction_labels,
)


def _lib(rng, n_videos=4, dim=12):
    return [rng.normal(size=(int(rng.integers(3, 9)), dim)) for _ in range(n_videos)]


@pytest.mark.parametrize("similarity", ["cosine", "pearson"])
def test_linear_time_mean_equals_pairwise_definition(similarity):
    rng = np.random.default_rng(1)
    feats = _lib(rng)
    fast = mean_similarity(feats, similarity)
    slow = mean_similarity_naive(feats, similarity)
    for f, s in zip(fast, slow, strict=True):
        np.testing.assert_allclose(f, s, atol=1e-12)


def test_cosine_hand_computed():
    # Two clips at 0 and 90 degrees, one at 45: mean cosine to all three.
    x = [np.array([[1.0, 0.0], [0.0, 1.0]]), np.array([[1.0, 1.0]])]
    r = np.sqrt(0.5)
    expect0 = (1 + 0 + r) / 3
    got = mean_similarity(x)
    np.testing.assert_allclose(got[0], [expect0, expect0])
    np.testing.assert_allclose(got[1], [(r + r + 1) / 3])


def test_pearson_ignores_offset_and_scale():
    rng = np.random.default_rng(2)
    x = rng.normal(size=(5, 8))
    y = 3.0 * x + 7.0  # per-row affine change: Pearson identical
    np.testing.assert_allclose(
        mean_similarity([x], "pearson")[0], mean_similarity([y], "pearson")[0], atol=1e-12
    )


def test_top_fraction_labels_stable_ties():
    np.testing.assert_array_equal(top_fraction_labels([1, 1, 1, 1], 0.5), [1, 1, 0, 0])
    np.testing.assert_array_equal(top_fraction_labels([0.1, 0.9, 0.5], 0.5), [0, 1, 1])
    assert top_fraction_labels([0.3], 0.5).tolist() == [1]


def test_recurring_clips_score_highest_and_audio_less_video_uses_visual():
    rng = np.random.default_rng(3)
    event_v, event_a = rng.normal(size=16), rng.normal(size=8)
    videos = []
    for i in range(4):
        v = rng.normal(size=(10, 16))
        a = rng.normal(size=(10, 8))
        v[2:4] = event_v + 0.1 * rng.normal(size=(2, 16))
        a[2:4] = event_a + 0.1 * rng.normal(size=(2, 8))
        videos.append((v, None if i == 3 else a))
    ph = pseudo_highlights(videos, np.zeros(4, int), top=0.2)
    for i, p in enumerate(ph):
        assert p.label.tolist() == [0, 0, 1, 1, 0, 0, 0, 0, 0, 0]
        assert p.label.dtype == np.int8
        if i == 3:
            assert p.a_ph is None
            np.testing.assert_array_equal(p.av_ph, p.v_ph)
        else:
            np.testing.assert_allclose(p.av_ph, (p.a_ph + p.v_ph) / 2)


def test_categories_are_scored_separately():
    rng = np.random.default_rng(4)
    a = [(rng.normal(size=(6, 4)) + 5, rng.normal(size=(6, 3))) for _ in range(2)]
    b = [(rng.normal(size=(6, 4)) - 5, rng.normal(size=(6, 3))) for _ in range(2)]
    together = pseudo_highlights(a + b, np.array([0, 0, 1, 1]))
    alone = pseudo_highlights(a, np.array([0, 0]))
    np.testing.assert_allclose(together[0].v_ph, alone[0].v_ph)


def test_bad_options():
    with pytest.raises(ValueError, match="valid"):
        pseudo_highlights([(np.ones((2, 2)), None)], [0], modality="smell")
    with pytest.raises(ValueError, match="valid"):
        mean_similarity([np.ones((2, 2))], "euclid")
