"""Pure segment edits (no Qt): add, delete, resize/move, split, merge, keep toggle, snapping.

Every function takes a list of :class:`~core.artifacts.Segment` sorted by start and
non-overlapping, and returns a new sorted list (the input is never modified), so an edit
can be recorded as a before/after pair by the undo commands of :mod:`avhd_gui.editing`.
Impossible edits raise :class:`EditError` with a message for the status bar.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from core.artifacts import Segment

#: the shortest segment an edit may leave, in seconds
MIN_LENGTH = 0.1
_EPS = 1e-6

ScoreFn = Callable[[float, float], float]


class EditError(ValueError):
    """An edit that cannot be done here (the message says why)."""


def copy_segments(segments: Sequence[Segment]) -> list[Segment]:
    """Copies of ``segments`` sorted by start."""
    out = [Segment(s.start, s.end, s.score, s.keep) for s in segments]
    out.sort(key=lambda s: (s.start, s.end))
    return out


def kept_duration(segments: Sequence[Segment]) -> float:
    """Total duration of the kept segments, in seconds."""
    return float(sum(s.end - s.start for s in segments if s.keep))


def index_at(segments: Sequence[Segment], seconds: float) -> int:
    """Index of the segment containing ``seconds`` (start inclusive), or -1."""
    for i, s in enumerate(segments):
        if s.start - _EPS <= seconds < s.end - _EPS:
            return i
    if segments and abs(segments[-1].end - seconds) <= _EPS:  # the very end of the last one
        return len(segments) - 1
    return -1


def clip_score(bounds: np.ndarray, score: np.ndarray, start: float, end: float) -> float:
    """Mean clip score over ``[start, end]``, weighted by each clip's overlap."""
    b = np.asarray(bounds, np.float64).reshape(-1, 2)
    if len(b) == 0 or end <= start:
        return 0.0
    overlap = np.clip(np.minimum(b[:, 1], end) - np.maximum(b[:, 0], start), 0.0, None)
    total = float(overlap.sum())
    return float((overlap * np.asarray(score, np.float64)).sum() / total) if total > 0 else 0.0


def _score(fn: ScoreFn | None, start: float, end: float, default: float) -> float:
    return float(fn(start, end)) if fn is not None else default


def _check(segments: Sequence[Segment], index: int) -> None:
    if not 0 <= index < len(segments):
        raise EditError("no segment selected")


def add_segment(segments: Sequence[Segment], start: float, end: float, duration: float,
                score_fn: ScoreFn | None = None) -> tuple[list[Segment], int]:
    """Add ``[start, end]`` (order-free, clamped to the video); overlapping segments join it.

    Returns the new list and the index of the added (or grown) segment.
    """
    start, end = sorted((float(start), float(end)))
    start, end = max(0.0, start), min(float(duration), end) if duration > 0 else end
    if end - start < MIN_LENGTH - _EPS:
        raise EditError(f"a segment must be at least {MIN_LENGTH:g} s long")
    out = copy_segments(segments)
    joined = [s for s in out if s.start <= end + _EPS and s.end >= start - _EPS]
    rest = [s for s in out if s not in joined]
    if joined:
        start = min(start, *(s.start for s in joined))
        end = max(end, *(s.end for s in joined))
    new = Segment(round(start, 4), round(end, 4), _score(score_fn, start, end, 0.0), True)
    rest.append(new)
    rest.sort(key=lambda s: (s.start, s.end))
    return rest, rest.index(new)


def delete_segment(segments: Sequence[Segment], index: int) -> list[Segment]:
    _check(segments, index)
    out = copy_segments(segments)
    del out[index]
    return out


def bounds_limits(segments: Sequence[Segment], index: int, duration: float) -> tuple[float, float]:
    """How far segment ``index`` may extend: the neighbours' edges or the video's ends."""
    lo = segments[index - 1].end if index > 0 else 0.0
    hi = segments[index + 1].start if index + 1 < len(segments) else float(duration)
    if duration <= 0 and index + 1 >= len(segments):
        hi = float("inf")
    return lo, hi


