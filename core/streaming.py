"""Find's features without holding them: cache-backed handles and a lazy view of a library.

``find`` used to hold every clip's features of the library at once (1280 + 1024 float32 per
2 s clip: about 9 GB per million clips). Now extraction hands back, for each video whose
features are in the feature cache, a :class:`CachedFeatures` handle: its metadata, clip
bounds and signals stay in memory (about 40 bytes per clip), its visual and audio arrays
are read from the cache entry each time they are used and dropped after. ``find``
(:func:`core.pipeline.analyse`) hands the one scoring engine
(:func:`core.scoring.score_library`, which ``avhd bench`` and the app call too) a
:class:`VideoView`, a sequence that loads one video at a time, so each pass over the
library holds one video's features.

What each cue holds for a library of N clips, V videos and K categories (d = feature dims):

* bounded (per video only): atypicality, activity, novelty, motion, loudness, crowd;
* bounded (per-category sums, O(K d), streamed): recurrence (one pass), contrast (two: its
  categories' and the library's centres), centred (two: the library's mean clip, then the
  per-category sums);
* not bounded: neighbours keeps every clip's unit features (N d float32); the clustering's
  descriptors are O(V d).

A library above :data:`LARGE_LIBRARY_CLIPS` clips computes the curves of cues fitted on the
library (recurrence, contrast, centred, neighbours) only when asked for (:func:`curves_for`),
so the default ``find`` reads the cache twice: descriptors, then scores.

The arithmetic is the in-memory code's (same functions on the same arrays), so streamed
scores equal in-memory ones to float rounding (``tests/core/test_streaming.py``, every cue).
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np

from core.artifacts import ClipFeatures, stored_features
from core.errors import FeatureError

VideoFeatures = tuple[np.ndarray, np.ndarray | None]
#: above this many clips in a library, ``find`` leaves out the curves of cues whose fitted
#: state grows with the library (neighbours) unless that cue is the one asked for
LARGE_LIBRARY_CLIPS = 200_000


class CachedFeatures:
    """One video's :class:`ClipFeatures` whose feature arrays stay in a cache entry.

    Quacks like ``ClipFeatures`` (``path``, ``name``, ``n_clips``, ``bounds``, ``signals``,
    ``visual``, ``audio``, ...); ``visual``/``audio`` read the entry on every access.
    """

    def __init__(self, entry: str | os.PathLike, features: ClipFeatures) -> None:
        self.entry = Path(entry)
        self.path = features.path
        self.content_key = features.content_key
        self.clip_seconds = features.clip_seconds
        self.bounds = features.bounds
        self.visual_extractor = features.visual_extractor
        self.audio_extractor = features.audio_extractor
        self.audio_missing = features.audio_missing
        self.signals = features.signals
        self.cuts = features.cuts  # shot cuts (core.shotsnap.attach_cuts sets them)
        self.has_audio = features.audio is not None
        self._dims = (features.visual.shape[1],
                      features.audio.shape[1] if features.audio is not None else 0)  # fmt: skip

    @property
    def n_clips(self) -> int:
        return int(len(self.bounds))

    @property
    def name(self) -> str:
        return Path(self.path).name

    @property
    def visual(self) -> np.ndarray:
        return self.arrays(audio=False)[0]

    @property
    def audio(self) -> np.ndarray | None:
        return self.arrays(visual=False)[1] if self.has_audio else None

    def arrays(self, visual: bool = True, audio: bool = True) -> VideoFeatures:
        """``(visual, audio)`` read from the entry as float32 (a part not asked for: None).

        Raises:
            FeatureError: the entry is gone or no longer holds these features.
        """
        try:
            with np.load(self.entry, allow_pickle=False) as z:
                v = stored_features(z, "visual") if visual else None
                a = stored_features(z, "audio") if audio and self.has_audio else None
        except Exception as exc:  # removed, truncated or replaced while find ran
            raise FeatureError(f"{self.name}: its feature cache entry {self.entry.name} can no "
                               f"longer be read ({exc}); run again") from exc  # fmt: skip
        for x, dim in ((v, self._dims[0]), (a, self._dims[1])):
            if x is not None and x.shape != (self.n_clips, dim):
                raise FeatureError(f"{self.name}: its feature cache entry changed while in use")
        return v, a

    def load(self) -> ClipFeatures:
        """The features in memory."""
        v, a = self.arrays()
        return ClipFeatures(self.path, self.content_key, self.clip_seconds, self.bounds, v, a,
                            self.visual_extractor, self.audio_extractor, self.audio_missing,
                            self.signals, cuts=self.cuts)  # fmt: skip


def in_cache(
    features: ClipFeatures, entry: str | os.PathLike | None
) -> ClipFeatures | CachedFeatures:
    """A :class:`CachedFeatures` handle for ``features`` stored at ``entry``, or the features
    themselves when there is no such entry (no cache, or its write failed)."""
    if entry is None or not Path(entry).is_file() or features.n_clips == 0:
        return features
    return CachedFeatures(entry, features)


class VideoView(Sequence):
    """``(visual, audio)`` per video of a library, loaded when asked for (one at a time).

    In-memory :class:`ClipFeatures` are served as they are; :class:`CachedFeatures` are read
    from their entries. The last video read is kept, so ``view[i]`` twice reads once.
    """

    def __init__(self, feats: Sequence) -> None:
        self._feats = list(feats)
        self._last: tuple[int, VideoFeatures] | None = None

    def __len__(self) -> int:
        return len(self._feats)

    def clip_counts(self) -> list[int]:
        """Clips per video, without reading an entry."""
        return [int(f.n_clips) for f in self._feats]

    def __getitem__(self, i):
        if isinstance(i, slice):
            return VideoView(self._feats[i])
        i = range(len(self._feats))[i]
        if self._last is not None and self._last[0] == i:
            return self._last[1]
        f = self._feats[i]
        pair = f.arrays() if isinstance(f, CachedFeatures) else (f.visual, f.audio)
        if isinstance(f, CachedFeatures):
            self._last = (i, pair)
        return pair

    def __iter__(self) -> Iterator[VideoFeatures]:
        for i in range(len(self._feats)):
            yield self[i]
        self._last = None


def curves_for(feats: Sequence, cues: Sequence[str]) -> bool | tuple[str, ...]:
    """The cue curves ``find`` computes beside ``cues``: all (``True``) for a library of up to
    :data:`LARGE_LIBRARY_CLIPS` clips; above it only the per-video cues (each cue fitted on
    the library costs one or two more passes over the cache, and neighbours is unbounded)."""
    from core.scorers import scorer_names
    from core.scoring import _FITTED_CUES

    if sum(f.n_clips for f in feats) <= LARGE_LIBRARY_CLIPS:
        return True
    return tuple(n for n in scorer_names() if n not in _FITTED_CUES or n in cues)
