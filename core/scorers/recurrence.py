"""Recurrence, exactly the paper's pseudo-highlight: a clip's mean similarity to every clip
of its pseudo-category (itself included when it belongs to the library).

The mean of similarities to a set is the dot product with the mean of the set's prepared
(e.g. L2-normalised) rows, so fitting keeps one centre per category and modality;
:func:`core.pseudo.pseudo_highlights` and its O(S^2) oracle are the reference it must equal.
"""

from __future__ import annotations

import numpy as np

from core.pseudo import _prepare
from core.scorers import FeatureScorer, VideoFeatures


def category_centres(
    videos: list[VideoFeatures], categories: np.ndarray, similarity: str
) -> dict[str, np.ndarray]:
    """``centre_visual`` / ``centre_audio``: (K, d) mean prepared rows of each category."""
    categories = np.asarray(categories)
    k = int(categories.max()) + 1 if len(categories) else 1
    out = {}
    for m, name in ((0, "visual"), (1, "audio")):
        dim = next((v[m].shape[1] for v in videos if v[m] is not None), 0)
        sums = np.zeros((k, dim), np.float64)
        counts = np.zeros(k)
        for v, c in zip(videos, categories, strict=True):
            if v[m] is not None:
                sums[c] += _prepare(v[m], similarity).sum(axis=0, dtype=np.float64)
                counts[c] += len(v[m])
        out[f"centre_{name}"] = sums / np.maximum(counts, 1)[:, None]
    return out


class Recurrence(FeatureScorer):
    NAME = "recurrence"

    def fit(self, videos, categories):
        return category_centres(videos, categories, self.similarity)

    def curve(self, x, modality, category, fitted, member=None):
        p = _prepare(x, self.similarity)
        return p @ fitted[f"centre_{modality}"][category].astype(p.dtype)
