"""Temporal novelty: Euclidean distance of each clip from the previous one (the first clip
takes the distance to the second, so a cut into a clip and out of it both count)."""

from __future__ import annotations

import numpy as np

from core.scorers import FeatureScorer


class Novelty(FeatureScorer):
    NAME = "novelty"

    def curve(self, x, modality, category, fitted, member=None):
        x = np.asarray(x, np.float64)
        if len(x) < 2:
            return np.zeros(len(x))
        step = np.linalg.norm(np.diff(x, axis=0), axis=1)
        return np.concatenate([step[:1], step])
