"""Shot cuts: detected with PySceneDetect, cached by content, and used to place segment edges.

:func:`detect_cuts` runs PySceneDetect's ``ContentDetector`` over a video in its own pass
(downscaled frames, so a 10-minute 360p film takes well under a minute), reporting progress
in seconds of footage and checking the cancel token between chunks. :class:`ShotCache`
stores the result beside the feature cache, keyed by the file's content fingerprint and
the detector's parameters. Segment edges are placed on the cuts by :mod:`core.shotsnap`.
"""

from __future__ import annotations

import json
import logging
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from core.artifacts import Segment
from core.errors import MediaError
from core.progress import check_cancel
from core.shotsnap import SNAP_WINDOW, edges_off_shots, snap_segments

log = logging.getLogger(__name__)

SHOTS_VERSION = 1


def _seconds(timecode) -> float:
    """A PySceneDetect ``FrameTimecode`` in seconds (0.6: ``get_seconds()``, 0.7: ``.seconds``)."""
    value = getattr(timecode, "seconds", None)
    return float(timecode.get_seconds() if value is None else value)


CHUNK_SECONDS = 10.0  # footage between progress reports and cancel checks
THREADING = "AUTO"  # PyAV decoder threads for the shot pass (bench/shots.py)


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
                progress=None, cancel=None, threading: str | None = THREADING) -> ShotCuts:
    """Shot cuts of ``path`` found by PySceneDetect's ``ContentDetector``.

    Args:
        path: the video file.
        params: detector settings.
        progress: ``progress(done_seconds, total_seconds, message)``.
        cancel: a :class:`~core.progress.CancelToken`; checked between chunks of footage.
        threading: PyAV's decoder threading ("AUTO", or ``None``: one thread); the cuts are
            the same (``bench/shots.py`` compares both), except that threaded decoding does
            not see the last frame or two (a cut in the final 0.1 s is not found).

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
        video = open_video(str(path), backend="pyav", threading_mode=threading)
    except (VideoOpenFailure, OSError, ValueError, RuntimeError) as exc:
        reason = getattr(exc, "strerror", None) or str(exc)
        for full in {str(path), str(Path(path).resolve())}:  # PyAV's names the full path
            reason = reason.replace(f": '{full}'", "").replace(full, name)
        raise MediaError(f"{name}: cannot read the video for shot detection ({reason})") from exc
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
    if progress is not None and total and done < total:  # threaded decoding ends a few
        progress(total, total, f"Finding shots in {name}")  # frames short of the stated end
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


def snap_to_cuts(segments: list[Segment], cuts, duration: float, *,
                 window: float = SNAP_WINDOW, min_length: float = 0.0) -> list[Segment]:
    """Compatible name of :func:`core.shotsnap.snap_segments` (the engine's placement)."""
    return snap_segments(segments, cuts, duration, window=window, min_length=min_length)


def edges_near_cuts(segments: list[Segment], cuts, window: float = SNAP_WINDOW) -> list[float]:
    """Segment edges within ``window`` of a cut without sitting on it (for checks)."""
    return edges_off_shots(segments, cuts, window)
