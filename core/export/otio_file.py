"""OpenTimelineIO (``.otio`` JSON) timeline of the reel."""

from __future__ import annotations

from pathlib import Path

from core.export._output import check_target, write_text
from core.export.plan import ReelPlan
from core.export.result import ExportResult
from core.export.timeline import build_otio, hard_cut_warnings
from core.progress import CancelToken, ProgressFn, check_cancel, report


def write_otio(
    plan: ReelPlan,
    out: str | Path,
    *,
    progress: ProgressFn | None = None,
    cancel: CancelToken | None = None,
) -> ExportResult:
    """Write the reel as an OTIO timeline pointing at the original media."""
    import opentimelineio as otio

    target = check_target(out, plan.sources)
    check_cancel(cancel)
    timeline = build_otio(plan, "exact")
    text = otio.adapters.write_to_string(timeline, "otio_json")
    write_text(target, text)
    report(progress, 1, 1, "otio: written")
    return ExportResult(
        target,
        "otio",
        timeline.duration().to_seconds(),
        len(plan.entries),
        warnings=hard_cut_warnings(plan, timeline),
    )
