"""``avhd find``: the whole method on a folder of footage."""

from __future__ import annotations

import argparse
from pathlib import Path

from core.commands._common import (
    StageBars,
    add_extract_options,
    add_method_options,
    add_selection_options,
    config_from_args,
)
from core.pipeline import find_highlights

NAME = "find"
HELP = "find highlights in a folder of videos (extract, learn, score, select)"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("folder", help="folder of videos (searched recursively) or a video file")
    p.add_argument("--out", help="output folder (default FOLDER/avhd_highlights)")
    p.add_argument("--model", help="score with this model instead of training one")
    p.add_argument(
        "--direct",
        action="store_true",
        help="score clips by their pseudo-highlights alone (no network)",
    )
    p.add_argument(
        "--export",
        action="append",
        default=[],
        metavar="FORMAT",
        help="also export the library reel/timeline (mp4, edl, fcp7, fcpxml, otio, "
        "csv, json, chapters); repeatable",
    )
    add_selection_options(p)
    add_method_options(p)
    add_extract_options(p)


def print_report(result, out: Path | None) -> None:
    hls = list(result.highlights.values())
    print(f"{len(hls)} video(s) scored, {len(result.failures)} failed")
    for note in result.notes:
        print(f"  note: {note}")
    for h in hls:
        kept = [s for s in h.segments if s.keep]
        segs = ", ".join(f"{s.start:.1f}-{s.end:.1f}s" for s in kept[:4])
        more = f" (+{len(kept) - 4})" if len(kept) > 4 else ""
        audio = "" if h.has_audio else " [visual only]"
        print(
            f"  {Path(h.path).name}: {h.n_clips} clips, category {h.category}{audio}; "
            f"highlights {segs}{more}"
        )
    for path, reason in result.failures.items():
        print(f"  FAILED {Path(path).name}: {reason}")
    if out is not None:
        print(f"results in {out}")


def run(args: argparse.Namespace) -> int:
    cfg = config_from_args(args)
    cfg.model_path = args.model
    cfg.direct = args.direct
    bars = StageBars()
    try:
        result = find_highlights(args.folder, cfg, out_dir=args.out, progress=bars)
    finally:
        bars.close()
    out = Path(result.out_dir) if result.out_dir else None
    print_report(result, out)
    if args.export:
        from core.project_edits import apply_project_edits, find_project

        project = find_project(args.folder)
        edited = apply_project_edits(list(result.highlights.values()), project)
        if edited:
            print(f"export uses the hand edits of {edited} video(s) from {project}")
    for fmt in args.export:
        from core.commands.export import export_from_find

        path = export_from_find(list(result.highlights.values()), fmt, out)
        print(f"exported {fmt}: {path}")
    return 0 if result.highlights else 1
