"""Input checks shared by the audio extractors."""

from __future__ import annotations

import numpy as np

from core.errors import FeatureError


def check_waveform(waveform: np.ndarray) -> np.ndarray:
    """Return ``waveform`` as finite 1-D float32, or raise :class:`FeatureError`."""
    waveform = np.asarray(waveform, dtype=np.float32)
    if waveform.ndim != 1:
        raise FeatureError(f"expected a mono waveform (1-D), got shape {waveform.shape}")
    if not np.all(np.isfinite(waveform)):
        raise FeatureError("waveform holds NaN or infinite samples")
    return waveform


def check_bounds(bounds: np.ndarray) -> np.ndarray:
    """Return clip bounds as ``(n, 2)`` float64 seconds, or raise :class:`FeatureError`."""
    bounds = np.asarray(bounds, dtype=np.float64)
    if bounds.size == 0:
        return np.zeros((0, 2))
    if bounds.ndim != 2 or bounds.shape[1] != 2:
        raise FeatureError(f"clip bounds must have shape (n, 2), got {bounds.shape}")
    if not np.all(np.isfinite(bounds)) or np.any(bounds < 0) or np.any(bounds[:, 1] < bounds[:, 0]):
        raise FeatureError("clip bounds must be finite, non-negative, with end >= start")
    return bounds