def set_bounds(segments: Sequence[Segment], index: int, start: float, end: float,
               duration: float, score_fn: ScoreFn | None = None) -> list[Segment]:
    """Resize or move segment ``index`` to ``[start, end]``, kept between its neighbours."""
    _check(segments, index)
    out = copy_segments(segments)
    lo, hi = bounds_limits(out, index, duration)
    start, end = max(lo, float(start)), min(hi, float(end))
    if end - start < MIN_LENGTH - _EPS:
        raise EditError(f"a segment must be at least {MIN_LENGTH:g} s long")
    seg = out[index]
    seg.start, seg.end = round(start, 4), round(end, 4)
    seg.score = _score(score_fn, seg.start, seg.end, seg.score)
    return out


def move_segment(segments: Sequence[Segment], index: int, delta: float,
                 duration: float) -> list[Segment]:
    """Shift segment ``index`` by ``delta`` seconds, stopping at its neighbours."""
    _check(segments, index)
    s = segments[index]
    lo, hi = bounds_limits(segments, index, duration)
    delta = min(max(float(delta), lo - s.start), hi - s.end)
    return set_bounds(segments, index, s.start + delta, s.end + delta, duration)


def split_segment(segments: Sequence[Segment], index: int, seconds: float,
                  score_fn: ScoreFn | None = None) -> list[Segment]:
    """Cut segment ``index`` in two at ``seconds``."""
    _check(segments, index)
    out = copy_segments(segments)
    seg = out[index]
    t = round(float(seconds), 4)
    if not seg.start + MIN_LENGTH - _EPS <= t <= seg.end - MIN_LENGTH + _EPS:
        raise EditError("the playhead is too close to the segment's edge to split there")
    right = Segment(t, seg.end, _score(score_fn, t, seg.end, seg.score), seg.keep)
    seg.end = t
    seg.score = _score(score_fn, seg.start, t, seg.score)
    out.insert(index + 1, right)
    return out


def merge_segments(segments: Sequence[Segment], index: int,
                   score_fn: ScoreFn | None = None) -> list[Segment]:
    """Join segment ``index`` and the next one (and the gap between them).

    The result is kept when either part was kept.
    """
    _check(segments, index)
    if index + 1 >= len(segments):
        raise EditError("there is no next segment to merge with")
    out = copy_segments(segments)
    a, b = out[index], out[index + 1]
    weighted = (a.score * (a.end - a.start) + b.score * (b.end - b.start)) / max(
        _EPS, (a.end - a.start) + (b.end - b.start))
    merged = Segment(a.start, b.end, _score(score_fn, a.start, b.end, weighted),
                     a.keep or b.keep)
    out[index:index + 2] = [merged]
    return out


def toggle_keep(segments: Sequence[Segment], index: int) -> list[Segment]:
    _check(segments, index)
    out = copy_segments(segments)
    out[index].keep = not out[index].keep
    return out


def snap(seconds: float, candidates: np.ndarray, tolerance: float) -> float:
    """``seconds`` moved to the nearest of ``candidates`` (sorted) when within ``tolerance``."""
    c = np.asarray(candidates, np.float64)
    if c.size == 0 or tolerance <= 0:
        return float(seconds)
    i = int(np.searchsorted(c, seconds))
    best, dist = float(seconds), tolerance
    for j in (i - 1, i):
        if 0 <= j < c.size and abs(c[j] - seconds) <= dist:
            best, dist = float(c[j]), abs(c[j] - seconds)
    return best


def snap_span(start: float, end: float, candidates: np.ndarray,
              tolerance: float) -> tuple[float, float]:
    """Shift ``[start, end]`` so whichever edge is nearer a candidate lands on it."""
    ds = snap(start, candidates, tolerance) - start
    de = snap(end, candidates, tolerance) - end
    moves = [d for d in (ds, de) if d != 0.0]
    if not moves:
        return start, end
    d = min(moves, key=abs)
    return start + d, end + d
