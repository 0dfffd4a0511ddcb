"""Neighbours: recurrence as k-NN density across videos, robust to hubness.

For each other video of the clip's category, the similarity of its best-matching clip;
the cue is the mean over those videos. A moment that recurs across the library has a
close match in most videos; per-video filler has none outside its own video. Similarity
is cosine after removing the library's mean clip (the shared post-ReLU direction).

A new video is compared with every library video; when it is itself one of them, its own
row adds the same 1.0 to every clip, which leaves the ranking unchanged.
"""

from __future__ import annotations

import numpy as np

from core.scorers import FeatureScorer


def _unit(x: np.ndarray) -> np.ndarray:
    return x / np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-12)


class Neighbours(FeatureScorer):
    NAME = "neighbours"

    def fit(self, videos, categories):
        out = {}
        for m, name in ((0, "visual"), (1, "audio")):
            rows = [(i, np.asarray(v[m], np.float64)) for i, v in enumerate(videos)
                    if v[m] is not None]
            if not rows:
                out[f"mean_{name}"] = np.zeros(0)
                continue
            mean = np.concatenate([r for _, r in rows]).mean(axis=0)
            out[f"mean_{name}"] = mean
            out[f"clips_{name}"] = np.concatenate([_unit(r - mean) for _, r in rows]).astype(
                np.float32
            )
            out[f"video_{name}"] = np.concatenate([np.full(len(r), i) for i, r in rows])
            out[f"category_{name}"] = np.concatenate(
                [np.full(len(r), int(categories[i])) for i, r in rows]
            )
        return out

    def curve(self, x, modality, category, fitted, member=None):
        mean = fitted[f"mean_{modality}"]
        if mean.size == 0:
            return np.zeros(len(x))
        u = _unit(np.asarray(x, np.float64) - mean).astype(np.float32)
        keep = fitted[f"category_{modality}"] == category
        vids = fitted[f"video_{modality}"][keep]
        if member is not None:
            keep_v = vids != member
            sims = u @ fitted[f"clips_{modality}"][keep][keep_v].T
            vids = vids[keep_v]
        else:
            sims = u @ fitted[f"clips_{modality}"][keep].T
        others = np.unique(vids)
        if len(others) == 0:
            return np.zeros(len(x))
        best = [sims[:, vids == j].max(axis=1) for j in others]
        return np.mean(best, axis=0).astype(np.float64)
