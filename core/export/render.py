"""Render a reel into one video file: H.264 + AAC in mp4 (or mov/mkv), frame-accurate.

Pieces are re-encoded (exact cuts) and normalised to one output setting: the first
source's size (others letterboxed), one frame rate, 48 kHz stereo by default. Reels longer
than ``settings.batch_size`` pieces are rendered in batches (intermediate files with PCM
sound in a hidden temporary folder beside the output) and joined without re-encoding the
picture. ``settings.fast`` switches to stream copy with keyframe-snapped cuts
(:mod:`core.export.fast`).

The output is written under a temporary name in the target folder and renamed at the end;
a cancel, an error or a full disk leaves nothing behind.
"""

from __future__ import annotations

import logging
import math
import tempfile
from collections.abc import Callable
from fractions import Fraction
from pathlib import Path

from core.errors import ExportError
from core.export._graph import (
    OutputSpec,
    Piece,
    audio_args,
    concat_list,
    encode_args,
    filter_graph,
    input_args,
    muxer_args,
    split_batches,
)
from core.export._media import SourceInfo, probe_source
from core.export._output import (
    check_target,
    error_from_ffmpeg,
    output_file,
    part_suffix,
    sweep_stale,
    temp_prefix,
)
from core.export.content import ContentCheck
from core.export.plan import CONTAINERS, ReelLayout, ReelPlan, as_rate, layout
from core.export.result import ExportResult
from core.export.verify import verify_output
from core.ffmpeg import STALL_SECONDS, FFmpegError, run_ffmpeg_progress, work_timeout
from core.progress import CancelToken, ProgressFn, check_cancel, report

log = logging.getLogger(__name__)


def write_mp4(
    plan: ReelPlan,
    out: str | Path,
    *,
    progress: ProgressFn | None = None,
    cancel: CancelToken | None = None,
) -> ExportResult:
    """Render ``plan`` to an H.264/AAC mp4 file at ``out``."""
    return render_reel(plan, out, container="mp4", progress=progress, cancel=cancel)


def write_mov(
    plan: ReelPlan,
    out: str | Path,
    *,
    progress: ProgressFn | None = None,
    cancel: CancelToken | None = None,
) -> ExportResult:
    """Render ``plan`` to an H.264/AAC QuickTime file at ``out``."""
    return render_reel(plan, out, container="mov", progress=progress, cancel=cancel)


def write_mkv(
    plan: ReelPlan,
    out: str | Path,
    *,
    progress: ProgressFn | None = None,
    cancel: CancelToken | None = None,
) -> ExportResult:
    """Render ``plan`` to an H.264/AAC Matroska file at ``out``."""
    return render_reel(plan, out, container="mkv", progress=progress, cancel=cancel)


def resolve_output(plan: ReelPlan, infos: dict[str, SourceInfo]) -> OutputSpec:
    """Fill the plan's unset output settings from its first source."""
    s = plan.settings
    first = infos[plan.entries[0].source]
    width, height = s.width or first.width, s.height or first.height
    if (s.width is None) != (s.height is None):
        raise ExportError("give both width and height for the output size (e.g. 1280x720)")
    width, height = int(width) // 2 * 2, int(height) // 2 * 2
    if width < 16 or height < 16:
        raise ExportError(f"output size {width}x{height} is too small")
    fps = as_rate(s.fps) if s.fps else as_rate(first.fps)
    if s.sample_rate < 8000 or s.channels < 1:
        raise ExportError("invalid audio settings (sample rate >= 8000, channels >= 1)")
    return OutputSpec(width, height, fps, int(s.sample_rate), int(s.channels))


def _ffmpeg(
    args: list[str], out: Path, on_time: Callable[[float], None], cancel, pieces: list[Piece]
) -> None:
    """One watched ffmpeg run; the limits scale with the pieces' length and pre-roll."""
    log.debug("ffmpeg %s", " ".join(args))
    preroll = max((p.lead for p in pieces), default=0.0)
    seconds = sum(p.lead + p.frames / p.src_fps for p in pieces)
    try:
        run_ffmpeg_progress(
            args,
            on_time=on_time,
            cancel=cancel,
            timeout=work_timeout(seconds),
            stall=STALL_SECONDS + preroll / 2,
        )
    except FFmpegError as exc:
        raise error_from_ffmpeg(exc, out) from exc


def _batch_seconds(pieces: list[Piece], fps: Fraction, cf_frames: int) -> float:
    frames = sum(p.frames for p in pieces) - cf_frames * (len(pieces) - 1)
    return float(Fraction(frames) / fps)


def content_checks(lay: ReelLayout, fade: float) -> list[ContentCheck]:
    """Per piece, its first frame clear of fades and crossfades, in reel and source time.

    A piece that is all transition (no clean frame) is not checked.
    """
    assert lay.fps is not None
    cf, n = lay.crossfade_frames, len(lay.placements)
    fade_frames = math.ceil(fade * lay.fps - 1e-9)
    out = []
    for p in lay.placements:
        head = (cf if p.index > 0 else 0) + (fade_frames if not cf or p.index == 0 else 0)
        tail = (cf if p.index < n - 1 else 0) + (fade_frames if not cf or p.index == n - 1 else 0)
        if head >= p.frames - tail:
            continue
        dt = float(Fraction(head) / lay.fps)
        out.append(ContentCheck(p.entry.source, p.entry.start + dt, p.reel_start + dt))
    return out


