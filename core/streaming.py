"""The method's unsupervised part on a library too large to hold in memory.

``pseudo_highlights`` (core.pseudo) wants every clip's features at once: 1280 + 1024 float32
per 2 s clip, about 9 GB per million clips. Here the features are read one video at a time
from their ``.npz`` files (the feature cache's entries), in two passes:

1. per video: the mean visual and audio feature (the clustering descriptor) and the sum of
   its prepared rows (``core.pseudo._prepare``) per modality; then UMAP + K-means on the
   descriptors (``core.clustering``), and each category's centre from its videos' sums;
2. per video again: A-PH / V-PH / AV-PH against its category's centre, the pseudo-labels,
   and the selected segments (``core.selection``); only the per-clip scores are kept.

Memory is ``O(V * (dv + da))`` for V videos plus a few float64 per clip, independent of how
many clips each video has. The arithmetic is the same as :func:`core.pseudo.
pseudo_highlights` (same per-video sums, summed in the same order), so the scores are equal
to it (``tests/core/test_streaming.py``).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from core.artifacts import ClipFeatures, Segment
from core.clustering import Categories, _unit, fit_categories
from core.pseudo import _prepare, combine_modalities, top_fraction_labels
from core.selection import select_segments


@dataclass
class VideoSummary:
    """Pass-1 result of one video: what clustering and the category centres need."""

    n_clips: int
    mean_visual: np.ndarray  # (dv,) float64
    mean_audio: np.ndarray | None  # (da,) float64
    sum_visual: np.ndarray  # (dv,) float64 sum of prepared rows
    sum_audio: np.ndarray | None


@dataclass
class StreamedResult:
    """Outcome of :func:`stream_library`: categories and per-video scores and segments."""

    categories: Categories
    av_ph: list[np.ndarray]
    labels: list[np.ndarray]
    segments: list[list[Segment]]


def _load(path: str | os.PathLike) -> ClipFeatures:
    return ClipFeatures.load_npz(path)


def summarise(f: ClipFeatures, similarity: str) -> VideoSummary:
    """Pass 1 for one video."""
    v = _prepare(f.visual, similarity)
    a = _prepare(f.audio, similarity) if f.audio is not None else None
    return VideoSummary(
        n_clips=f.n_clips,
        mean_visual=np.asarray(f.visual, np.float64).mean(axis=0),
        mean_audio=np.asarray(f.audio, np.float64).mean(axis=0) if f.audio is not None else None,
        sum_visual=v.sum(axis=0, dtype=np.float64),
        sum_audio=a.sum(axis=0, dtype=np.float64) if a is not None else None,
    )


def descriptors(summaries: Sequence[VideoSummary]) -> np.ndarray:
    """The clustering descriptors, as :func:`core.clustering.library_descriptors` makes them."""
    audio_parts = [_unit(s.mean_audio) for s in summaries if s.mean_audio is not None]
    if not audio_parts:
        raise ValueError("no video in the library has audio features")
    fill = _unit(np.mean(audio_parts, axis=0))
    rows = [
        np.concatenate([_unit(s.mean_visual), _unit(s.mean_audio) if s.mean_audio is not None
                        else fill]).astype(np.float32)
        for s in summaries
    ]  # fmt: skip
    return np.stack(rows)


def centres(
    summaries: Sequence[VideoSummary], labels: np.ndarray
) -> dict[int, tuple[np.ndarray, np.ndarray | None]]:
    """Per category: the mean prepared visual row and mean prepared audio row."""
    out = {}
    for c in np.unique(labels):
        members = [summaries[i] for i in np.flatnonzero(labels == c)]
        n_v = sum(s.n_clips for s in members)
        cv = np.sum([s.sum_visual for s in members], axis=0) / max(n_v, 1)
        with_audio = [s for s in members if s.sum_audio is not None]
        ca = None
        if with_audio:
            n_a = sum(s.n_clips for s in with_audio)
            ca = np.sum([s.sum_audio for s in with_audio], axis=0) / max(n_a, 1)
        out[int(c)] = (cv, ca)
    return out


def score_video(
    f: ClipFeatures,
    centre: tuple[np.ndarray, np.ndarray | None],
    similarity: str,
    modality: str,
    top: float,
) -> tuple[np.ndarray, np.ndarray]:
    """Pass 2 for one video: AV-PH and pseudo-labels (as core.pseudo computes them)."""
    p = _prepare(f.visual, similarity)
    v = (p @ centre[0].astype(p.dtype)).astype(np.float64)
    a = None
    if f.audio is not None and centre[1] is not None:
        q = _prepare(f.audio, similarity)
        a = (q @ centre[1].astype(q.dtype)).astype(np.float64)
    av = combine_modalities(a, v, modality)
    return av, top_fraction_labels(av, top)


def stream_library(
    entries: Sequence[str | os.PathLike],
    *,
    similarity: str = "dot",
    modality: str = "visual",
    ph_top: float = 0.5,
    top_fraction: float = 0.2,
    k_min: int = 2,
    k_max: int = 15,
    seed: int = 0,
    cancel=None,
) -> StreamedResult:
    """Categories, pseudo-highlights and ``--direct`` segments of the videos in ``entries``.

    Args:
        entries: one ``ClipFeatures`` ``.npz`` per video (e.g. feature-cache entries).
        similarity, modality, ph_top: as in :func:`core.pseudo.pseudo_highlights`.
        top_fraction: share of each video selected (:func:`core.selection.select_segments`).
    """
    from core.progress import check_cancel

    summaries = []
    for path in entries:
        check_cancel(cancel)
        summaries.append(summarise(_load(path), similarity))
    cats = fit_categories(descriptors(summaries), k_min, k_max, seed=seed, cancel=cancel)
    cent = centres(summaries, cats.labels)
    del summaries
    av_ph, labels, segments = [], [], []
    for path, c in zip(entries, cats.labels, strict=True):
        check_cancel(cancel)
        f = _load(path)
        av, lab = score_video(f, cent[int(c)], similarity, modality, ph_top)
        av_ph.append(av)
        labels.append(lab)
        segments.append(select_segments(f.bounds, av, top_fraction=top_fraction, tiebreak=av))
    return StreamedResult(cats, av_ph, labels, segments)
