"""Shot cuts: detected with PySceneDetect, cached by content, and used to place segment edges.

:func:`detect_cuts` runs PySceneDetect's ``ContentDetector`` over a video in its own pass
(downscaled frames, so a 10-minute 360p film takes well under a minute), reporting progress
in seconds of footage and checking the cancel token between chunks. :class:`ShotCache`
stores the result beside the feature cache, keyed by the file's content fingerprint and
the detector's parameters. :func:`snap_to_cuts` moves segment edges onto nearby cuts, so a
highlight starts and ends with a shot instead of a few frames into or before one.
"""

from __future__ import annotations

import json
import logging
import os
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

import numpy as np

from core.artifacts import Segment
from core.errors import MediaError
from core.progress import check_cancel

log = logging.getLogger(__name__)

SHOTS_VERSION = 1
def _seconds(timecode) -> float:
    """A PySceneDetect ``FrameTimecode`` in seconds (0.6: ``get_seconds()``, 0.7: ``.seconds``)."""
    value = getattr(timecode, "seconds", None)
    return float(timecode.get_seconds() if value is None else value)


#: seconds: a segment edge this close to a cut is moved onto it
SNAP_WINDOW = 0.5
CHUNK_SECONDS = 10.0  # footage between progress reports and cancel checks


@dataclass(frozen=True)
class ShotParams:
    """``ContentDetector`` settings (the defaults of PySceneDetect)."""

    threshold: float = 27.0
    min_scene_seconds: float = 0.6


@dataclass
class ShotCuts:
    """Cut times of one video, in seconds (the first frame of each new shot)."""

    path: str
    duration: float
    fps: float
    cuts: np.ndarray = field(default_factory=lambda: np.zeros(0))
    params: ShotParams = field(default_factory=ShotParams)

    def to_dict(self) -> dict:
        return {"version": SHOTS_VERSION, "path": self.path, "duration": self.duration,
                "fps": self.fps, "cuts": [round(float(c), 6) for c in self.cuts],
                "params": asdict(self.params)}

    @classmethod
    def from_dict(cls, d: dict) -> ShotCuts:
        if int(d.get("version", -1)) != SHOTS_VERSION:
            raise ValueError("other shot cache version")
        return cls(path=str(d["path"]), duration=float(d["duration"]), fps=float(d["fps"]),
                   cuts=np.asarray(d["cuts"], np.float64).reshape(-1),
                   params=ShotParams(**d["params"]))


def detect_cuts(path: str | os.PathLike, params: ShotParams | None = None, *,
                progress=None, cancel=None) -> ShotCuts:
    """Shot cuts of ``path`` found by PySceneDetect's ``ContentDetector``.

    Args:
        path: the video file.
        params: detector settings.
        progress: ``progress(done_seconds, total_seconds, message)``.
        cancel: a :class:`~core.progress.CancelToken`; checked between chunks of footage.

    Raises:
        MediaError: the file cannot be opened as video.
        Cancelled: ``cancel`` was set.
    """
    check_cancel(cancel)  # before the heavy import (OpenCV): a close may be waiting
    from scenedetect import ContentDetector, SceneManager, open_video
    from scenedetect.video_stream import VideoOpenFailure

    params = params or ShotParams()
    name = Path(path).name
    try:
        video = open_video(str(path), backend="pyav")
    except (VideoOpenFailure, OSError, ValueError, RuntimeError) as exc:
        raise MediaError(f"{name}: cannot read the video for shot detection ({exc})") from exc
    fps = float(video.frame_rate)
    total = _seconds(video.duration) if video.duration is not None else 0.0
    manager = SceneManager()
    manager.add_detector(ContentDetector(threshold=params.threshold,
                                         min_scene_len=max(1, round(params.min_scene_seconds
                                                                    * fps))))
    done = 0.0
    while True:
        check_cancel(cancel)
        read = manager.detect_scenes(video, duration=CHUNK_SECONDS)
        done = min(total, _seconds(video.position)) if total else done + CHUNK_SECONDS
        if progress is not None:
            progress(done, total, f"Finding shots in {name}")
        if read == 0 or (total and done >= total - 1.0 / fps):
            break
    scenes = manager.get_scene_list()  # each new scene after the first starts at a cut
    cuts = np.array(sorted(_seconds(start) for start, _end in scenes[1:]), np.float64)
    return ShotCuts(path=str(path), duration=total, fps=fps, cuts=cuts, params=params)


def shot_key(fingerprint: str, params: ShotParams) -> str:
    import hashlib

    blob = json.dumps({"content": fingerprint, "params": asdict(params),
                       "version": SHOTS_VERSION}, sort_keys=True)
    return hashlib.sha256(blob.encode()).hexdigest()


