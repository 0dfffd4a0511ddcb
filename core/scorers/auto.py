"""Auto: a rule that reads the library and picks ``atypicality`` or ``activity``.

Atypicality (distance of a clip from its video's mean clip) finds what stands out in a
video; that is a highlight when what stands out in each video is also what the videos
share, a kind of moment that recurs across the library. The rule measures exactly that,
without labels: the **agreement** is the mean, over the library's videos, of the Spearman
rank correlation between a clip's ``neighbours`` curve (its best match in each other video
of its pseudo-category) and its ``atypicality`` curve, both in the cue's modality.

* agreement > 0: the atypical clips are the recurring ones, so the cue is atypicality;
* otherwise (nothing atypical recurs, or one video only): activity, the feature energy
  ("how much is going on").

The threshold is the sign of the correlation, fixed before any validation number was seen;
the fitted state (the agreement) goes into a model file, so a new video is scored with the
library's choice.
"""

from __future__ import annotations

import numpy as np
from scipy.stats import spearmanr

from core.scorers import Scorer, get_scorer

#: agreement above which the library's atypical clips count as recurring
THRESHOLD = 0.0


def library_agreement(scorer: Scorer, videos, categories: np.ndarray) -> float:
    """Mean Spearman correlation of neighbours and atypicality over the library's videos
    (``nan`` when no video has two clips and a neighbour)."""
    categories = np.asarray(categories, np.int64)
    nb = get_scorer("neighbours", scorer.similarity, scorer.modality)
    aty = get_scorer("atypicality", scorer.similarity, scorer.modality)
    fitted = nb.fit(videos, categories)
    rhos = []
    for i, video in enumerate(videos):
        if len(video[0]) < 3 or np.sum(categories == categories[i]) < 2:
            continue
        n = nb.score(video, int(categories[i]), fitted, member=i).combined
        a = aty.score(video, int(categories[i]), {}).combined
        if np.ptp(n) > 0 and np.ptp(a) > 0:
            rhos.append(float(spearmanr(n, a)[0]))
    return float(np.mean(rhos)) if rhos else float("nan")


def choice(fitted: dict) -> str:
    """The cue the rule picked for a fitted library: ``atypicality`` or ``activity``."""
    agreement = float(np.asarray(fitted.get("agreement", np.nan)))
    return "atypicality" if agreement > THRESHOLD else "activity"


def describe(fitted: dict) -> str:
    """One line for the run's notes: the agreement and what the rule picked."""
    agreement = float(np.asarray(fitted.get("agreement", np.nan)))
    return (
        f"auto cue: {choice(fitted)} (agreement of atypical and recurring clips "
        f"{agreement:.2f}; atypicality above {THRESHOLD:g})"
    )


class Auto(Scorer):
    NAME = "auto"

    def fit(self, videos, categories):
        return {"agreement": np.asarray(library_agreement(self, videos, categories))}

    def curve(self, x, modality, category, fitted, member=None):
        x = np.asarray(x, np.float64)
        if choice(fitted) == "atypicality":
            return np.linalg.norm(x - x.mean(axis=0), axis=1)
        return np.linalg.norm(x, axis=1)
