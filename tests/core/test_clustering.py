import numpy as np

from core.clustering import Categories, fit_categories, library_descriptors, video_descriptor


def _blobs(k, per, dim=40, seed=0):
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(k, dim)) * 5
    x = np.concatenate([c + rng.normal(size=(per, dim)) * 0.3 for c in centres])
    return x, np.repeat(np.arange(k), per)


def test_silhouette_recovers_number_of_separated_categories():
    for k in (3, 5):
        x, truth = _blobs(k, 8, seed=k)
        cats = fit_categories(x, 2, 10, seed=0)
        assert cats.k == k
        # same partition up to relabelling
        for c in range(k):
            assert len(np.unique(cats.labels[truth == c])) == 1


def test_deterministic_with_seed():
    x, _ = _blobs(4, 6, seed=1)
    a = fit_categories(x, seed=3)
    b = fit_categories(x, seed=3)
    np.testing.assert_array_equal(a.labels, b.labels)
    assert a.silhouettes == b.silhouettes


def test_small_library_is_one_category():
    x, _ = _blobs(2, 2)
    cats = fit_categories(x)
    assert cats.k == 1 and cats.labels.tolist() == [0, 0, 0, 0]
    assert "too few" in cats.note
    assert cats.assign(x[:2]).tolist() == [0, 0]


def test_assign_new_video_without_refit_and_round_trip():
    x, truth = _blobs(3, 8, seed=7)
    cats = fit_categories(x, seed=0)
    rng = np.random.default_rng(9)
    new = x[[0, 8, 16]] + rng.normal(size=(3, x.shape[1])) * 0.1
    expect = cats.labels[[0, 8, 16]]
    np.testing.assert_array_equal(cats.assign(new), expect)
    again = Categories.from_arrays(cats.to_arrays())
    np.testing.assert_array_equal(again.assign(new), expect)
    assert again.k == cats.k


def test_descriptors_balance_modalities_and_fill_missing_audio():
    rng = np.random.default_rng(0)
    v = rng.normal(size=(5, 30)) + 1
    a = rng.normal(size=(5, 6)) + 1
    d = video_descriptor(v, a)
    assert d.shape == (36,)
    np.testing.assert_allclose(np.linalg.norm(d[:30]), 1, rtol=1e-5)
    np.testing.assert_allclose(np.linalg.norm(d[30:]), 1, rtol=1e-5)
    desc, fill = library_descriptors([(v, a), (v, None)])
    np.testing.assert_allclose(desc[1, 30:], fill)