class ShotCache:
    """Content-keyed JSON files of :class:`ShotCuts`, beside the feature cache."""

    def __init__(self, root: str | os.PathLike | None = None) -> None:
        from core.cache import cache_root

        self.root = Path(root) if root is not None else cache_root() / "shots"

    def _path(self, key: str) -> Path:
        return self.root / key[:2] / f"{key}.json"

    def get(self, key: str, path: str | None = None) -> ShotCuts | None:
        entry = self._path(key)
        if not entry.is_file():
            return None
        try:
            shots = ShotCuts.from_dict(json.loads(entry.read_text(encoding="utf-8")))
        except (OSError, ValueError, KeyError, TypeError) as exc:  # a bad entry is a miss
            log.warning("dropping unreadable shot cache entry %s (%s)", entry.name, exc)
            return None
        if path is not None:
            shots.path = str(path)
        return shots

    def put(self, key: str, shots: ShotCuts) -> None:
        from core.fileio import write_json_atomic

        try:
            write_json_atomic(self._path(key), shots.to_dict())
        except OSError as exc:
            log.warning("could not write shot cache entry %s: %s", key, exc)


def cached_cuts(path: str | os.PathLike, params: ShotParams | None = None, *,
                cache: ShotCache | None = None, progress=None, cancel=None) -> ShotCuts:
    """:func:`detect_cuts`, read from (and written to) the content-keyed cache."""
    from core.cache import content_fingerprint

    params = params or ShotParams()
    cache = cache or ShotCache()
    key = shot_key(content_fingerprint(path), params)
    hit = cache.get(key, str(path))
    if hit is not None:
        return hit
    shots = detect_cuts(path, params, progress=progress, cancel=cancel)
    cache.put(key, shots)
    return shots


def _nearest(cuts: np.ndarray, t: float, window: float) -> float | None:
    if cuts.size == 0:
        return None
    i = int(np.argmin(np.abs(cuts - t)))
    return float(cuts[i]) if abs(cuts[i] - t) <= window + 1e-9 else None


def snap_to_cuts(segments: list[Segment], cuts, duration: float, *,
                 window: float = SNAP_WINDOW, min_length: float = 0.0) -> list[Segment]:
    """Segments whose edges lie on the nearest cut within ``window`` seconds.

    A segment that snapping (or its selection) left shorter than ``min_length`` grows to
    the next cut (or the previous one at the video's end), so it too ends on a shot
    boundary; segments that come to overlap merge (the higher score is kept).
    """
    c = np.unique(np.asarray(cuts, np.float64).reshape(-1))
    c = c[(c > 0) & (c < duration)] if duration > 0 else c[c > 0]
    out: list[Segment] = []
    for seg in sorted(segments, key=lambda s: s.start):
        start, end = seg.start, seg.end
        s_cut, e_cut = _nearest(c, start, window), _nearest(c, end, window)
        start = s_cut if s_cut is not None else start
        end = e_cut if e_cut is not None and e_cut > start else end
        start, end = _grow(start, end, c, duration, min_length)
        new = replace(seg, start=round(start, 6), end=round(end, 6))
        if out and new.start <= out[-1].end + 1e-9:
            prev = out[-1]
            prev.end = max(prev.end, new.end)
            prev.score = max(prev.score, new.score)
            prev.keep = prev.keep or new.keep
        else:
            out.append(new)
    return out


def _grow(start: float, end: float, cuts: np.ndarray, duration: float,
          min_length: float) -> tuple[float, float]:
    """Widen ``[start, end]`` cut by cut until it is ``min_length`` long."""
    limit = duration if duration > 0 else float("inf")
    while end - start < min_length - 1e-9:
        after = cuts[cuts > end + 1e-9]
        before = cuts[cuts < start - 1e-9]
        if after.size and after[0] <= limit:
            end = float(after[0])
        elif end < limit:
            end = limit if np.isfinite(limit) else start + min_length
        elif before.size:
            start = float(before[-1])
        else:
            start = max(0.0, end - min_length)
            break
    return start, end


def edges_near_cuts(segments: list[Segment], cuts, window: float = SNAP_WINDOW) -> list[float]:
    """Segment edges within ``window`` of a cut without sitting on it (for checks)."""
    c = np.asarray(cuts, np.float64).reshape(-1)
    bad = []
    for s in segments:
        for t in (s.start, s.end):
            d = np.abs(c - t) if c.size else np.zeros(0)
            if d.size and (d <= window).any() and not (d < 1e-4).any():
                bad.append(t)
    return bad
