"""Segment edges on shot cuts: the one placement that find, score, the API and the app use.

:func:`snap_segments` takes the segments :func:`core.selection.select_segments` chose on the
clip grid and moves every edge that lies within ``window`` seconds of a shot cut onto that
cut. A segment that snapping left shorter than the minimum length is widened by the least
footage that keeps both its edges valid (on a cut, or more than ``window`` from every cut);
segments that come to overlap, or to lie within ``merge_gap`` of each other, merge. So a
highlight starts and ends with a shot instead of a few frames into or before one.

:func:`attach_cuts` detects the cuts of a library's videos (PySceneDetect through
:mod:`core.shots`, cached by content beside the features) for the pipeline.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import replace

import numpy as np

from core.artifacts import ClipFeatures, Segment
from core.errors import AvhdError, Cancelled
from core.progress import CancelToken, FootageProgress, ProgressFn, Stage, check_cancel

log = logging.getLogger(__name__)

#: seconds: a segment edge this close to a cut is moved onto it (the app's and the CLI's)
SNAP_WINDOW = 0.5
_ON = 1e-4  # an edge this close to a cut sits on it
_EPS = 1e-9


def clean_cuts(cuts, duration: float) -> np.ndarray:
    """Sorted, unique cut times strictly inside ``(0, duration)``."""
    c = np.unique(np.asarray([] if cuts is None else cuts, np.float64).reshape(-1))
    c = c[np.isfinite(c) & (c > 0)]
    return c[c < duration] if duration > 0 else c


def edge_ok(t: float, cuts: np.ndarray, window: float = SNAP_WINDOW) -> bool:
    """Whether ``t`` sits on a cut or lies more than ``window`` seconds from every cut."""
    if cuts.size == 0:
        return True
    d = np.abs(cuts - t)
    return bool(d.min() < _ON or d.min() > window + _EPS)


def _snap(t: float, cuts: np.ndarray, window: float) -> float:
    """The nearest cut within ``window`` of ``t``, else ``t``."""
    if cuts.size == 0:
        return t
    i = int(np.argmin(np.abs(cuts - t)))
    return float(cuts[i]) if abs(cuts[i] - t) <= window + _EPS else t


def _outward(t: float, cuts: np.ndarray, window: float, sign: int, duration: float) -> float:
    """``t`` clamped to the video, moved onto a cut within ``window`` on its far side
    (``sign`` +1: later, -1: earlier) when there is one; else left for the caller to refuse
    when it is near a cut."""
    t = min(max(t, 0.0), duration)
    near = cuts[np.abs(cuts - t) <= window + _EPS] if cuts.size else cuts
    beyond = near[near * sign >= t * sign - _EPS]
    if beyond.size:
        return float(beyond.min() if sign > 0 else beyond.max())
    return t


def _candidates(s: float, e: float, cuts: np.ndarray, window: float, need: float,
                duration: float) -> list[tuple[float, float]]:
    """Wider spans of ``[s, e]`` by about ``need`` seconds: at the end, the start, both, or to
    the first cut far enough after (before) it, or the video's end (start)."""
    length = e - s + need
    nxt = cuts[cuts >= s + length - _EPS]
    prev = cuts[cuts <= e - length + _EPS]
    return [
        (s, _outward(e + need, cuts, window, 1, duration)),
        (_outward(s - need, cuts, window, -1, duration), e),
        (_outward(s - need / 2, cuts, window, -1, duration),
         _outward(e + need / 2, cuts, window, 1, duration)),
        (s, float(nxt[0]) if nxt.size else duration),
        (float(prev[-1]) if prev.size else 0.0, e),
    ]


