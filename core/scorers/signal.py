"""Cues read from the per-clip signals measured while extracting (:mod:`core.signals`).

Features that come without them (the benchmarks' precomputed features, caches from before
signals) simply have no such cue.
"""

from __future__ import annotations

import numpy as np

from core.scorers import Cue, Scorer


class _Signal(Scorer):
    SIGNAL = ""
    IS_AUDIO = False

    def score(self, video, category, fitted, signals=None, member=None):
        values = (signals or {}).get(self.SIGNAL)
        if values is None or len(values) != len(video[0]):
            return None
        values = np.asarray(values, np.float64)
        if self.IS_AUDIO:
            return Cue(None, values, values)
        return Cue(values, None, values)


class Motion(_Signal):
    NAME = SIGNAL = "motion"


class Loudness(_Signal):
    NAME = SIGNAL = "loudness"
    IS_AUDIO = True


class Crowd(_Signal):
    NAME = SIGNAL = "crowd"
    IS_AUDIO = True
