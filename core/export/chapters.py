"""YouTube chapters for a reel: ``0:00 Title`` lines to paste into a video description.

YouTube wants the first chapter at 0:00, times in ascending order, every chapter at least
10 seconds long and at least three chapters. Pieces shorter than that are merged into the
chapter before them (the title says how many pieces a chapter holds); a last chapter that
would be too short is merged backwards. A reel too short for three chapters still gets its
lines, with a warning.
"""

from __future__ import annotations

import logging
import math
from pathlib import Path

from core.export._output import check_target, write_text
from core.export.plan import Placement, ReelPlan
from core.export.result import ExportResult
from core.export.segments import segment_rows
from core.progress import CancelToken, ProgressFn, check_cancel, report

log = logging.getLogger(__name__)

MIN_CHAPTER = 10.0
MIN_CHAPTERS = 3


def timestamp(seconds: float, hours: bool = False) -> str:
    """``M:SS`` (or ``H:MM:SS``) of whole seconds."""
    s = int(seconds)
    h, rem = divmod(s, 3600)
    m, sec = divmod(rem, 60)
    return f"{h}:{m:02d}:{sec:02d}" if hours or h else f"{m}:{sec:02d}"


def _title(group: list[Placement], single_source: bool) -> str:
    first = group[0].entry
    at = timestamp(first.start)
    title = f"Highlight at {at}" if single_source else f"{Path(first.source).stem} {at}"
    if len(group) > 1:
        title += f" (+{len(group) - 1} more)"
    return title


def chapters(plan: ReelPlan, min_length: float = MIN_CHAPTER) -> list[tuple[int, str]]:
    """``(start second, title)`` per chapter, first at 0, each >= ``min_length`` long."""
    _, lay = segment_rows(plan)
    total = lay.duration
    groups: list[list[Placement]] = []
    starts: list[int] = []
    for p in lay.placements:
        start = 0 if not groups else math.floor(p.reel_start)
        if groups and start - starts[-1] < min_length:
            groups[-1].append(p)
            continue
        groups.append([p])
        starts.append(start)
    while len(groups) > 1 and total - starts[-1] < min_length:
        groups[-2].extend(groups.pop())
        starts.pop()
    single = len(plan.sources) == 1
    return [(s, _title(g, single)) for s, g in zip(starts, groups, strict=True)]


def write_chapters(
    plan: ReelPlan,
    out: str | Path,
    *,
    progress: ProgressFn | None = None,
    cancel: CancelToken | None = None,
) -> ExportResult:
    """Write YouTube chapter lines for the reel."""
    target = check_target(out, plan.sources)
    check_cancel(cancel)
    items = chapters(plan)
    _, lay = segment_rows(plan)
    hours = lay.duration >= 3600
    text = "".join(f"{timestamp(s, hours)} {title}\n" for s, title in items)
    warnings = []
    if len(items) < MIN_CHAPTERS:
        warnings.append(
            f"only {len(items)} chapter(s) of >= {MIN_CHAPTER:g} s fit in this "
            f"{lay.duration:.0f} s reel; YouTube shows chapters only when there are "
            f"at least {MIN_CHAPTERS}"
        )
        log.warning("%s", warnings[-1])
    write_text(target, text)
    report(progress, 1, 1, "chapters: written")
    return ExportResult(target, "chapters", lay.duration, len(plan.entries), warnings=warnings)
