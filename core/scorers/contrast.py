"""Contrast: recurrence corrected for hubness. Post-ReLU features sit in a narrow cone, so a
clip's similarity to its own category mostly measures how generic it is (docs/results.md);
subtracting its similarity to the whole library keeps what recurs in this category only.
"""

from __future__ import annotations

import numpy as np

from core.pseudo import _prepare
from core.scorers import FeatureScorer
from core.scorers.recurrence import category_centres


class Contrast(FeatureScorer):
    NAME = "contrast"

    def fit(self, videos, categories):
        own = category_centres(videos, categories, self.similarity)
        lib = category_centres(videos, np.zeros(len(videos), np.int64), self.similarity)
        return {**own, "library_visual": lib["centre_visual"][0],
                "library_audio": lib["centre_audio"][0]}

    def curve(self, x, modality, category, fitted, member=None):
        p = _prepare(x, self.similarity)
        centre = fitted[f"centre_{modality}"][category] - fitted[f"library_{modality}"]
        return p @ centre.astype(p.dtype)
