"""Pseudo-highlights: what recurs in sound and picture across a pseudo-category.

A clip's audio score A-PH is the mean cosine similarity of its audio feature to all ``S``
clips of all videos in its pseudo-category (itself included); V-PH likewise for the visual
feature; AV-PH is their mean. The top ``top`` fraction of each video's clips by AV-PH are
its positive pseudo-labels.

The mean similarity is computed in O(S*d): the mean of cosine similarities to a set equals
the dot product with the mean of the set's L2-normalised features.
:func:`mean_similarity_naive` keeps the O(S^2*d) definition as a test oracle.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from core.errors import AvhdError

# [evaluation helper, issue 4] "dot": the mean *inner product* (features not normalised).
# On post-ReLU embeddings (I3D, PANNs) every clip lies in the positive orthant, so cosine
# similarities to a category are all high and the mean cosine mostly measures how generic a
# clip's activation pattern is; the inner product keeps the activation magnitude, which is
# what separates highlights from filler there (see docs/results.md).
SIMILARITIES = ("cosine", "pearson", "dot")
MODALITIES = ("av", "audio", "visual")


@dataclass
class PseudoScores:
    """Pseudo-highlight scores of one video's clips."""

    a_ph: np.ndarray | None  # (n,) None when the video has no audio
    v_ph: np.ndarray  # (n,)
    av_ph: np.ndarray  # (n,)
    label: np.ndarray  # (n,) int8 0/1


def _prepare(x: np.ndarray, similarity: str) -> np.ndarray:
    """Rows made so that a plain dot product gives the chosen similarity."""
    x = np.asarray(x)
    x = x.astype(np.float64 if x.dtype == np.float64 else np.float32, copy=True)
    if similarity == "dot":  # [evaluation helper, issue 4] raw inner product
        return x
    if similarity == "pearson":
        x = x - x.mean(axis=1, keepdims=True)
    elif similarity != "cosine":
        raise ValueError(f"unknown similarity {similarity!r}; valid: {', '.join(SIMILARITIES)}")
    return x / np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-12)


def mean_similarity(
    features: list[np.ndarray],
    similarity: str = "cosine",
    reference: list[np.ndarray] | None = None,
) -> list[np.ndarray]:
    """Mean similarity of every clip of every video to all clips of ``reference``, in O(S*d).

    ``reference`` defaults to ``features`` itself (all clips of the category, each clip
    included in its own mean).
    """
    prepared = [_prepare(f, similarity) for f in features]
    if reference is None:
        ref = prepared
    else:
        ref = [_prepare(f, similarity) for f in reference]
    n = sum(len(r) for r in ref)
    centre = np.sum([r.sum(axis=0, dtype=np.float64) for r in ref], axis=0) / max(n, 1)
    return [(p @ centre.astype(p.dtype)).astype(np.float64) for p in prepared]


def mean_similarity_naive(
    features: list[np.ndarray], similarity: str = "cosine"
) -> list[np.ndarray]:
    """The O(S^2*d) definition: average over the full similarity matrix (test oracle)."""
    prepared = [_prepare(f, similarity) for f in features]
    allc = np.concatenate(prepared, axis=0)
    return [(p @ allc.T).mean(axis=1) for p in prepared]


def top_fraction_labels(scores: np.ndarray, top: float = 0.5) -> np.ndarray:
    """1 for the top ``top`` fraction of clips (at least one), ties broken by clip order."""
    scores = np.asarray(scores, np.float64)
    n = len(scores)
    k = max(1, int(round(top * n))) if n else 0
    order = np.argsort(-scores, kind="stable")
    label = np.zeros(n, np.int8)
    label[order[:k]] = 1
    return label


def combine_modalities(a: np.ndarray | None, v: np.ndarray, modality: str) -> np.ndarray:
    """AV-PH from A-PH and V-PH: their mean (``av``), or one of them; V-PH without audio."""
    if a is None or modality == "visual":
        return v.copy()
    if modality == "audio":
        return a.copy()
    return (a + v) / 2.0


def training_targets(scores: list[np.ndarray], kind: str, top: float = 0.5) -> list[np.ndarray]:
    """Per-clip training targets from per-clip scores (e.g. AV-PH): ``soft`` = within-video
    ranks (:func:`rank01`), ``hard`` = 1 for the top ``top`` fraction of each video."""
    if kind == "soft":
        return [rank01(s).astype(np.float32) for s in scores]
    if kind == "hard":
        return [top_fraction_labels(s, top).astype(np.float32) for s in scores]
    raise AvhdError(f"unknown targets {kind!r}; valid: hard, soft")


def rank01(x: np.ndarray) -> np.ndarray:
    """Ranks within one video scaled to [0, 1] (ties share their mean rank).

    The soft training targets of the ``avhd`` recipe, and the common scale on which a
    network's scores and the pseudo-highlight scores are blended (:func:`blend_ranks`).
    """
    from scipy.stats import rankdata

    x = np.asarray(x, np.float64)
    if len(x) < 2:
        return np.full(len(x), 0.5)
    return (rankdata(x) - 1.0) / (len(x) - 1.0)


def blend_ranks(network: np.ndarray, direct: np.ndarray, blend: float) -> np.ndarray:
    """``(1 - blend) * rank01(network) + blend * rank01(direct)`` for one video's clips."""
    if not 0.0 <= blend <= 1.0:
        raise ValueError(f"blend must be in [0, 1], got {blend}")
    if len(network) != len(direct):
        raise ValueError(f"{len(network)} network scores but {len(direct)} direct scores")
    return (1.0 - blend) * rank01(network) + blend * rank01(direct)


def pseudo_highlights(
    videos: list[tuple[np.ndarray, np.ndarray | None]],
    categories: np.ndarray,
    similarity: str = "cosine",
    modality: str = "av",
    top: float = 0.5,
) -> list[PseudoScores]:
    """Pseudo-highlight scores and labels for every video of a library.

    Args:
        videos: ``(visual (n, dv), audio (n, da) or None)`` per video.
        categories: pseudo-category of each video.
        similarity: ``cosine`` or ``pearson``.
        modality: which scores make AV-PH: ``av`` (mean of both), ``audio`` or ``visual``.
            A video without audio always uses V-PH.
        top: fraction of each video's clips labelled positive.
    """
    if modality not in MODALITIES:
        raise ValueError(f"unknown modality {modality!r}; valid: {', '.join(MODALITIES)}")
    categories = np.asarray(categories)
    if len(categories) != len(videos):
        raise ValueError("one category per video is needed")
    out: list[PseudoScores | None] = [None] * len(videos)
    for c in np.unique(categories):
        members = np.flatnonzero(categories == c)
        v_scores = mean_similarity([videos[i][0] for i in members], similarity)
        with_audio = [i for i in members if videos[i][1] is not None]
        a_scores = (
            dict(
                zip(
                    with_audio,
                    mean_similarity([videos[i][1] for i in with_audio], similarity),
                    strict=True,
                )
            )
            if with_audio
            else {}
        )
        for j, i in enumerate(members):
            v = v_scores[j]
            a = a_scores.get(i)
            av = combine_modalities(a, v, modality)
            out[i] = PseudoScores(a_ph=a, v_ph=v, av_ph=av, label=top_fraction_labels(av, top))
    return out  # type: ignore[return-value]
