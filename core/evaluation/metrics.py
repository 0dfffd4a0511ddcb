"""Highlight-detection metrics, exactly as defined in ``shared/METRICS.md``.

Every metric lives in one function and returns a percentage (``100 x``) except the
per-ranking AP helpers, which return a fraction in ``[0, 1]``.

Ranking: clips are ranked by predicted score, descending, with a **stable** sort
(``np.argsort(-scores, kind="stable")``), so tied clips keep their original order. The
reference evaluations used an unstable sort; ties are the only permitted source of
difference from their numbers.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from core.errors import AvhdError

QV_THRESHOLDS = {"Fair": 2, "Good": 3, "VeryGood": 4}


class MetricError(AvhdError):
    """Predictions and labels cannot be matched (missing ids, bad shapes)."""


def stable_rank(scores: np.ndarray) -> np.ndarray:
    """Indices of ``scores`` from highest to lowest; ties keep clip order (stable sort)."""
    scores = np.asarray(scores, dtype=np.float64).reshape(-1)
    return np.argsort(-scores, kind="stable")


def fit_length(scores: Sequence[float] | np.ndarray, n: int) -> np.ndarray:
    """Truncate or zero-pad ``scores`` to length ``n`` (float64)."""
    s = np.asarray(scores, dtype=np.float64).reshape(-1)[:n]
    if len(s) < n:
        s = np.concatenate([s, np.zeros(n - len(s))])
    return s


def trapezoid_ap(labels_ranked: Sequence[int] | np.ndarray, num_gt: int | None = None) -> float:
    """Trapezoid AP of binary labels already in ranked order.

    Args:
        labels_ranked: 0/1 labels in ranked order (best first).
        num_gt: number of positives used for recall; defaults to ``sum(labels_ranked)``.

    Returns:
        AP in ``[0, 1]``; 0 when ``num_gt`` is 0.
    """
    labels = np.asarray(labels_ranked, dtype=np.float64).reshape(-1)
    if num_gt is None:
        num_gt = int(labels.sum())
    if num_gt == 0:
        return 0.0
    hits = 0.0
    rec_prev, prec_prev, ap = 0.0, 1.0, 0.0
    for j, gt in enumerate(labels):
        hits += gt
        rec = hits / num_gt
        prec = hits / (j + 1)
        ap += (rec - rec_prev) * (prec_prev + prec) / 2
        rec_prev, prec_prev = rec, prec
    return float(ap)


def youtube_video_ap(scores: Sequence[float] | np.ndarray, match: Sequence[int]) -> float:
    """YouTube Highlights AP of one video: positives are ``match > 0``; full ranking.

    Predictions are truncated or zero-padded to the number of labelled clips.
    """
    labels = (np.asarray(match, dtype=np.float64).reshape(-1) > 0).astype(np.int64)
    s = fit_length(scores, len(labels))
    return trapezoid_ap(labels[stable_rank(s)], int(labels.sum()))


def youtube_map(
    predictions: Mapping[str, Sequence[float]],
    matches: Mapping[str, Sequence[int]],
    domains: Mapping[str, str],
) -> dict:
    """YouTube Highlights mAP: mean AP per domain, then mean over domains (percent).

    Every video in ``matches`` is evaluated and must have a prediction. A video with no
    positive clip scores 0 and still counts.

    Returns:
        ``{"mAP": float, "domains": {domain: mAP}, "videos": {vid: AP%}, "n_videos": int}``.
    """
    missing = [v for v in matches if v not in predictions]
    if missing:
        raise MetricError(f"{len(missing)} videos have no prediction, e.g. {missing[:3]}")
    per_video = {v: 100.0 * youtube_video_ap(predictions[v], matches[v]) for v in matches}
    dom = _domain_means(per_video, domains)
    return {
        "mAP": float(np.mean(list(dom.values()))) if dom else 0.0,
        "domains": dom,
        "videos": per_video,
        "n_videos": len(per_video),
    }


def _domain_means(per_video: Mapping[str, float], domains: Mapping[str, str]) -> dict:
    """Mean of the videos' values per domain, domains in sorted order."""
    by_domain: dict[str, list[float]] = {}
    for v, ap in per_video.items():
        by_domain.setdefault(domains[v], []).append(ap)
    return {d: float(np.mean(a)) for d, a in sorted(by_domain.items())}


