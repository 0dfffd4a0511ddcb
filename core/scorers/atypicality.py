"""Atypicality: Euclidean distance of each clip from its own video's mean clip."""

from __future__ import annotations

import numpy as np

from core.scorers import FeatureScorer


class Atypicality(FeatureScorer):
    NAME = "atypicality"

    def curve(self, x, modality, category, fitted, member=None):
        x = np.asarray(x, np.float64)
        return np.linalg.norm(x - x.mean(axis=0), axis=1)
