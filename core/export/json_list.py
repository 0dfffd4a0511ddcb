"""JSON list of the reel's segments, with the plan's settings."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

from core.export._output import check_target, write_text
from core.export.plan import ReelPlan
from core.export.result import ExportResult
from core.export.segments import segment_rows
from core.progress import CancelToken, ProgressFn, check_cancel, report

SEGMENTS_SCHEMA = 1


def write_json(
    plan: ReelPlan,
    out: str | Path,
    *,
    progress: ProgressFn | None = None,
    cancel: CancelToken | None = None,
) -> ExportResult:
    """Write ``{"schema", "title", "duration", "settings", "segments": [...]}``."""
    target = check_target(out, plan.sources)
    check_cancel(cancel)
    rows, lay = segment_rows(plan)
    doc = {
        "schema": SEGMENTS_SCHEMA,
        "title": plan.title,
        "duration": round(lay.duration, 3),
        "settings": asdict(plan.settings),
        "segments": rows,
    }
    write_text(target, json.dumps(doc, indent=2, ensure_ascii=False) + "\n")
    report(progress, 1, 1, "json: written")
    return ExportResult(target, "json", lay.duration, len(rows))
