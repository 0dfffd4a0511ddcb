"""CMX 3600 edit decision list of the reel (one video track, via the OTIO adapter).

An EDL has one timecode rate: the sequence rate (``settings.fps`` or the first source's);
sources at other rates are converted to it (29.97/59.94 use drop-frame timecode). The clip
comments name the source file as an absolute ``file://`` URL.
"""

from __future__ import annotations

from pathlib import Path

from core.errors import ExportError
from core.export._output import check_target, write_text
from core.export.plan import ReelPlan
from core.export.result import ExportResult
from core.export.timeline import build_otio, hard_cut_warnings
from core.progress import CancelToken, ProgressFn, check_cancel, report


def write_edl(
    plan: ReelPlan,
    out: str | Path,
    *,
    progress: ProgressFn | None = None,
    cancel: CancelToken | None = None,
) -> ExportResult:
    """Write the reel as a CMX 3600 EDL."""
    import opentimelineio as otio

    target = check_target(out, plan.sources)
    check_cancel(cancel)
    timeline = build_otio(plan, "sequence")
    video = timeline.video_tracks()[0]
    for track in list(timeline.tracks):
        if track is not video:
            timeline.tracks.remove(track)
    rate = timeline.global_start_time.rate
    try:
        text = otio.adapters.write_to_string(timeline, "cmx_3600", rate=rate, style="avid")
    except (otio.exceptions.OTIOError, ValueError) as exc:
        raise ExportError(f"cannot write the EDL: {exc}") from exc
    write_text(target, text)
    report(progress, 1, 1, "edl: written")
    return ExportResult(
        target,
        "edl",
        timeline.duration().to_seconds(),
        len(plan.entries),
        warnings=hard_cut_warnings(plan, timeline),
    )
