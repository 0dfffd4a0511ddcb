"""From clip scores to highlight segments.

Clips are taken best first (stable: ties keep clip order) until the target is reached, a
fraction of the video (``top_fraction``) or a duration (``target_seconds``); adjacent chosen
clips merge into segments; segments shorter than ``min_segment`` grow into their better
neighbouring clip until long enough; ``padding`` seconds widen each segment; nothing
goes past the video's ends, and overlapping segments merge.
"""

from __future__ import annotations

import numpy as np

from core.artifacts import Segment

DEFAULT_TOP_FRACTION = 0.2


def _runs(chosen: np.ndarray) -> list[tuple[int, int]]:
    """Index runs ``[start, end)`` of consecutive True values."""
    runs, start = [], None
    for i, c in enumerate(chosen):
        if c and start is None:
            start = i
        elif not c and start is not None:
            runs.append((start, i))
            start = None
    if start is not None:
        runs.append((start, len(chosen)))
    return runs


def select_segments(
    bounds: np.ndarray,
    scores: np.ndarray,
    duration: float | None = None,
    *,
    top_fraction: float | None = None,
    target_seconds: float | None = None,
    min_segment: float = 2.0,
    padding: float = 0.0,
    tiebreak: np.ndarray | None = None,
    merge_gap: float = 0.0,
) -> list[Segment]:
    """Turn per-clip scores into merged highlight segments.

    Args:
        bounds: ``(n, 2)`` clip start/end seconds.
        scores: ``(n,)`` clip scores (higher is better).
        duration: the video's length (default: the last clip's end).
        top_fraction: share of the video's duration to select (default 0.2).
        target_seconds: total selected duration; overrides ``top_fraction``.
        min_segment: shortest segment kept, in seconds.
        padding: seconds added before and after each segment.
        tiebreak: optional ``(n,)`` secondary score ranking clips whose scores are equal
            (e.g. the pseudo-highlight score when a model's outputs saturate); without it
            ties keep clip order.
        merge_gap: segments separated by at most this many seconds join into one.
    """
    bounds = np.asarray(bounds, np.float64).reshape(-1, 2)
    scores = np.asarray(scores, np.float64)
    n = len(scores)
    if n == 0:
        return []
    duration = float(bounds[-1, 1] if duration is None else duration)
    lengths = bounds[:, 1] - bounds[:, 0]
    if target_seconds is None:
        frac = DEFAULT_TOP_FRACTION if top_fraction is None else float(top_fraction)
        if not 0.0 <= frac <= 1.0:
            raise ValueError("top_fraction must be between 0 and 1")
        target = frac * float(lengths.sum())
    else:
        if target_seconds < 0:
            raise ValueError("target_seconds must not be negative")
        target = float(target_seconds)
    if tiebreak is None:
        order = np.argsort(-scores, kind="stable")
    else:
        order = np.lexsort((np.arange(n), -np.asarray(tiebreak, np.float64), -scores))
    chosen = np.zeros(n, bool)
    total = 0.0
    for i in order:
        if total >= target - 1e-9:
            break
        chosen[i] = True
        total += lengths[i]
    runs = _runs(chosen)
    grown = []
    for s, e in runs:
        while bounds[e - 1, 1] - bounds[s, 0] < min_segment - 1e-9 and (s > 0 or e < n):
            left = scores[s - 1] if s > 0 else -np.inf
            right = scores[e] if e < n else -np.inf
            if right > left:
                e += 1
            else:
                s -= 1
        grown.append((s, e))
    chosen[:] = False
    for s, e in grown:
        chosen[s:e] = True
    segs: list[Segment] = []
    for s, e in _runs(chosen):
        start = max(0.0, bounds[s, 0] - padding)
        end = min(duration, bounds[e - 1, 1] + padding)
        score = float(scores[s:e].mean())
        if segs and start <= segs[-1].end + max(0.0, merge_gap) + 1e-9:
            prev = segs[-1]
            prev.end = round(float(max(prev.end, end)), 4)
            prev.score = max(prev.score, score)
        else:
            segs.append(
                Segment(start=round(float(start), 4), end=round(float(end), 4), score=score)
            )
    return segs


def library_shares(videos: dict[str, tuple[np.ndarray, np.ndarray]],
                   target_seconds: float) -> dict[str, float]:
    """Seconds per video for one reel of ``target_seconds`` from the whole library.

    ``videos`` maps a key to its ``(bounds, scores)``. Clips of all videos are ranked
    together, best first (scores of one model are comparable across videos), and taken
    until the target is reached; each video gets the length of its clips taken, to pass
    to :func:`select_segments` as ``target_seconds``.
    """
    if target_seconds < 0:
        raise ValueError("target_seconds must not be negative")
    keys, lengths, scores = [], [], []
    for key, (bounds, sc) in videos.items():
        b = np.asarray(bounds, np.float64).reshape(-1, 2)
        keys += [key] * len(b)
        lengths.append(b[:, 1] - b[:, 0])
        scores.append(np.asarray(sc, np.float64).reshape(-1))
    out = {key: 0.0 for key in videos}
    if not keys:
        return out
    lengths_all, scores_all = np.concatenate(lengths), np.concatenate(scores)
    total = 0.0
    for i in np.argsort(-scores_all, kind="stable"):
        if total >= target_seconds - 1e-9:
            break
        out[keys[i]] += float(lengths_all[i])
        total += float(lengths_all[i])
    return out


def selected_duration(segments: list[Segment]) -> float:
    """Total duration of the kept segments."""
    return float(sum(s.duration for s in segments if s.keep))
