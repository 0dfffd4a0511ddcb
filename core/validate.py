"""Highlights read back from disk, checked against the media they describe.

A ``NAME.highlights.json`` can be edited by hand or outlive a change of its source. Before
its segments reach a reel or a timeline, :func:`fit_to_media` probes the source and makes the
file agree with it: the probed duration replaces the stored one, segments that start past
the end are dropped and segments that run past it are cut at the end, each with a warning.
Shapes and types are checked earlier, when the file is read (:mod:`core.schema`).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field, replace
from pathlib import Path

from core.artifacts import Segment, VideoHighlights

log = logging.getLogger(__name__)

#: Differences below this (seconds) are rounding, not a mismatch.
TOLERANCE = 1e-3
#: A stored duration further than this from the probed one is reported.
DURATION_SLACK = 0.5


@dataclass
class Fitted:
    """The highlights as they fit the media, and what had to change."""

    highlights: VideoHighlights
    warnings: list[str] = field(default_factory=list)


def fit_segments(
    segments: list[Segment], duration: float, name: str
) -> tuple[list[Segment], list[str]]:
    """``(segments, warnings)``: ``segments`` cut to ``[0, duration]``."""
    out, warnings = [], []
    for s in segments:
        if s.start >= duration - TOLERANCE:
            warnings.append(f"{name}: segment {s.start:.3f}-{s.end:.3f} s starts after the end "
                            f"of the video ({duration:.3f} s); dropped")
            continue
        if s.end > duration + TOLERANCE:
            warnings.append(f"{name}: segment {s.start:.3f}-{s.end:.3f} s runs past the end of "
                            f"the video ({duration:.3f} s); cut at the end")
            s = replace(s, end=duration)
        out.append(s)
    return out, warnings


def fit_to_media(vh: VideoHighlights, duration: float | None = None) -> Fitted:
    """``vh`` made to agree with its source's probed ``duration`` (probed when ``None``).

    A source that cannot be probed leaves ``vh`` as it is: the exporter that opens it then
    says why it cannot be used.
    """
    name = Path(vh.path).name
    if duration is None:
        duration = _probe_duration(vh.path)
    if duration is None or duration <= 0:
        return Fitted(vh)
    warnings = []
    if abs(vh.duration - duration) > DURATION_SLACK:
        warnings.append(f"{name}: the highlights file says {vh.duration:.3f} s but the video "
                        f"is {duration:.3f} s long; using the video's length")
    segments, cut = fit_segments(vh.segments, duration, name)
    warnings += cut
    for w in warnings:
        log.warning("%s", w)
    return Fitted(replace(vh, duration=float(duration), segments=segments), warnings)


def _probe_duration(path: str) -> float | None:
    from core.errors import AvhdError
    from core.media import probe

    if not Path(path).is_file():
        return None
    try:
        return float(probe(path).duration)
    except AvhdError as exc:
        log.debug("cannot probe %s to check its highlights: %s", path, exc)
        return None
