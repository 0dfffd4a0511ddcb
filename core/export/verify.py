"""Probe a rendered reel (PyAV) and compare it with what the plan asked for."""

from __future__ import annotations

from pathlib import Path

from core.errors import ExportError
from core.export.content import MAX_CHECKS, ContentCheck, check_content
from core.export.result import RenderReport
from core.media import stream_rate


def _span(packets: list[tuple[int, int]], time_base) -> float:
    if not packets:
        return 0.0
    start = min(p for p, _ in packets)
    end = max(p + d for p, d in packets)
    return float((end - max(start, 0)) * time_base)


def verify_output(
    path: str | Path,
    expected_duration: float,
    *,
    tolerance: float | None = None,
    approximate: bool = False,
    max_shift: float = 0.0,
    pieces: list[tuple[str, float, float]] | None = None,
    audio_expected: bool = True,
    content: list[ContentCheck] | None = None,
    sizes: dict[str, tuple[int, int]] | None = None,
) -> RenderReport:
    """Probe ``path`` and build a :class:`RenderReport`.

    The video duration is measured from the packets (first presentation time to the end of
    the last frame); ``tolerance`` defaults to one frame of the output. With ``content``
    (and the sources' display ``sizes``), those reel frames are compared with the source
    frames they should show (:func:`core.export.content.check_content`).
    """
    import av

    try:
        with av.open(str(path)) as c:
            if not c.streams.video:
                raise ExportError(f"rendered file {path} has no video stream")
            v = c.streams.video[0]
            a = c.streams.audio[0] if c.streams.audio else None
            fps = stream_rate(v)
            width, height = v.codec_context.width, v.codec_context.height
            vpk: list[tuple[int, int]] = []
            apk: list[tuple[int, int]] = []
            streams = [v] if a is None else [v, a]
            for pkt in c.demux(*streams):
                if pkt.pts is None or pkt.size == 0:
                    continue
                dur = int(pkt.duration or 0)
                (vpk if pkt.stream.index == v.index else apk).append((int(pkt.pts), dur))
            duration = _span(vpk, v.time_base)
            audio_duration = _span(apk, a.time_base) if a is not None else 0.0
            if a is not None and a.duration is not None and a.start_time is not None:
                # the container's own count honours encoder priming (edit lists)
                audio_duration = float((a.duration) * a.time_base)
    except (OSError, av.FFmpegError) as exc:
        raise ExportError(f"cannot read back the rendered file {path}: {exc}") from exc
    errors: list[str] = []
    if content:
        try:
            errors = check_content(str(path), content, sizes or {})
        except (OSError, av.FFmpegError) as exc:
            errors = [f"cannot compare the reel with its sources: {exc}"]
    tol = tolerance if tolerance is not None else (1.0 / fps if fps else 0.05) + 1e-3
    return RenderReport(
        path=str(path),
        expected_duration=float(expected_duration),
        duration=duration,
        frames=len(vpk),
        fps=fps,
        width=int(width),
        height=int(height),
        has_audio=a is not None,
        audio_duration=audio_duration,
        tolerance=tol,
        approximate=approximate,
        max_shift=max_shift,
        pieces=list(pieces or []),
        audio_expected=audio_expected,
        content_checked=min(len(content or []), MAX_CHECKS),
        content_errors=errors,
    )
