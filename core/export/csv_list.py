"""CSV list of the reel's segments (one row per piece, times in seconds)."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from core.export._output import check_target, write_text
from core.export.plan import ReelPlan
from core.export.result import ExportResult
from core.export.segments import COLUMNS, segment_rows
from core.progress import CancelToken, ProgressFn, check_cancel, report


def write_csv(
    plan: ReelPlan,
    out: str | Path,
    *,
    progress: ProgressFn | None = None,
    cancel: CancelToken | None = None,
) -> ExportResult:
    """Write ``index,source,start,end,duration,score,reel_start,reel_end`` rows."""
    target = check_target(out, plan.sources)
    check_cancel(cancel)
    rows, lay = segment_rows(plan)
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    write_text(target, buf.getvalue())
    report(progress, 1, 1, "csv: written")
    return ExportResult(target, "csv", lay.duration, len(rows))
