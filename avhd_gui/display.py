"""How scores are shown: one scale per video from its values, for curves and numbers alike.

The cues score clips on scales of their own (a dot-product recurrence of 9-15, a trained
network's 0-1 probability), so the timeline, its readout and the segment list map each
video's values onto 0-1 the same way before showing them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

#: the percentiles that span the display range: a few outliers (a silent clip, one loud
#: burst) are clipped instead of flattening the rest of the curve into a line
LOW_PERCENTILE, HIGH_PERCENTILE = 2.0, 98.0


@dataclass(frozen=True)
class DisplayScale:
    """``lo`` shows as 0 and ``hi`` as 1; ``scaled`` is False for values shown as they are."""

    lo: float = 0.0
    hi: float = 1.0
    scaled: bool = False

    @classmethod
    def fit(cls, values) -> DisplayScale:
        """The scale for one video's values: identity when they already lie in [0, 1]."""
        v = np.asarray(values, np.float64).ravel()
        finite = v[np.isfinite(v)]
        if finite.size == 0 or (finite.min() >= 0.0 and finite.max() <= 1.0):
            return cls()
        lo, hi = (float(x) for x in np.percentile(finite, [LOW_PERCENTILE, HIGH_PERCENTILE]))
        if hi - lo < 1e-12:
            lo, hi = float(finite.min()), float(finite.max())
        if hi - lo < 1e-12:  # constant: drawn in the middle
            return cls(lo - 1.0, hi + 1.0, True)
        return cls(lo, hi, True)

    def apply(self, values) -> np.ndarray:
        """``values`` on the 0-1 display scale (clipped when scaled)."""
        v = np.asarray(values, np.float64)
        if not self.scaled:
            return v
        return np.clip((v - self.lo) / (self.hi - self.lo), 0.0, 1.0)

    def percent(self, value: float) -> str:
        """One value as the percentage the display shows, e.g. ``"87%"``."""
        return f"{100 * float(self.apply(value)):.0f}%"