def lower_median(values: np.ndarray) -> float:
    """The lower middle value: ``sorted(values)[(n - 1) // 2]``."""
    v = np.sort(np.asarray(values, dtype=np.float64).reshape(-1))
    return float(v[(len(v) - 1) // 2])


def tvsum_video_ap(scores: Sequence[float] | np.ndarray, anno: np.ndarray, top: int = 5) -> float:
    """TVSum top-5 AP of one video, averaged over its annotators (fraction).

    For each annotator column: labels = score > that annotator's lower median (strict);
    keep the ``top`` ranked clips; ``num_gt`` = positives among them; trapezoid AP.
    Predictions are truncated or zero-padded to the number of annotated clips.
    """
    anno = np.asarray(anno, dtype=np.float64)
    if anno.ndim != 2 or anno.shape[0] == 0:
        raise MetricError(f"TVSum annotation must be (clips, annotators), got {anno.shape}")
    s = fit_length(scores, anno.shape[0])
    order = stable_rank(s)[:top]
    aps = []
    for a in range(anno.shape[1]):
        col = anno[:, a]
        labels = (col > lower_median(col)).astype(np.int64)[order]
        aps.append(trapezoid_ap(labels, int(labels.sum())))
    return float(np.mean(aps))


def tvsum_top5_map(
    predictions: Mapping[str, Sequence[float]],
    annos: Mapping[str, np.ndarray],
    domains: Mapping[str, str],
    top: int = 5,
) -> dict:
    """TVSum top-5 mAP (percent): per video mean over annotators, mean per category,
    mean over categories (``"mAP"``); also the plain mean over videos (``"video_mAP"``).
    """
    missing = [v for v in annos if v not in predictions]
    if missing:
        raise MetricError(f"{len(missing)} videos have no prediction, e.g. {missing[:3]}")
    per_video = {v: 100.0 * tvsum_video_ap(predictions[v], annos[v], top) for v in annos}
    dom = _domain_means(per_video, domains)
    return {
        "mAP": float(np.mean(list(dom.values()))) if dom else 0.0,
        "video_mAP": float(np.mean(list(per_video.values()))) if per_video else 0.0,
        "domains": dom,
        "videos": per_video,
        "n_videos": len(per_video),
    }


def qvhighlights_gt(entry: Mapping) -> np.ndarray:
    """Saliency matrix ``(int(duration / 2), 3)`` of one QVHighlights query."""
    n = int(float(entry["duration"]) / 2)
    gt = np.zeros((n, 3), dtype=np.float64)
    ids = np.asarray(entry["relevant_clip_ids"], dtype=np.int64)
    sal = np.asarray(entry["saliency_scores"], dtype=np.float64).reshape(len(ids), 3)
    keep = ids < n
    gt[ids[keep]] = sal[keep]
    return gt


def qv_ap(labels: np.ndarray, scores: np.ndarray) -> float:
    """AP of one (query, annotator) pair as the QVHighlights evaluation computes it.

    All-zero labels give 0, all-one labels give 1; otherwise scikit-learn's
    ``precision_recall_curve``, recall cast to float32, precision replaced by its running
    maximum in the order returned, and precision averaged where recall changes.
    """
    from sklearn.metrics import precision_recall_curve

    labels = np.asarray(labels).astype(np.int64)
    if labels.sum() == 0:
        return 0.0
    if labels.sum() == len(labels):
        return 1.0
    precision, recall, _ = precision_recall_curve(labels, np.asarray(scores, np.float64))
    recall = recall.astype(np.float32)
    precision = np.maximum.accumulate(precision)
    idx = np.where(np.diff(recall))[0]
    return float(np.mean(precision[idx]))


def qvhighlights_metrics(
    predictions: Mapping[str, Sequence[float]],
    entries: Sequence[Mapping],
    thresholds: Mapping[str, int] = QV_THRESHOLDS,
) -> dict:
    """QVHighlights HL-mAP and HIT@1 (percent) per saliency threshold.

    ``predictions`` is keyed by ``str(qid)``; every entry must have one. Predictions are
    truncated or zero-padded to ``int(duration / 2)``. HIT@1 takes the clip at
    ``argmax(scores)`` (first index wins ties) and the max label over annotators.

    Returns:
        ``{name: {"HL-mAP": float, "HIT@1": float, "threshold": int}}`` plus ``"n_queries"``.
    """
    missing = [e["qid"] for e in entries if str(e["qid"]) not in predictions]
    if missing:
        raise MetricError(f"{len(missing)} queries have no prediction, e.g. {missing[:3]}")
    out: dict = {"n_queries": len(entries)}
    gts = [qvhighlights_gt(e) for e in entries]
    preds = [
        fit_length(predictions[str(e["qid"])], len(g)) for e, g in zip(entries, gts, strict=True)
    ]
    for name, thr in thresholds.items():
        aps, hits = [], []
        for gt, s in zip(gts, preds, strict=True):
            binary = (gt >= thr).astype(np.int64)
            aps.extend(qv_ap(binary[:, a], s) for a in range(binary.shape[1]))
            hits.append(float(binary[int(np.argmax(s))].max()) if len(s) else 0.0)
        out[name] = {
            "HL-mAP": 100.0 * float(np.mean(aps)) if aps else 0.0,
            "HIT@1": 100.0 * float(np.mean(hits)) if hits else 0.0,
            "threshold": int(thr),
        }
    return out
