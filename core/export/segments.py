"""Rows shared by the CSV and JSON segment lists: each piece with its place in the reel."""

from __future__ import annotations

from core.export.plan import ReelLayout, ReelPlan, layout

COLUMNS = ("index", "source", "start", "end", "duration", "score", "reel_start", "reel_end")


def segment_rows(plan: ReelPlan) -> tuple[list[dict], ReelLayout]:
    """One dict per piece (seconds rounded to milliseconds) and the layout used.

    Reel positions use ``settings.fps`` when set (frame-quantised like a rendered reel),
    otherwise exact seconds; crossfades overlap consecutive pieces.
    """
    lay = layout(plan, plan.settings.fps)
    rows = []
    for p in lay.placements:
        e = p.entry
        rows.append(
            {
                "index": p.index + 1,
                "source": e.source,
                "start": round(e.start, 3),
                "end": round(e.end, 3),
                "duration": round(e.duration, 3),
                "score": round(e.score, 4),
                "reel_start": round(p.reel_start, 3),
                "reel_end": round(p.reel_end, 3),
            }
        )
    return rows, lay
