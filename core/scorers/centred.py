"""Centred recurrence: the paper's recurrence after removing the library's average clip.

Post-ReLU features share one dominant direction (the cone of docs/results.md), so plain
cosine similarity mostly measures how generic a clip is. Subtracting the library's mean
clip (per modality) before normalising keeps each clip's *deviation* from the average;
a moment that recurs across videos shares its deviation and scores high, per-video
filler points elsewhere and averages out.
"""

from __future__ import annotations

import numpy as np

from core.scorers import FeatureScorer


def _unit(x: np.ndarray) -> np.ndarray:
    return x / np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-12)


class Centred(FeatureScorer):
    NAME = "centred"

    def fit(self, videos, categories):
        """Two passes over ``videos`` (the library's mean clip, then per-category sums), so a
        lazily loaded library (:class:`core.streaming.VideoView`) is read one video at a time."""
        categories = np.asarray(categories)
        k = int(categories.max()) + 1 if len(categories) else 1
        out = {}
        for m, name in ((0, "visual"), (1, "audio")):
            total, count = None, 0
            for v in videos:
                if v[m] is not None:
                    s = np.asarray(v[m], np.float64).sum(axis=0)
                    total, count = (s if total is None else total + s), count + len(v[m])
            if total is None:
                out[f"mean_{name}"] = np.zeros(0)
                out[f"centre_{name}"] = np.zeros((k, 0))
                continue
            mean = total / count
            sums = np.zeros((k, len(mean)))
            counts = np.zeros(k)
            for v, c in zip(videos, categories, strict=True):
                if v[m] is not None:
                    sums[c] += _unit(np.asarray(v[m], np.float64) - mean).sum(axis=0)
                    counts[c] += len(v[m])
            out[f"mean_{name}"] = mean
            out[f"centre_{name}"] = sums / np.maximum(counts, 1)[:, None]
        return out

    def curve(self, x, modality, category, fitted, member=None):
        if fitted[f"mean_{modality}"].size == 0:  # the library had no such feature
            return np.zeros(len(x))
        u = _unit(np.asarray(x, np.float64) - fitted[f"mean_{modality}"])
        return u @ fitted[f"centre_{modality}"][category]
