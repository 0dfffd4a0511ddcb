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

from core.scorers import FeatureScorer, Scorer, get_scorer

#: agreement above which the library's atypical clips count as recurring
THRESHOLD = 0.0
#: how the run's note on the pick starts (the app reads the cue after it)
NOTE = "auto cue: "


#: clips the agreement reads at most: above it, a sample of each category's videos (and of
#: a long video's clips) estimates the mean, so memory stays bounded however large the
#: library (neighbours holds every clip it compares; the validated libraries are smaller)
SAMPLE_CLIPS = 60_000
#: clips read at most from one sampled video (every n-th clip above it)
SAMPLE_VIDEO_CLIPS = 2_000


def _clip_counts(videos) -> list[int]:
    counts = getattr(videos, "clip_counts", None)  # core.streaming.VideoView: no read
    if counts is not None:
        return list(counts())
    return [len(v[0]) if v[0] is not None else len(v[1]) for v in videos]


def sample_library(videos, categories: np.ndarray) -> tuple[list, np.ndarray]:
    """The videos (and categories) the agreement reads, in memory: all of them up to
    :data:`SAMPLE_CLIPS` clips; else every s-th video of each category (at least two
    where it has two) and every t-th clip of a video longer than :data:`SAMPLE_VIDEO_CLIPS`."""
    counts = _clip_counts(videos)
    if sum(counts) <= SAMPLE_CLIPS:  # every clip, read once (a streamed view reads per use)
        return [videos[i] for i in range(len(counts))], categories
    step = int(np.ceil(sum(min(n, SAMPLE_VIDEO_CLIPS) for n in counts) / SAMPLE_CLIPS))
    keep: list[int] = []
    for c in np.unique(categories):
        members = np.flatnonzero(categories == c)
        picked = members[::step]
        if len(picked) < 2 <= len(members):
            picked = members[[0, len(members) // 2]]
        keep.extend(int(i) for i in picked)
    keep.sort()
    sample = []
    for i in keep:
        stride = max(1, int(np.ceil(counts[i] / SAMPLE_VIDEO_CLIPS)))
        v, a = videos[i]
        # copies: a strided view would keep the whole video's array alive
        sample.append((None if v is None else np.array(v[::stride]),
                       None if a is None else np.array(a[::stride])))
    return sample, categories[keep]


def library_agreement(scorer: Scorer, videos, categories: np.ndarray) -> float:
    """Mean Spearman correlation of neighbours and atypicality over the library's videos
    (``nan`` when no video has two clips and a neighbour); a large library is read through
    :func:`sample_library`."""
    categories = np.asarray(categories, np.int64)
    videos, categories = sample_library(videos, categories)
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
        f"{NOTE}{choice(fitted)} (agreement of atypical and recurring clips "
        f"{agreement:.2f}; atypicality above {THRESHOLD:g})"
    )


class Auto(FeatureScorer):
    NAME = "auto"

    def fit(self, videos, categories):
        return {"agreement": np.asarray(library_agreement(self, videos, categories))}

    def curve(self, x, modality, category, fitted, member=None):
        x = np.asarray(x, np.float64)
        if choice(fitted) == "atypicality":
            return np.linalg.norm(x - x.mean(axis=0), axis=1)
        return np.linalg.norm(x, axis=1)
