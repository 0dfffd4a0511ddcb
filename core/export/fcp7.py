"""Final Cut Pro 7 XML (xmeml) of the reel, via the OTIO ``fcp_xml`` adapter.

Also imported by Premiere Pro and DaVinci Resolve. Clips point at the original media
(``pathurl`` = absolute ``file://`` URL) with in/out points at the source frame rate.
"""

from __future__ import annotations

from pathlib import Path

from core.errors import ExportError
from core.export._output import check_target, write_text
from core.export.plan import ReelPlan
from core.export.result import ExportResult
from core.export.timeline import build_otio, hard_cut_warnings
from core.progress import CancelToken, ProgressFn, check_cancel, report


def write_fcp7(
    plan: ReelPlan,
    out: str | Path,
    *,
    progress: ProgressFn | None = None,
    cancel: CancelToken | None = None,
) -> ExportResult:
    """Write the reel as Final Cut Pro 7 XML."""
    import opentimelineio as otio

    target = check_target(out, plan.sources)
    check_cancel(cancel)
    timeline = build_otio(plan, "timecode")
    try:
        text = otio.adapters.write_to_string(timeline, "fcp_xml")
    except (otio.exceptions.OTIOError, ValueError) as exc:
        raise ExportError(f"cannot write the FCP 7 XML: {exc}") from exc
    write_text(target, text)
    report(progress, 1, 1, "fcp7: written")
    return ExportResult(
        target,
        "fcp7",
        timeline.duration().to_seconds(),
        len(plan.entries),
        warnings=hard_cut_warnings(plan, timeline),
    )
