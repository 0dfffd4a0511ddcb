"""Fast reel mode: stream copy (no re-encoding) with cuts snapped to keyframes.

Stream copy can only cut cleanly at keyframes, so every piece's start and end are moved
to the nearest keyframe (found with PyAV) and the pieces are joined with ffmpeg's concat
demuxer. The result is APPROXIMATE: pieces may start/end up to half a keyframe interval
away from the requested times, and crossfades, fades, resizing and frame-rate changes are
not possible. All sources must share codecs, picture size and sound format.
"""

from __future__ import annotations

import bisect
import logging
import os
import tempfile
from pathlib import Path

from core.errors import ExportError
from core.export._graph import concat_list, muxer_args
from core.export._media import SourceInfo, keyframes, probe_source
from core.export._output import (
    error_from_ffmpeg,
    output_file,
    part_suffix,
    sweep_stale,
    temp_prefix,
)
from core.export.plan import ReelPlan
from core.export.result import ExportResult
from core.export.verify import verify_output
from core.ffmpeg import FFmpegError, run_ffmpeg_progress, work_timeout
from core.progress import CancelToken, ProgressFn, check_cancel, report

log = logging.getLogger(__name__)


def _compatible(infos: list[SourceInfo]) -> None:
    first = infos[0]
    key = (
        first.video_codec,
        first.width,
        first.height,
        first.pix_fmt,
        first.has_audio,
        first.audio_codec,
        first.sample_rate,
        first.channels,
    )
    for info in infos[1:]:
        other = (
            info.video_codec,
            info.width,
            info.height,
            info.pix_fmt,
            info.has_audio,
            info.audio_codec,
            info.sample_rate,
            info.channels,
        )
        if other != key:
            raise ExportError(
                "fast mode needs sources with the same codecs, picture size and sound format "
                f"({Path(first.path).name} differs from {Path(info.path).name}); "
                "export without --fast to re-encode"
            )


def _nearest(points: list[float], t: float) -> float:
    i = bisect.bisect_left(points, t)
    near = [points[j] for j in (i - 1, i) if 0 <= j < len(points)]
    return min(near, key=lambda p: abs(p - t))


def snap(start: float, end: float, keys: list[float], duration: float) -> tuple[float, float]:
    """Snap a piece to keyframes: start to the nearest keyframe, end to the nearest keyframe
    after it (or the end of the file); never an empty piece."""
    keys = sorted(k for k in keys if 0 <= k < duration) or [0.0]
    a = _nearest(keys, start)
    ends = [k for k in keys if k > a] + [duration]
    b = _nearest(ends, end)
    return a, b


def render_fast(
    plan: ReelPlan,
    target: Path,
    *,
    container: str = "mp4",
    progress: ProgressFn | None = None,
    cancel: CancelToken | None = None,
) -> ExportResult:
    """Join ``plan``'s pieces by stream copy into ``target`` (cuts snapped to keyframes)."""
    s = plan.settings
    warnings = [
        "fast mode: stream copy with cuts snapped to keyframes; "
        "piece start/end times are APPROXIMATE"
    ]
    ignored = [
        name
        for name, on in (
            ("crossfade", s.crossfade > 0),
            ("fade", s.fade > 0),
            ("size", s.width is not None),
            ("fps", s.fps is not None),
        )
        if on
    ]
    if ignored:
        warnings.append(f"fast mode ignores: {', '.join(ignored)} (they need re-encoding)")
    infos = {src: probe_source(src) for src in plan.sources}
    _compatible(list(infos.values()))
    items, pieces, shift = [], [], 0.0
    for i, e in enumerate(plan.entries):
        check_cancel(cancel)
        report(progress, 0, 1, f"render: finding keyframes ({i + 1}/{len(plan.entries)})")
        info = infos[e.source]
        origin = info.video_start  # keyframes and in/out points are on the file's clock
        keys = [k - origin for k in keyframes(e.source)]
        a, b = snap(e.start, e.end, keys, info.duration)
        shift = max(shift, abs(a - e.start), abs(b - e.end))
        out = None if b >= info.duration else b + origin
        items.append((os.path.abspath(e.source), a + origin, out))
        pieces.append((e.source, a, b))
    expected = sum(b - a for _, a, b in pieces)
    total_ms = max(1, int(expected * 1000))
    for w in warnings:
        log.warning("%s", w)

    def tick(t: float) -> None:
        ms = min(total_ms, int(t * 1000))
        report(progress, ms, total_ms, f"render (fast copy): {t:.1f} / {expected:.1f} s")

    has_audio = next(iter(infos.values())).has_audio
    sweep_stale(target.parent)
    with output_file(target, suffix=part_suffix(container)) as tmp:
        with tempfile.TemporaryDirectory(prefix=temp_prefix(target), dir=target.parent) as td:
            listing = Path(td) / "pieces.ffconcat"
            listing.write_text(concat_list(items), encoding="utf-8")
            args = ["-y", "-f", "concat", "-safe", "0", "-i", str(listing), "-map", "0:v:0"]
            if has_audio:
                args += ["-map", "0:a:0"]
            args += [
                "-c",
                "copy",
                "-avoid_negative_ts",
                "make_zero",
                *muxer_args(container),
                str(tmp),
            ]
            try:
                run_ffmpeg_progress(
                    args, on_time=tick, cancel=cancel, timeout=work_timeout(expected)
                )
            except FFmpegError as exc:
                raise error_from_ffmpeg(exc, target) from exc
        check_cancel(cancel)
        fps = float(next(iter(infos.values())).fps)
        rep = verify_output(
            tmp,
            expected,
            tolerance=2.0 / fps + 0.05,
            approximate=True,
            max_shift=shift,
            pieces=pieces,
            audio_expected=has_audio,
        )
    rep.path = str(target)
    report(progress, total_ms, total_ms, "render: done")
    if not has_audio:
        warnings.append("the sources have no audio; the reel has none (fast mode)")
    log.info("%s", rep.summary())
    return ExportResult(target, container, expected, len(pieces), rep, warnings)
