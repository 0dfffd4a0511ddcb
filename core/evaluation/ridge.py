"""A closed-form ridge regression on the clip features: the reference the supervised network
must at least match (``avhd bench --scorer ridge``; reads the training labels)."""

from __future__ import annotations

import numpy as np

#: L2 penalty on standardised features, per training clip (chosen as a round value, not tuned)
ALPHA_PER_CLIP = 1.0


def _design(videos: list[tuple[np.ndarray, np.ndarray | None]], audio_dim: int) -> np.ndarray:
    rows = []
    for v, a in videos:
        a = np.zeros((len(v), audio_dim)) if a is None else a
        rows.append(np.concatenate([np.asarray(v, np.float64), np.asarray(a, np.float64)], 1))
    return np.concatenate(rows)


def ridge_scores(
    train: list[tuple[np.ndarray, np.ndarray | None]],
    targets: list[np.ndarray],
    test: list[tuple[np.ndarray, np.ndarray | None]],
    alpha: float = ALPHA_PER_CLIP,
) -> list[np.ndarray]:
    """Fit ``w`` minimising ``|Xw - y|^2 + alpha * n * |w|^2`` on standardised visual+audio
    features of the training clips; score every test clip."""
    da = next((a.shape[1] for _, a in train if a is not None), 0)
    x = _design(train, da)
    mean, std = x.mean(0), np.maximum(x.std(0), 1e-6)
    x = (x - mean) / std
    y = np.concatenate([np.asarray(t, np.float64) for t in targets])
    y = y - y.mean()
    gram = x.T @ x + alpha * len(x) * np.eye(x.shape[1])
    w = np.linalg.solve(gram, x.T @ y)
    return [((_design([t], da) - mean) / std) @ w for t in test]
