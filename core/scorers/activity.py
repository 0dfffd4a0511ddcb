"""Activity: the clip's feature norm. On pooled post-ReLU embeddings it is the activation
energy, "how much is going on" (on the benchmarks' I3D features it is most of the signal)."""

from __future__ import annotations

import numpy as np

from core.scorers import FeatureScorer


class Activity(FeatureScorer):
    NAME = "activity"

    def curve(self, x, modality, category, fitted, member=None):
        return np.linalg.norm(np.asarray(x, np.float64), axis=1)
