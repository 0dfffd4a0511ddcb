"""Per-clip cues, each a named scorer (one module per cue, a registry by ``NAME``).

A scorer turns one video's clip features into a per-clip curve, per modality:
:class:`Cue` holds the visual curve, the audio curve (``None`` without audio) and their
combination. Scorers that compare a clip with the rest of the library (recurrence,
contrast) are *fitted* on the library first (:meth:`Scorer.fit`); the fitted state is a
dict of arrays so that a model file can keep it and score new videos the same way.

``get_scorer(name)`` builds one by name; an unknown name lists the valid ones.
"""

from __future__ import annotations

import importlib
from abc import ABC, abstractmethod
from dataclasses import dataclass

import numpy as np

from core.errors import AvhdError
from core.pseudo import MODALITIES, combine_modalities

#: name -> "module:Class" (imported lazily)
_REGISTRY = {
    "recurrence": "core.scorers.recurrence:Recurrence",
    "contrast": "core.scorers.contrast:Contrast",
    "centred": "core.scorers.centred:Centred",
    "neighbours": "core.scorers.neighbours:Neighbours",
    "activity": "core.scorers.activity:Activity",
    "atypicality": "core.scorers.atypicality:Atypicality",
    "novelty": "core.scorers.novelty:Novelty",
    "motion": "core.scorers.signal:Motion",
    "loudness": "core.scorers.signal:Loudness",
    "crowd": "core.scorers.signal:Crowd",
    "auto": "core.scorers.auto:Auto",
}
#: what each cue means, in plain words (the timeline's legend)
DESCRIPTIONS = {
    "recurrence": "how much the clip resembles its pseudo-category (the paper's pseudo-highlight)",
    "contrast": "resemblance to its own category minus resemblance to the whole library",
    "centred": "resemblance to its category once the library's average clip is removed",
    "neighbours": "how closely the clip is matched in the other videos of its category",
    "activity": "feature energy of the clip (how much is going on)",
    "atypicality": "distance of the clip from its video's average clip",
    "novelty": "change from the previous clip",
    "motion": "how much the picture moves (frame difference)",
    "loudness": "how loud the clip is (RMS level, dB)",
    "crowd": "how much it sounds like cheering, applause, laughter or a crowd (YAMNet)",
    "auto": "atypicality when the library's atypical clips recur across its videos, "
    "else activity",
}

VideoFeatures = tuple[np.ndarray, np.ndarray | None]


@dataclass
class Cue:
    """One cue's per-clip curves for one video."""

    visual: np.ndarray | None  # None: the cue reads no visual feature (e.g. loudness)
    audio: np.ndarray | None
    combined: np.ndarray


class Scorer(ABC):
    """A per-clip cue. ``fit`` reads the library (default: nothing to fit)."""

    NAME = ""

    def __init__(self, similarity: str = "cosine", modality: str = "av") -> None:
        if modality not in MODALITIES:
            raise AvhdError(f"unknown modality {modality!r}; valid: {', '.join(MODALITIES)}")
        self.similarity = similarity
        self.modality = modality

    def fit(self, videos: list[VideoFeatures], categories: np.ndarray) -> dict[str, np.ndarray]:
        """Library state this cue needs to score a video (arrays only)."""
        return {}

    @abstractmethod
    def score(
        self,
        video: VideoFeatures,
        category: int,
        fitted: dict,
        signals: dict | None = None,
        member: int | None = None,
    ) -> Cue | None:
        """The cue's curves for one video (``None`` when the video lacks what it reads);
        ``member`` is the video's index in the fitted library (``None``: a new video)."""


class FeatureScorer(Scorer):
    """A cue computed from the clip features, one modality at a time (:meth:`curve`), and
    combined over the modalities as the scorer's ``modality`` asks."""

    @abstractmethod
    def curve(
        self, x: np.ndarray, modality: str, category: int, fitted: dict, member: int | None = None
    ) -> np.ndarray:
        """Per-clip curve of one modality's features ``x`` (``modality`` visual/audio)."""

    def score(self, video, category, fitted, signals=None, member=None):
        v = np.asarray(self.curve(video[0], "visual", category, fitted, member), np.float64)
        a = None
        if video[1] is not None:
            a = np.asarray(self.curve(video[1], "audio", category, fitted, member), np.float64)
        return Cue(v, a, combine_modalities(a, v, self.modality))


def scorer_names() -> list[str]:
    return list(_REGISTRY)


def get_scorer(name: str, similarity: str = "cosine", modality: str = "av") -> Scorer:
    """The scorer registered as ``name``."""
    if name not in _REGISTRY:
        raise AvhdError(f"unknown cue {name!r}; valid: {', '.join(_REGISTRY)}")
    module, cls = _REGISTRY[name].split(":")
    return getattr(importlib.import_module(module), cls)(similarity, modality)