def place_span(start: float, end: float, cuts: np.ndarray, duration: float, *,
               window: float = SNAP_WINDOW, min_length: float = 0.0) -> tuple[float, float]:
    """``[start, end]`` with its edges snapped to ``cuts`` and at least ``min_length`` long.

    ``cuts`` must be :func:`clean_cuts`'s. When no widening keeps both edges valid (a video
    shorter than ``min_length``), the snapped span is returned as it is.
    """
    s, e = _snap(start, cuts, window), _snap(end, cuts, window)
    e = max(e, s)
    length = max(min_length, _ON)
    if e - s >= length - _EPS:
        return s, e
    best: tuple[float, float] | None = None
    for cs, ce in _candidates(s, e, cuts, window, length - (e - s), duration):
        ok = (0.0 <= cs < ce <= duration + _EPS and ce - cs >= length - _EPS
              and edge_ok(cs, cuts, window) and edge_ok(ce, cuts, window))
        if ok and (best is None or ce - cs < best[1] - best[0] - _EPS):
            best = (cs, ce)
    if best is not None:
        return best
    return (s, e) if e > s else (start, end)


def snap_segments(segments: Sequence[Segment], cuts, duration: float, *,
                  window: float = SNAP_WINDOW, min_length: float = 0.0,
                  merge_gap: float = 0.0) -> list[Segment]:
    """Segments whose edges follow the shot ``cuts`` (seconds) of a video of ``duration`` s.

    Every edge within ``window`` of a cut moves onto it; a segment left shorter than
    ``min_length`` widens by the least footage that keeps its edges on cuts or more than
    ``window`` from any; segments that overlap or lie within ``merge_gap`` merge (the higher
    score is kept). With no cuts, or ``window <= 0``, only the length and merge rules apply.
    """
    c = clean_cuts(cuts, duration) if window > 0 else np.zeros(0)
    out: list[Segment] = []
    for seg in sorted(segments, key=lambda x: x.start):
        s, e = place_span(seg.start, seg.end, c, duration, window=max(window, 0.0),
                          min_length=min_length)
        new = replace(seg, start=round(s, 6), end=round(e, 6))
        if out and new.start <= out[-1].end + max(0.0, merge_gap) + _EPS:
            prev = out[-1]
            prev.end = max(prev.end, new.end)
            prev.score = max(prev.score, new.score)
            prev.keep = prev.keep or new.keep
        else:
            out.append(new)
    return out


def edges_off_shots(segments: Sequence[Segment], cuts,
                    window: float = SNAP_WINDOW) -> list[float]:
    """Segment edges within ``window`` of a cut without sitting on it (for checks)."""
    c = np.asarray([] if cuts is None else cuts, np.float64).reshape(-1)
    return [t for s in segments for t in (s.start, s.end) if not edge_ok(t, c, window)]


def attach_cuts(feats: Sequence[ClipFeatures], *, window: float = SNAP_WINDOW,
                use_cache: bool = True, progress: ProgressFn | None = None,
                cancel: CancelToken | None = None) -> list[str]:
    """Detect the shot cuts of every video in ``feats`` and set ``f.cuts`` (seconds).

    Progress is ``progress(done_seconds, total_seconds, "shots: NAME")`` over the footage of
    all the videos. A video whose cuts cannot be found keeps ``cuts = None`` (its segments
    stay on the clip grid) and gives a note; nothing is detected when ``window <= 0``.

    Returns:
        The notes, one line per video without cuts.
    """
    from core.shots import ShotCache, cached_cuts, detect_cuts

    if window <= 0 or not feats:
        return []
    lengths = [float(f.bounds[-1, 1]) if len(f.bounds) else 0.0 for f in feats]
    clock = FootageProgress(progress, Stage.SHOTS, sum(lengths))
    notes: list[str] = []
    cache = ShotCache() if use_cache else None
    for f, length in zip(feats, lengths, strict=True):
        check_cancel(cancel)
        clock.start(f.name, length)
        try:
            shots = (cached_cuts(f.path, cache=cache, progress=clock, cancel=cancel) if cache
                     else detect_cuts(f.path, progress=clock, cancel=cancel))
        except Cancelled:
            raise
        except (AvhdError, OSError, ValueError, RuntimeError) as exc:
            reason = str(exc).removeprefix(f"{f.name}: ")
            notes.append(f"{f.name}: no shot cuts ({reason}); segments stay on the clip grid")
            log.info("shot detection of %s failed", f.path, exc_info=True)
        else:
            f.cuts = clean_cuts(shots.cuts, length)
        clock.finish()
    return notes
