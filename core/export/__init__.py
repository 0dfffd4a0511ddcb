"""Exporters: one module per format, one entry point ``write_<format>(plan, out, *, ...)``.

``write(plan, "mp4", out)`` looks a format up by name (an unknown name raises an error that
lists the valid ones; implementations are imported only when used).
``export_highlights(highlights, fmt, out)`` is the one-call path from ``VideoHighlights``
(one video or a library) to a file, used by ``avhd export`` and ``avhd find --export``.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from core.artifacts import VideoHighlights
from core.errors import ExportError
from core.export.plan import (
    ReelEntry,
    ReelPlan,
    ReelSettings,
    layout,
    load_highlights,
    plan_from_highlights,
)
from core.export.result import ExportResult, RenderReport
from core.progress import CancelToken, ProgressFn


@dataclass(frozen=True)
class ExportFormat:
    """A registered export format."""

    name: str
    target: str  # "module:function"
    suffix: str
    description: str
    rendered: bool = False  # True: a video file is rendered (slow; progress is meaningful)


_FORMATS = [
    ExportFormat("mp4", "core.export.render:write_mp4", ".mp4", "H.264/AAC video reel", True),
    ExportFormat("mov", "core.export.render:write_mov", ".mov", "H.264/AAC QuickTime reel", True),
    ExportFormat("mkv", "core.export.render:write_mkv", ".mkv", "H.264/AAC Matroska reel", True),
    ExportFormat("otio", "core.export.otio_file:write_otio", ".otio", "OpenTimelineIO timeline"),
    ExportFormat("edl", "core.export.edl:write_edl", ".edl", "CMX 3600 EDL"),
    ExportFormat("fcp7", "core.export.fcp7:write_fcp7", ".xml", "Final Cut Pro 7 XML"),
    ExportFormat("fcpxml", "core.export.fcpxml:write_fcpxml", ".fcpxml", "Final Cut Pro X XML"),
    ExportFormat("csv", "core.export.csv_list:write_csv", ".csv", "segment list (CSV)"),
    ExportFormat("json", "core.export.json_list:write_json", ".json", "segment list (JSON)"),
    ExportFormat("chapters", "core.export.chapters:write_chapters", ".txt", "YouTube chapters"),
]
FORMATS: dict[str, ExportFormat] = {f.name: f for f in _FORMATS}


def format_names() -> list[str]:
    """Valid format names, in display order."""
    return [f.name for f in _FORMATS]


def get_format(name: str) -> ExportFormat:
    if name not in FORMATS:
        raise ExportError(
            f"unknown export format {name!r}; valid formats: {', '.join(format_names())}"
        )
    return FORMATS[name]


def write(
    plan: ReelPlan,
    fmt: str,
    out: str | Path,
    *,
    progress: ProgressFn | None = None,
    cancel: CancelToken | None = None,
) -> ExportResult:
    """Export ``plan`` in format ``fmt`` to ``out``."""
    module, func = get_format(fmt).target.split(":")
    writer = getattr(importlib.import_module(module), func)
    return writer(plan, out, progress=progress, cancel=cancel)


def parse_size(size: str | tuple[int, int] | None) -> tuple[int, int] | None:
    """``"1280x720"`` or ``(1280, 720)`` as a tuple; ``None`` stays ``None``."""
    if size is None or isinstance(size, tuple):
        return size
    try:
        w, h = (int(x) for x in str(size).lower().split("x"))
    except ValueError:
        raise ExportError(f"invalid size {size!r}; expected WIDTHxHEIGHT, e.g. 1280x720") from None
    if w < 16 or h < 16:
        raise ExportError(f"invalid size {size!r}; width and height must be >= 16")
    return w, h


def default_output(highlights: list[VideoHighlights], fmt: str, folder: Path | None = None) -> Path:
    """``<video stem>.reel<suffix>`` beside the video, or ``library.reel<suffix>`` for many."""
    suffix = get_format(fmt).suffix
    first = Path(highlights[0].path)
    name = f"{first.stem}.reel{suffix}" if len(highlights) == 1 else f"library.reel{suffix}"
    return (folder or first.parent) / name


def export_highlights(
    highlights: VideoHighlights | Iterable[VideoHighlights],
    fmt: str = "mp4",
    out: str | Path | None = None,
    *,
    order: str = "source",
    crossfade: float = 0.0,
    fade: float = 0.0,
    fast: bool = False,
    size: str | tuple[int, int] | None = None,
    fps: float | None = None,
    title: str | None = None,
    progress: ProgressFn | None = None,
    cancel: CancelToken | None = None,
) -> ExportResult:
    """Export the ``keep`` segments of one or many videos in one call.

    Args:
        highlights: one ``VideoHighlights`` or several (a library reel).
        fmt: a name from :func:`format_names` (``mp4``, ``otio``, ``edl``, ...).
        out: output file; ``None`` or an existing folder gives ``<stem>.reel.<ext>``
            (``library.reel.<ext>`` for several videos) beside the first video / in it.
        order: ``"source"`` (source, then time) or ``"score"`` (best first).
        crossfade, fade: seconds (rendered formats; timelines keep hard cuts).
        fast: stream copy with keyframe-snapped (approximate) cuts, rendered formats only.
        size: output ``"WxH"``; default the first source's size (others letterboxed).
        fps: output frame rate; default the first source's.
        title: reel title for timelines/chapters.

    Returns:
        An :class:`ExportResult` (with a :class:`RenderReport` for rendered formats).
    """
    items = [highlights] if isinstance(highlights, VideoHighlights) else list(highlights)
    if not items:
        raise ExportError("nothing to export: no highlights given")
    get_format(fmt)
    wh = parse_size(size)
    if crossfade < 0 or fade < 0:
        raise ExportError("crossfade and fade must be >= 0 seconds")
    if fps is not None and fps <= 0:
        raise ExportError("fps must be > 0")
    settings = ReelSettings(
        width=wh[0] if wh else None,
        height=wh[1] if wh else None,
        fps=fps,
        crossfade=float(crossfade),
        fade=float(fade),
        fast=bool(fast),
    )
    plan = plan_from_highlights(items, order=order, settings=settings, title=title)
    if out is None:
        target = default_output(items, fmt)
    elif Path(out).is_dir():
        target = default_output(items, fmt, Path(out))
    else:
        target = Path(out)
    from core.outputs import check_output, record_written

    # never over a video, a source or a file AVHD did not write; recorded as AVHD's output
    check_output(target, [h.path for h in items], what="export")
    result = write(plan, fmt, target, progress=progress, cancel=cancel)
    record_written(result.path, "reel" if get_format(fmt).rendered else f"{fmt} export")
    return result


__all__ = [
    "FORMATS",
    "ExportFormat",
    "ExportResult",
    "ReelEntry",
    "ReelPlan",
    "ReelSettings",
    "RenderReport",
    "default_output",
    "export_highlights",
    "format_names",
    "get_format",
    "layout",
    "load_highlights",
    "parse_size",
    "plan_from_highlights",
    "write",
]
