"""What the exporters need to know about a source file, read with PyAV (cached per file)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache

from core.errors import ExportError


@dataclass(frozen=True)
class SourceInfo:
    """Stream facts of one source video."""

    path: str
    duration: float
    fps: Fraction
    width: int
    height: int
    video_codec: str
    pix_fmt: str
    has_audio: bool
    audio_codec: str = ""
    sample_rate: int = 0
    channels: int = 0
    video_start: float = 0.0  # seconds: start time of the video stream (analysis time 0)
    container_start: float = 0.0  # seconds: the file's start time (ffmpeg's -ss origin)
    discontinuous: bool = False  # timestamps jump or are missing: never seek into it

    @property
    def seek_origin(self) -> float:
        """Where analysis time 0 (the first video frame) lies on ffmpeg's ``-ss`` clock."""
        return self.video_start - self.container_start


def _stat_key(path: str) -> tuple[str, int, int]:
    try:
        st = os.stat(path)
    except OSError as exc:
        raise ExportError(f"source not found or unreadable: {path} ({exc.strerror})") from exc
    return path, st.st_size, st.st_mtime_ns


def probe_source(path: str) -> SourceInfo:
    """Probe ``path``; raise :class:`ExportError` when it is not a readable video."""
    return _probe_cached(_stat_key(str(path)))


@lru_cache(maxsize=256)
def _probe_cached(key: tuple[str, int, int]) -> SourceInfo:
    """Facts from :func:`core.media.probe` (display size after rotation), plus the pixel
    format and audio codec that fast mode compares."""
    import av

    from core.clock import may_jump
    from core.errors import MediaError
    from core.export.plan import as_rate
    from core.media import probe, video_origin

    path = key[0]
    try:
        info = probe(path)
    except MediaError as exc:
        raise ExportError(f"cannot use {path} as a source: {exc}") from exc
    try:
        with av.open(path) as c:
            v = c.streams.video[0]
            pix_fmt = str(v.codec_context.pix_fmt or "")
            audio_codec = c.streams.audio[0].codec_context.name if c.streams.audio else ""
            c_start = (c.start_time or 0) / av.time_base if c.start_time is not None else 0.0
            stated = float(v.start_time * v.time_base) if v.start_time is not None else 0.0
            jumps = may_jump(c) and _has_jumps(c, v)
        v_start = video_origin(path, info.fps)
        # first frames without timestamps (negative Matroska times): ffmpeg's clock for
        # them is a guess, so such a file is never seeked into either
        jumps = jumps or v_start < stated - 1e-6
    except (OSError, av.FFmpegError, IndexError) as exc:
        raise ExportError(f"cannot read {path} as video: {exc}") from exc
    width, height = info.width, info.height
    if info.rotation in (90, 270):
        width, height = height, width
    return SourceInfo(
        path=path,
        duration=float(info.duration),
        fps=as_rate(info.fps) if info.fps > 0 else Fraction(25),
        width=int(width),
        height=int(height),
        video_codec=info.video_codec,
        pix_fmt=pix_fmt,
        has_audio=info.has_audio,
        audio_codec=audio_codec,
        sample_rate=int(info.audio_sample_rate),
        channels=int(info.audio_channels),
        video_start=v_start,
        container_start=min(c_start, v_start),
        discontinuous=jumps,
    )


def _has_jumps(container, stream) -> bool:
    """True when the video timestamps go backwards or leap forward (files joined end to end)."""
    from core.media import stream_rate

    prev = None
    leap = 1.0 + 4.0 / (stream_rate(stream) or 25.0)
    for pkt in container.demux(stream):
        if pkt.dts is None:
            continue
        t = float(pkt.dts * stream.time_base)
        if prev is not None and (t < prev - 1e-3 or t > prev + leap):
            return True
        prev = t
    return False


def keyframes(path: str) -> list[float]:
    """Presentation times (seconds on the file's own clock, sorted) of its video keyframes."""
    return list(_keyframes_cached(_stat_key(str(path))))


@lru_cache(maxsize=64)
def _keyframes_cached(key: tuple[str, int, int]) -> tuple[float, ...]:
    import av

    times = []
    try:
        with av.open(key[0]) as c:
            v = c.streams.video[0]
            for pkt in c.demux(v):
                if pkt.is_keyframe and pkt.pts is not None:
                    times.append(float(pkt.pts * pkt.time_base))
    except (OSError, av.FFmpegError, IndexError) as exc:
        raise ExportError(f"cannot scan keyframes of {key[0]}: {exc}") from exc
    return tuple(sorted(times))