class _Ticker:
    """Progress of a render in output seconds (``done``: seconds of finished batches)."""

    def __init__(self, progress: ProgressFn | None, duration: float) -> None:
        self.progress, self.duration = progress, duration
        self.total_ms = max(1, int(duration * 1000))
        self.done = 0.0

    def __call__(self, t: float) -> None:
        ms = min(self.total_ms, int((self.done + t) * 1000))
        msg = f"render: {(self.done + t):.1f} / {self.duration:.1f} s"
        report(self.progress, ms, self.total_ms, msg)


def _piece_args(pieces, spec, lay, s, container, out: Path, intermediate=False) -> list[str]:
    """ffmpeg arguments rendering ``pieces`` into ``out``."""
    return [
        "-y",
        *input_args(pieces, spec.fps),
        "-filter_complex",
        filter_graph(pieces, spec, lay.crossfade_frames, lay.crossfade_samples),
        *encode_args(s, spec, container, intermediate=intermediate),
        str(out),
    ]


def _render_batched(batches, spec, lay, s, container, tmp: Path, target: Path, tick, cancel):
    """Render each batch into a hidden folder beside ``target``, then join them into ``tmp``
    (the picture is copied, the PCM sound encoded once)."""
    with tempfile.TemporaryDirectory(prefix=temp_prefix(target), dir=target.parent) as td:
        parts = []
        for k, pieces in enumerate(batches):
            check_cancel(cancel)
            part = Path(td) / f"part{k:04d}.mov"
            args = _piece_args(pieces, spec, lay, s, container, part, intermediate=True)
            _ffmpeg(args, target, tick, cancel, pieces)
            tick.done += _batch_seconds(pieces, spec.fps, lay.crossfade_frames)
            parts.append((str(part), None, None))
        listing = Path(td) / "parts.ffconcat"
        listing.write_text(concat_list(parts), encoding="utf-8")
        args = ["-y", "-f", "concat", "-safe", "0", "-i", str(listing)]
        args += ["-map", "0:v:0", "-map", "0:a:0", "-c:v", "copy", *audio_args(s, spec)]
        args += [*muxer_args(container), str(tmp)]
        report(tick.progress, tick.total_ms - 1, tick.total_ms, "render: joining batches")
        _ffmpeg(args, target, lambda t: None, cancel, [p for b in batches for p in b])


def render_reel(
    plan: ReelPlan,
    out: str | Path,
    *,
    container: str = "mp4",
    progress: ProgressFn | None = None,
    cancel: CancelToken | None = None,
) -> ExportResult:
    """Render ``plan`` into ``out``; return the result with its verification report.

    Raises:
        ExportError: a source is unreadable, ``out`` is a source, the folder is not
            writable, the disk is full or ffmpeg fails (no partial file is left).
        Cancelled: ``cancel`` was set (ffmpeg is killed, temporary files removed).
    """
    if container not in CONTAINERS:
        raise ExportError(f"unknown container {container!r}; valid: {', '.join(CONTAINERS)}")
    target = check_target(out, plan.sources)
    if plan.settings.fast:
        from core.export.fast import render_fast

        return render_fast(plan, target, container=container, progress=progress, cancel=cancel)
    check_cancel(cancel)
    infos = {src: probe_source(src) for src in plan.sources}
    spec = resolve_output(plan, infos)
    lay = layout(plan, spec.fps)
    s = plan.settings
    batches = split_batches(lay, infos, s.fade, s.batch_size)
    tick = _Ticker(progress, lay.duration)
    report(progress, 0, tick.total_ms, f"render: {len(lay.placements)} pieces")
    sweep_stale(target.parent)
    with output_file(target, suffix=part_suffix(container)) as tmp:
        if len(batches) == 1:
            args = _piece_args(batches[0], spec, lay, s, container, tmp)
            _ffmpeg(args, target, tick, cancel, batches[0])
        else:
            _render_batched(batches, spec, lay, s, container, tmp, target, tick, cancel)
        check_cancel(cancel)
        rep = verify_output(
            tmp,
            lay.duration,
            pieces=[(p.entry.source, p.entry.start, p.entry.end) for p in lay.placements],
            content=content_checks(lay, s.fade),
            sizes={src: (i.width, i.height) for src, i in infos.items()},
        )
    rep.path = str(target)
    report(progress, tick.total_ms, tick.total_ms, "render: done")
    warnings = []
    if not rep.ok:
        warnings.append(rep.summary())
        log.warning("%s", rep.summary())
    log.info("%s", rep.summary())
    return ExportResult(target, container, lay.duration, len(lay.placements), rep, warnings)
